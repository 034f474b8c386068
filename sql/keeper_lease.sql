-- keeper_lease: the lease that decides which node of a pair may take writes, one row per pair,
-- on the witness server (witness_conninfo). keeper creates it by itself on first contact; this
-- script is for DBAs who create it by hand (the witness role then needs only SELECT, INSERT and
-- UPDATE on it):
--   psql -h WITNESS -d postgres -f sql/keeper_lease.sql
-- Every change is one compare-and-set statement using the witness's own clock (now()).
-- To see who holds the lease:
--   SELECT holder, term, expires_at - now() AS remaining, sync_released FROM keeper_lease;
CREATE TABLE IF NOT EXISTS keeper_lease (
    cluster_id    bigint      PRIMARY KEY,   -- the pair's system_identifier
    holder        text        NOT NULL,      -- node_name of the holder, '' for nobody
    term          bigint      NOT NULL,      -- +1 each time the lease changes hands
    expires_at    timestamptz NOT NULL,      -- by the witness's clock
    renewed_at    timestamptz NOT NULL,
    sync_released boolean     NOT NULL DEFAULT false  -- the standby may lack acknowledged commits
);
