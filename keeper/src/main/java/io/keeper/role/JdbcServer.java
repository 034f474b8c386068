package io.keeper.role;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.heartbeat.JdbcServerProbe;
import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/** A server reached over JDBC through a session with deadlines: probed, and its failover_log read and written. */
public class JdbcServer implements PartnerServer, AutoCloseable {

    static final Duration ACTION_LIMIT = Duration.ofSeconds(30);

    final PgSession session;
    final JdbcServerProbe probe;
    final FailoverLogTable failoverLog;

    public JdbcServer(PgSession session, FailoverLogTable failoverLog) {
        this.session = session;
        this.probe = new JdbcServerProbe(session);
        this.failoverLog = failoverLog;
    }

    @Override
    public ProbeResult probe() {
        return probe.probe();
    }

    @Override
    public long lastAnswerNanos() {
        return probe.lastAnswerNanos();
    }

    @Override
    public Optional<FailoverLogEntry> latestFailover() {
        try {
            List<FailoverLogEntry> rows = session.call(c -> failoverLog.exists(c) ? failoverLog.readAll(c) : List.of());
            return rows.stream().findFirst();
        } catch (SQLException | TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    public FailoverLogEntry recordEvent(String host, String event, ServerState state, String previousPrimary,
                                        String reason) throws ServerActionException {
        return recordEvent(host, event, state, previousPrimary, reason, null);
    }

    /** Writes one failover_log row here, with the lease term (null without a witness). */
    public FailoverLogEntry recordEvent(String host, String event, ServerState state, String previousPrimary,
                                        String reason, Long term) throws ServerActionException {
        return run("writing to " + failoverLog.name(), ACTION_LIMIT, c -> {
            failoverLog.createIfMissing(c);
            return failoverLog.insert(c, host, event, state.timeline(), state.lsn(), previousPrimary, reason, term);
        });
    }

    /**
     * Runs CHECKPOINT here. pg_rewind reads the source's timeline from its control file, which a freshly
     * promoted server updates only at its first checkpoint; without one pg_rewind sees "the same timeline".
     */
    public void checkpoint() throws ServerActionException {
        run("CHECKPOINT", ACTION_LIMIT, c -> {
            try (java.sql.Statement st = c.createStatement()) {
                st.execute("CHECKPOINT");
            }
            return null;
        });
    }

    /** The event keeper owes after a promotion, set before pg_promote and reset once recorded. */
    static final String PENDING_SETTING = "keeper.pending_event";
    /** The lease term this server's keeper holds or took. */
    static final String TERM_SETTING = "keeper.term";

    /** A step that may fail with a ServerActionException. */
    @FunctionalInterface
    interface Step<T> {
        T run() throws ServerActionException;
    }

    /** The setting that makes a standby wait between attempts to get WAL, and how keeper shortens it. */
    static final String RETRY_SETTING = "wal_retrieve_retry_interval";
    static final long PROMOTION_RETRY_MS = 100;

    /** wal_retrieve_retry_interval in ms, and whether it came from postgresql.auto.conf (ALTER SYSTEM). */
    record RetryInterval(long ms, boolean fromAutoConf) {
    }

    /**
     * Runs a promotion of this server with a short wal_retrieve_retry_interval. PostgreSQL 15 sleeps out the interval
     * (5 s by default) when a promotion comes while its WAL receiver keeps failing to reach the old primary: one
     * crash in three took 5 s more, and a switchover always did. The interval is put back as it was right after.
     */
    <T> T withShortRetryInterval(Step<T> promotion) throws ServerActionException {
        RetryInterval before = retryInterval();
        boolean lowered = before != null && before.ms() > PROMOTION_RETRY_MS;
        if (lowered) {
            alterSystem("shortening wal_retrieve_retry_interval for the promotion", RETRY_SETTING,
                    PROMOTION_RETRY_MS + "ms");
        }
        try {
            return promotion.run();
        } finally {
            if (lowered) {
                alterSystem("restoring wal_retrieve_retry_interval", RETRY_SETTING,
                        before.fromAutoConf() ? before.ms() + "ms" : null);
            }
        }
    }

    private RetryInterval retryInterval() {
        try {
            return run("reading " + RETRY_SETTING, ACTION_LIMIT, c -> {
                try (java.sql.Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(
                        "SELECT setting::bigint, coalesce(sourcefile LIKE '%postgresql.auto.conf', false)"
                                + " FROM pg_settings WHERE name = '" + RETRY_SETTING + "'")) {
                    return rs.next() ? new RetryInterval(rs.getLong(1), rs.getBoolean(2)) : null;
                }
            });
        } catch (ServerActionException e) {
            return null;
        }
    }

    /** ALTER SYSTEM, then a reload (see {@link ServerSettings#alter}). */
    void alterSystem(String what, String... settingsAndValues) throws ServerActionException {
        run(what, ACTION_LIMIT, c -> {
            ServerSettings.alter(c, settingsAndValues);
            return null;
        });
    }

    /**
     * Records on this server the event its keeper owes once it is promoted (keeper.pending_event), with the lease
     * term when there is one (keeper.term): a keeper that stops midway finishes the record at its next run.
     */
    public void announce(String event, long term) throws ServerActionException {
        if (term > 0) {
            alterSystem("announcing the " + event + " event", PENDING_SETTING, event, TERM_SETTING,
                    Long.toString(term));
        } else {
            alterSystem("announcing the " + event + " event", PENDING_SETTING, event);
        }
    }

    @Override
    public void promoteForSwitchover(String event, long term, Duration wait) throws ServerActionException {
        announce(event, term);
        Boolean promoted = withShortRetryInterval(() -> run("pg_promote", wait.plus(ACTION_LIMIT), c -> {
            try (java.sql.PreparedStatement st = c.prepareStatement("SELECT pg_promote(true, ?)")) {
                st.setInt(1, (int) Math.max(1, wait.toSeconds()));
                try (java.sql.ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getBoolean(1);
                }
            }
        }));
        if (!Boolean.TRUE.equals(promoted)) {
            throw new ServerActionException("pg_promote on " + session.conninfo().address() + " did not finish within "
                    + wait.toSeconds() + " s", null, null);
        }
    }

    @Override
    public void forgetSwitchover() throws ServerActionException {
        alterSystem("forgetting the switchover request", "keeper.switchover", null);
    }

    <T> T run(String what, Duration limit, PgSession.SqlWork<T> work) throws ServerActionException {
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

    static String firstLine(String s) {
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
