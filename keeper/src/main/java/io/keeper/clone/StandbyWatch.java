package io.keeper.clone;

import io.keeper.config.Secrets;
import io.keeper.heartbeat.PgSession;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/** Watches the freshly started standby until its WAL receiver streams, then measures its lag on the primary. */
final class StandbyWatch {

    /** The standby streams; {@code lagBytes} is how far its replay is behind the primary's current WAL position. */
    record Streaming(String replayLsn, long lagBytes) {
    }

    /** It did not stream in time; the message is the last thing seen. */
    static final class NotStreaming extends Exception {
        NotStreaming(String lastSeen) {
            super(lastSeen);
        }
    }

    private StandbyWatch() {
    }

    static Streaming awaitStreaming(PgSession standby, PgSession primary, Duration timeout, Duration poll)
            throws NotStreaming, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() - deadline < 0) {
            try {
                String[] state = standby.call(StandbyWatch::receiverState);
                last = "pg_stat_wal_receiver status " + (state[0] == null ? "(no WAL receiver)" : state[0]);
                if ("streaming".equals(state[0])) {
                    return new Streaming(state[1], primary.call(c -> PrimaryServer.lagBehind(c, state[1])));
                }
            } catch (SQLException | TimeoutException e) {
                last = standby.conninfo().address() + " (my_conninfo): " + Secrets.mask(e.getMessage());
            }
            Thread.sleep(poll.toMillis());
        }
        throw new NotStreaming(last);
    }

    private static String[] receiverState(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT (SELECT status FROM pg_stat_wal_receiver), pg_last_wal_replay_lsn()::text")) {
            rs.next();
            return new String[] {rs.getString(1), rs.getString(2)};
        }
    }
}
