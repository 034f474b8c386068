-- failover_log: one row per promotion (and fence, rejoin, lifted demotion), written by the
-- primary's keeper; term is the witness lease's term after the event (empty without a witness).
-- keeper creates it by itself (on the primary at start-up, so it is replicated
-- before any failover); this script is for DBAs who install it by hand:
--   psql -d postgres -f sql/failover_log.sql
-- The first two columns stay unixtime and host, so the query applications
-- already run keeps working:
--   SELECT * FROM failover_log ORDER BY unixtime DESC LIMIT 1;
CREATE TABLE IF NOT EXISTS failover_log (
    unixtime         bigint      NOT NULL,
    host             text        NOT NULL,
    event            text        NOT NULL DEFAULT 'promoted',
    timeline         integer,
    lsn              pg_lsn,
    previous_primary text,
    reason           text,
    logged_at        timestamptz NOT NULL DEFAULT now(),
    term             bigint
);
-- A table created by keeper 1.0 gains the lease term column (keeper does this by itself on the primary):
--   ALTER TABLE failover_log ADD COLUMN IF NOT EXISTS term bigint;
