package io.keeper.heartbeat;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/** Probes a server over a reused connection: role, timeline, WAL position, and the settings keeper acts on. */
public final class JdbcServerProbe implements ServerProbe, AutoCloseable {

    private final PgSession session;

    public JdbcServerProbe(PgSession session) {
        this.session = session;
    }

    public PgSession session() {
        return session;
    }

    @Override
    public ProbeResult probe() {
        long start = System.nanoTime();
        try {
            ServerState state = session.callIdempotent(JdbcServerProbe::read);
            return ProbeResult.answered(state, since(start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ProbeResult(ProbeOutcome.UNREACHABLE, null, "interrupted", null, since(start));
        } catch (SQLException | TimeoutException e) {
            return new ProbeResult(ProbeClassifier.classify(e), null, ProbeClassifier.describe(e),
                    ProbeClassifier.sqlState(e), since(start));
        }
    }

    @Override
    public long lastAnswerNanos() {
        return session.lastAnswerNanos();
    }

    static ServerState read(java.sql.Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(ServerState.QUERY)) {
            rs.next();
            long age = rs.getLong(10);
            Long walReceiverAgeMs = rs.wasNull() ? null : age;
            int tli = rs.getInt(16);
            Integer receivedTimeline = rs.wasNull() ? null : tli;
            return new ServerState(rs.getBoolean(1), rs.getInt(2), rs.getString(3), rs.getLong(4),
                    rs.getString(5), rs.getString(6), rs.getInt(7), rs.getString(8), rs.getString(9),
                    walReceiverAgeMs, rs.getBoolean(11), rs.getString(12), rs.getLong(13), rs.getString(14),
                    rs.getString(15), receivedTimeline, rs.getString(17));
        }
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Override
    public void close() {
        session.close();
    }
}
