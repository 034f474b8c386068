package io.keeper.lease;

import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ProbeClassifier;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * The lease as one row of a table on a PostgreSQL witness, keyed by the pair's system_identifier. Every change
 * is one UPDATE (or INSERT ... ON CONFLICT) whose WHERE clause is the compare-and-set and whose times come from
 * the witness's now(), so concurrent renew and acquire serialise on the row lock and no node's wall clock is used.
 */
public final class WitnessLease implements Lease {

    /** The table keeper creates on the witness; sql/keeper_lease.sql holds the same definition. */
    public static final String TABLE = "keeper_lease";

    public static final String DDL = "CREATE TABLE IF NOT EXISTS " + TABLE + " (\n"
            + "    cluster_id    bigint      PRIMARY KEY,   -- the pair's system_identifier\n"
            + "    holder        text        NOT NULL,      -- node_name of the holder, '' for nobody\n"
            + "    term          bigint      NOT NULL,      -- +1 each time the lease changes hands\n"
            + "    expires_at    timestamptz NOT NULL,      -- by the witness's clock\n"
            + "    renewed_at    timestamptz NOT NULL,\n"
            + "    sync_released boolean     NOT NULL DEFAULT false  -- the standby may lack acknowledged commits\n"
            + ")";

    private static final String COLUMNS = "holder, term, (extract(epoch FROM expires_at - now()) * 1000)::bigint,"
            + " sync_released";

    /**
     * Renews as holder. A row held by nobody (a new witness's placeholder) is claimed too: only a primary or a node
     * that held the lease renews, and it is already the one writing. A cluster without a row gets one at term 1.
     */
    private static final String RENEW = "WITH renewed AS ("
            + " UPDATE " + TABLE + " SET holder = ?, term = greatest(term, 1),"
            + " expires_at = now() + ? * interval '1 ms', renewed_at = now(), sync_released = ?"
            + " WHERE cluster_id = ? AND (holder = ? OR holder = '') RETURNING " + COLUMNS + "),"
            + " created AS ("
            + " INSERT INTO " + TABLE + " (cluster_id, holder, term, expires_at, renewed_at, sync_released)"
            + " SELECT ?, ?, 1, now() + ? * interval '1 ms', now(), ? WHERE NOT EXISTS (SELECT 1 FROM renewed)"
            + " ON CONFLICT (cluster_id) DO NOTHING RETURNING " + COLUMNS + ")"
            + " SELECT * FROM renewed UNION ALL SELECT * FROM created";

    /** Takes an expired lease that another node (or nobody) holds and whose holder kept synchronous replication. */
    private static final String ACQUIRE = "UPDATE " + TABLE + " SET holder = ?, term = term + 1,"
            + " expires_at = now() + ? * interval '1 ms', renewed_at = now(), sync_released = false"
            + " WHERE cluster_id = ? AND holder <> ? AND expires_at <= now() AND NOT sync_released"
            + " RETURNING " + COLUMNS;

    /** The holder gives the lease to its partner for a switchover (it has stopped writing). */
    private static final String HAND_OVER = "UPDATE " + TABLE + " SET holder = ?, term = term + 1,"
            + " expires_at = now() + ? * interval '1 ms', renewed_at = now(), sync_released = false"
            + " WHERE cluster_id = ? AND holder = ? AND expires_at > now() RETURNING " + COLUMNS;

    /** A new cluster row held by nobody that frees itself only after one lease time. */
    private static final String PLACEHOLDER = "INSERT INTO " + TABLE
            + " (cluster_id, holder, term, expires_at, renewed_at) VALUES (?, '', 0, now() + ? * interval '1 ms', now())"
            + " ON CONFLICT (cluster_id) DO NOTHING";

    private static final String READ = "SELECT " + COLUMNS + " FROM " + TABLE + " WHERE cluster_id = ?";

    private final PgSession session;
    private final boolean ownsSession;
    private volatile boolean tableReady;

    /** A lease on a session its caller closes. */
    public WitnessLease(PgSession session) {
        this(session, false);
    }

    private WitnessLease(PgSession session, boolean ownsSession) {
        this.session = session;
        this.ownsSession = ownsSession;
    }

    /** A lease that closes {@code session} when it is closed. */
    public static WitnessLease owning(PgSession session) {
        return new WitnessLease(session, true);
    }

    @Override
    public void setDeadline(Duration deadline) {
        session.setDeadline(deadline);
    }

    @Override
    public void close() {
        if (ownsSession) {
            session.close();
        }
    }

    @Override
    public LeaseView renew(long cluster, String node, Duration ttl, boolean syncReleased) throws LeaseException {
        return call("renewing the lease", c -> {
            try (PreparedStatement st = c.prepareStatement(RENEW)) {
                int i = 0;
                st.setString(++i, node);
                st.setLong(++i, ttl.toMillis());
                st.setBoolean(++i, syncReleased);
                st.setLong(++i, cluster);
                st.setString(++i, node);
                st.setLong(++i, cluster);
                st.setString(++i, node);
                st.setLong(++i, ttl.toMillis());
                st.setBoolean(++i, syncReleased);
                LeaseView view = single(st);
                return view != null ? view : readRow(c, cluster);
            }
        });
    }

    @Override
    public LeaseView acquire(long cluster, String node, Duration ttl) throws LeaseException {
        return call("taking the lease", c -> {
            try (PreparedStatement st = c.prepareStatement(ACQUIRE)) {
                st.setString(1, node);
                st.setLong(2, ttl.toMillis());
                st.setLong(3, cluster);
                st.setString(4, node);
                LeaseView view = single(st);
                if (view != null) {
                    return view;
                }
            }
            LeaseView now = readRow(c, cluster);
            if (now == LeaseView.NONE) { // no row at all: this arbiter has never seen the pair
                try (PreparedStatement st = c.prepareStatement(PLACEHOLDER)) {
                    st.setLong(1, cluster);
                    st.setLong(2, ttl.toMillis());
                    st.executeUpdate();
                }
                return readRow(c, cluster);
            }
            return now;
        });
    }

    @Override
    public LeaseView handOver(long cluster, String from, String to, Duration ttl) throws LeaseException {
        return call("handing the lease over", c -> {
            try (PreparedStatement st = c.prepareStatement(HAND_OVER)) {
                st.setString(1, to);
                st.setLong(2, ttl.toMillis());
                st.setLong(3, cluster);
                st.setString(4, from);
                LeaseView view = single(st);
                return view != null ? view : readRow(c, cluster);
            }
        });
    }

    @Override
    public LeaseView read(long cluster) throws LeaseException {
        return call("reading the lease", c -> readRow(c, cluster));
    }

    @Override
    public String describe() {
        return "witness " + session.conninfo().address();
    }

    /**
     * CREATE TABLE IF NOT EXISTS is not safe against itself: when both keepers of a new pair run it at the same
     * moment, one of them fails on the catalog's unique index (23505) or finds the table just created (42P07).
     * Either means the table is there now.
     */
    private static void createTable(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(DDL);
        } catch (SQLException e) {
            if (!"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
                throw e;
            }
        }
    }

    private static LeaseView readRow(Connection c, long cluster) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(READ)) {
            st.setLong(1, cluster);
            LeaseView view = single(st);
            return view != null ? view : LeaseView.NONE;
        }
    }

    private static LeaseView single(PreparedStatement st) throws SQLException {
        try (ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
                return null;
            }
            return new LeaseView(rs.getString(1), rs.getLong(2), Duration.ofMillis(rs.getLong(3)), rs.getBoolean(4));
        }
    }

    private LeaseView call(String what, PgSession.SqlWork<LeaseView> work) throws LeaseException {
        try {
            return session.call(c -> {
                if (!tableReady) {
                    createTable(c);
                    tableReady = true;
                }
                return work.apply(c);
            });
        } catch (SQLException | TimeoutException e) {
            throw new LeaseException(what + " on " + describe() + " failed: " + ProbeClassifier.describe(e),
                    ProbeClassifier.sqlState(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LeaseException(what + " on " + describe() + " was interrupted", null, e);
        }
    }
}
