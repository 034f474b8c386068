package io.keeper.pairstatus;

import io.keeper.config.KeeperConfig;
import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.heartbeat.Conninfo;
import io.keeper.heartbeat.JdbcServerProbe;
import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ProbeResult;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

/** Looks at both servers of the pair at once, each within one deadline, for `keeper status`. */
public final class PairInspector {

    /** Each server gets this long, in total, for the probe and the extra reads. */
    public static final Duration DEADLINE = Duration.ofSeconds(5);

    /** keeper's own session on the server (its application_name) and, on a primary, its standbys' replay lag. */
    static final String ACTIVITY_QUERY = "SELECT a.application_name,"
            + " extract(epoch FROM clock_timestamp() - coalesce(a.state_change, a.backend_start))::float8,"
            + " (SELECT max(extract(epoch FROM coalesce(replay_lag, interval '0')))::float8 FROM pg_stat_replication"
            + "    WHERE state = 'streaming')"
            + " FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT application_name, state_change, backend_start"
            + "   FROM pg_stat_activity WHERE starts_with(application_name, ?)"
            + "   ORDER BY coalesce(state_change, backend_start) DESC LIMIT 1) a ON true";

    private PairInspector() {
    }

    /** This node's server first, then the partner's. */
    public static List<NodeReport> inspect(KeeperConfig config) throws InterruptedException {
        FailoverLogTable table = new FailoverLogTable(config.failoverLogTable());
        return onBoth(config, "status", (which, conninfo) -> inspect(conninfo, table));
    }

    /**
     * Runs {@code work} on both servers at once, so that one that does not answer costs no more time than the
     * other: the result for this node's server ("this node's server") first, then the partner's.
     */
    public static <T> List<T> onBoth(KeeperConfig config, String threadName, BiFunction<String, Conninfo, T> work)
            throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        try {
            Future<T> mine = pool.submit(() -> work.apply("this node's server", config.myConninfo()));
            Future<T> other = pool.submit(() -> work.apply("the partner's server", config.partnerConninfo()));
            return List.of(mine.get(), other.get());
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static NodeReport inspect(Conninfo conninfo, FailoverLogTable table) {
        long start = System.nanoTime();
        try (PgSession session = new PgSession(conninfo, System.getenv(), DEADLINE, "status-" + conninfo.address())) {
            ProbeResult probe = new JdbcServerProbe(session).probe();
            if (!probe.answered()) {
                return new NodeReport(conninfo.address(), conninfo.address(), probe, null, null, null, null);
            }
            String name = probe.state().nodeName().isEmpty() ? conninfo.address() : probe.state().nodeName();
            Duration left = DEADLINE.minusNanos(System.nanoTime() - start);
            try {
                return session.call(c -> {
                    String activity = null;
                    Double idle = null;
                    Double lag = null;
                    try (PreparedStatement ps = c.prepareStatement(ACTIVITY_QUERY)) {
                        ps.setString(1, NodeReport.activityPrefix(name));
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            activity = rs.getString(1);
                            idle = activity == null ? null : rs.getDouble(2);
                            double l = rs.getDouble(3);
                            lag = rs.wasNull() ? null : l;
                        }
                    }
                    List<FailoverLogEntry> rows = table.exists(c) ? table.readAll(c) : List.of();
                    return new NodeReport(name, conninfo.address(), probe, activity, idle, lag,
                            rows.isEmpty() ? null : rows.get(0));
                }, left.isNegative() ? Duration.ofMillis(100) : left);
            } catch (SQLException | TimeoutException e) {
                // The probe answered: report what it saw, without keeper's activity and the log row.
                return new NodeReport(name, conninfo.address(), probe, null, null, null, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
