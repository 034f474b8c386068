package io.keeper.role;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.heartbeat.JdbcServerProbe;
import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/** The local server reached over JDBC through a session with deadlines. */
public final class JdbcLocalServer implements LocalServer, AutoCloseable {

    private static final Duration ACTION_LIMIT = Duration.ofSeconds(30);
    /** Where the original synchronous_standby_names is kept while keeper has cleared it: survives restarts. */
    static final String SAVED_SETTING = "keeper.saved_synchronous_standby_names";

    private final PgSession session;
    private final JdbcServerProbe probe;
    private final FailoverLogTable failoverLog;

    public JdbcLocalServer(PgSession session, FailoverLogTable failoverLog) {
        this.session = session;
        this.probe = new JdbcServerProbe(session);
        this.failoverLog = failoverLog;
    }

    @Override
    public ProbeResult status() {
        return probe.probe();
    }

    @Override
    public ServerState promote(Duration wait) throws ServerActionException {
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
    public FailoverLogEntry recordEvent(String host, String event, ServerState state, String previousPrimary,
                                        String reason) throws ServerActionException {
        return run("writing to " + failoverLog.name(), ACTION_LIMIT, c -> {
            failoverLog.createIfMissing(c);
            return failoverLog.insert(c, host, event, state.timeline(), state.lsn(), previousPrimary, reason);
        });
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

    /**
     * PostgreSQL 15 refuses ALTER SYSTEM on a custom setting the session has never seen, so the session
     * declares it first (with its current value, then RESET so the reloaded value shows through).
     */
    private static void declareSavedSetting(Statement st) throws SQLException {
        st.execute("SELECT set_config('" + SAVED_SETTING + "', coalesce(current_setting('" + SAVED_SETTING
                + "', true), ''), false)");
    }

    /** A string literal for ALTER SYSTEM, which takes no bind parameters. */
    static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    private <T> T run(String what, Duration limit, PgSession.SqlWork<T> work) throws ServerActionException {
        try {
            return session.call(work, limit);
        } catch (SQLException e) {
            throw new ServerActionException(what + " on " + session.conninfo().address() + " failed: "
                    + firstLine(e.getMessage()), e.getSQLState(), e);
        } catch (TimeoutException e) {
            throw new ServerActionException(what + " on " + session.conninfo().address() + " timed out: "
                    + e.getMessage(), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServerActionException(what + " was interrupted", null, e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl >= 0 ? s.substring(0, nl) : s;
    }

    @Override
    public void close() {
        session.close();
    }
}
