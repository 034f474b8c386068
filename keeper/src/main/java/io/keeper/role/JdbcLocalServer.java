package io.keeper.role;

import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/** The local server reached over JDBC through a session with deadlines. */
public final class JdbcLocalServer extends JdbcServer implements LocalServer {

    /** Where the original synchronous_standby_names is kept while keeper has cleared it: survives restarts. */
    static final String SAVED_SETTING = "keeper.saved_synchronous_standby_names";

    /** The custom setting through which keeper publishes this node's node_name on its server. */
    static final String NODE_NAME_SETTING = "keeper.node_name";
    /** The custom setting that marks a fenced server, with the reason; survives restarts. */
    static final String FENCED_SETTING = "keeper.fenced";

    public JdbcLocalServer(PgSession session, FailoverLogTable failoverLog) {
        super(session, failoverLog);
    }

    @Override
    public ProbeResult status() {
        return probe.probe();
    }

    @Override
    public ServerState promote(Duration wait) throws ServerActionException {
        return withShortRetryInterval(() -> promoteAndConfirm(wait));
    }

    private ServerState promoteAndConfirm(Duration wait) throws ServerActionException {
        int waitSeconds = (int) Math.max(1, wait.toSeconds());
        Boolean promoted = run("pg_promote", Duration.ofSeconds(waitSeconds + 5L), c -> {
            try (PreparedStatement st = c.prepareStatement("SELECT pg_promote(true, ?)")) {
                st.setInt(1, waitSeconds);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        });
        if (!promoted) {
            throw new ServerActionException("pg_promote did not finish within " + waitSeconds + " s", null, null);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            ProbeResult after = probe.probe();
            if (after.isPrimary()) {
                return after.state();
            }
            if (System.nanoTime() > deadline) {
                throw new ServerActionException("server still in recovery after pg_promote: " + after.describe(),
                        after.sqlState(), null);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ServerActionException("interrupted while confirming the promotion", null, e);
            }
        }
    }

    @Override
    public boolean ensureFailoverLog() throws ServerActionException {
        return run("creating " + failoverLog.name(), ACTION_LIMIT, failoverLog::createIfMissing);
    }

    @Override
    public void disableSynchronousStandbys(String current) throws ServerActionException {
        run("clearing synchronous_standby_names", ACTION_LIMIT, c -> {
            try (Statement st = c.createStatement()) {
                declareSavedSetting(st);
                st.execute("ALTER SYSTEM SET " + SAVED_SETTING + " = " + literal(current));
                st.execute("ALTER SYSTEM SET synchronous_standby_names = ''");
                st.execute("RESET " + SAVED_SETTING);
                st.execute("SELECT pg_reload_conf()");
            }
            return null;
        });
    }

    @Override
    public void restoreSynchronousStandbys(String saved) throws ServerActionException {
        run("restoring synchronous_standby_names", ACTION_LIMIT, c -> {
            try (Statement st = c.createStatement()) {
                declareSavedSetting(st);
                st.execute("ALTER SYSTEM SET synchronous_standby_names = " + literal(saved));
                st.execute("ALTER SYSTEM RESET " + SAVED_SETTING);
                st.execute("RESET " + SAVED_SETTING);
                st.execute("SELECT pg_reload_conf()");
            }
            return null;
        });
    }

    @Override
    public void forgetSavedSynchronousStandbys() throws ServerActionException {
        run("forgetting the saved synchronous_standby_names", ACTION_LIMIT, c -> {
            try (Statement st = c.createStatement()) {
                declareSavedSetting(st);
                st.execute("ALTER SYSTEM RESET " + SAVED_SETTING);
                st.execute("RESET " + SAVED_SETTING);
                st.execute("SELECT pg_reload_conf()");
            }
            return null;
        });
    }

    private static void declareSavedSetting(Statement st) throws SQLException {
        ServerSettings.declare(st, SAVED_SETTING);
    }

    static String literal(String value) {
        return ServerSettings.literal(value);
    }

    @Override
    public void publishNodeName(String nodeName) throws ServerActionException {
        alterSystem("publishing node_name", NODE_NAME_SETTING, nodeName);
    }

    @Override
    public void publishActivity(String text) throws ServerActionException {
        session.setApplicationName(text); // for every reconnect
        run("publishing keeper's activity", session.deadline(), c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT set_config('application_name', ?, false)")) {
                ps.setString(1, text);
                ps.execute();
            }
            return null;
        });
    }

    @Override
    public void fence(String reason) throws ServerActionException {
        run("fencing", ACTION_LIMIT, c -> {
            try (Statement st = c.createStatement()) {
                ServerSettings.declare(st, FENCED_SETTING);
                st.execute("ALTER SYSTEM SET default_transaction_read_only = on");
                st.execute("ALTER SYSTEM SET " + FENCED_SETTING + " = " + literal(reason));
                st.execute("RESET " + FENCED_SETTING);
                st.execute("SELECT pg_reload_conf()");
                // Sessions that are already open may be mid-transaction: end them so no write slips through.
                for (int round = 0; round < 2; round++) {
                    st.execute("SELECT pg_sleep(0.1)");
                    st.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                            + " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
                }
            }
            return null;
        });
        session.reset();
    }

    @Override
    public void markFenced(String reason) throws ServerActionException {
        alterSystem("recording why this server is fenced", FENCED_SETTING, reason);
    }

    @Override
    public void unfence() throws ServerActionException {
        alterSystem("lifting the fence", "default_transaction_read_only", null, FENCED_SETTING, null);
        session.reset();
    }

    @Override
    public long emitWalHeartbeat() throws ServerActionException {
        // Transactional, committed with synchronous_commit = local: the commit flushes it at once (so the WAL
        // sender passes it on now, not at the WAL writer's next round) and never waits for a synchronous standby.
        String lsn = run("writing the WAL heartbeat", session.deadline(), c -> {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL synchronous_commit = local");
                String at;
                try (ResultSet rs = st.executeQuery("SELECT pg_logical_emit_message(true, 'keeper', 'heartbeat')::text")) {
                    rs.next();
                    at = rs.getString(1);
                }
                c.commit();
                return at;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        });
        return ServerState.parseLsn(lsn);
    }

    @Override
    public void clearPendingEvent() throws ServerActionException {
        alterSystem("forgetting the announced event", PENDING_SETTING, null);
    }

    @Override
    public void recordTerm(long term) throws ServerActionException {
        alterSystem("recording the lease term", TERM_SETTING, Long.toString(term));
    }

    @Override
    public void resumeReplay() throws ServerActionException {
        run("resuming WAL replay", ACTION_LIMIT, c -> {
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_wal_replay_resume()");
            }
            return null;
        });
    }

    /** Runs arbitrary work on the local server's session (used by rejoin to read the server layout). */
    public <T> T onSession(String what, PgSession.SqlWork<T> work) throws ServerActionException {
        return run(what, ACTION_LIMIT, work);
    }
}
