package io.keeper.pairstatus;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ServerState;
import io.keeper.pause.Pause;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The pair at one moment, as `keeper status` shows it: one line per node, the latest failover_log row, and whether
 * the pair is healthy (exit 0), degraded (1) or unreachable (2), with every problem in words.
 */
public record PairReport(List<Line> lines, FailoverLogEntry latest, Health health, List<String> problems) {

    /** The exit code says the health. */
    public enum Health {
        HEALTHY(0), DEGRADED(1), UNREACHABLE(2);

        private final int exitCode;

        Health(int exitCode) {
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /**
     * One node, ready to print.
     *
     * @param name node_name (or address)
     * @param address host:port
     * @param role primary, standby, or unknown
     * @param state streaming, not streaming, running, fenced, unreachable, refused (with ", paused" when paused)
     * @param timeline the server's timeline, -1 when unknown
     * @param lsn its WAL position, "" when unknown
     * @param lagBytes on a standby: how far behind the primary's current position, null when unknown
     * @param lagSeconds on a standby: the primary's replay_lag for it, null when unknown
     * @param keeper "runs, rule primary-watching (0.4 s ago)", "not running" or "stalled ..."
     * @param keeperRule the rule keeper last decided by, "" when it does not run
     */
    public record Line(String name, String address, String role, String state, int timeline, String lsn,
                       Long lagBytes, Double lagSeconds, String keeper, String keeperRule) {
    }

    /**
     * Judges the pair from what both servers answered.
     *
     * @param keeperStaleAfter a keeper session idle longer than this counts as stalled (three keepalive_times)
     */
    public static PairReport assess(List<NodeReport> nodes, Duration keeperStaleAfter, Instant now) {
        List<String> problems = new ArrayList<>();
        NodeReport primary = nodes.stream().filter(NodeReport::isPrimary).filter(n -> !n.state().isFenced())
                .findFirst().orElse(null);
        List<Line> lines = new ArrayList<>();
        boolean paused = false;
        for (NodeReport n : nodes) {
            ServerState s = n.state();
            if (s == null) {
                problems.add(n.name() + " " + n.probe().outcome().name().toLowerCase() + ": " + n.probe().reason());
                lines.add(new Line(n.name(), n.address(), "unknown", n.probe().outcome().name().toLowerCase(), -1, "",
                        null, null, "unknown", ""));
                continue;
            }
            String state;
            if (s.isFenced()) {
                state = "fenced";
                problems.add(n.name() + " is fenced: " + s.fenced());
            } else if (s.inRecovery()) {
                state = s.walReceiverAgeMs() != null ? "streaming" : "not streaming";
                if (s.walReceiverAgeMs() == null) {
                    problems.add(n.name() + " is a standby that does not stream");
                }
            } else {
                state = "running";
            }
            String pause = Pause.parse(s.paused()).filter(p -> p.holdsAt(now)).map(p -> p.describe(now)).orElse("");
            if (!pause.isEmpty()) {
                state += ", paused";
                if (!paused) {
                    problems.add("failover is paused: " + pause);
                    paused = true;
                }
            }
            Long lagBytes = null;
            Double lagSeconds = null;
            if (s.inRecovery() && primary != null && s.lsnBytes() >= 0) {
                lagBytes = Math.max(0, primary.state().lsnBytes() - s.lsnBytes());
                lagSeconds = primary.replayLagSeconds();
            }
            String keeper;
            String rule = "";
            if (n.keeperActivity() == null) {
                keeper = "not running";
                problems.add(n.name() + "'s keeper is not running (no keeper session of " + n.name() + " on its"
                        + " server)");
            } else {
                rule = n.keeperActivity().startsWith(NodeReport.activityPrefix(s.nodeName()))
                        ? n.keeperActivity().substring(NodeReport.activityPrefix(s.nodeName()).length())
                        : n.keeperActivity();
                double idle = n.keeperIdleSeconds() == null ? 0 : n.keeperIdleSeconds();
                if (idle * 1000 > keeperStaleAfter.toMillis()) {
                    keeper = String.format("stalled: last run %.1f s ago (rule %s)", idle, rule);
                    problems.add(n.name() + "'s keeper has not run for " + String.format("%.1f", idle) + " s");
                } else {
                    keeper = String.format("runs: %s (%.1f s ago)", rule, idle);
                }
            }
            lines.add(new Line(n.name(), n.address(), s.role(), state, s.timeline(), s.lsn(), lagBytes, lagSeconds,
                    keeper, rule));
        }
        long primaries = nodes.stream().filter(NodeReport::isPrimary).filter(n -> !n.state().isFenced()).count();
        if (primaries == 0 && nodes.stream().anyMatch(NodeReport::reachable)) {
            problems.add("no server accepts writes as the primary");
        } else if (primaries > 1) {
            problems.add("both servers are primaries (split brain): see keeper primary");
        }
        boolean standbyStreams = nodes.stream().anyMatch(n -> n.isStandby() && !n.state().isFenced()
                && n.state().walReceiverAgeMs() != null);
        if (primaries == 1 && !standbyStreams && nodes.stream().noneMatch(NodeReport::isStandby)
                && nodes.stream().allMatch(NodeReport::reachable)) {
            problems.add("no standby");
        }
        FailoverLogEntry latest = nodes.stream().map(NodeReport::latest).filter(Objects::nonNull)
                .max(Comparator.comparingLong(FailoverLogEntry::unixtime)).orElse(null);
        Health health = nodes.stream().noneMatch(NodeReport::reachable) ? Health.UNREACHABLE
                : problems.isEmpty() ? Health.HEALTHY : Health.DEGRADED;
        return new PairReport(lines, latest, health, problems);
    }
}
