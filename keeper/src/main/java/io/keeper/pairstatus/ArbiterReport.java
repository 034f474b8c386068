package io.keeper.pairstatus;

import io.keeper.config.KeeperConfig;
import io.keeper.lease.Arbiters;
import io.keeper.lease.Lease;
import io.keeper.lease.LeaseException;
import io.keeper.lease.LeaseView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What `keeper status` shows of the arbiter: where the lease lives, how each etcd endpoint answered, and the pair's
 * lease (holder, term, time to expiry by the arbiter's clock). Never a password.
 *
 * @param arbiter "witness host:port" or "etcd URL,... (prefix /keeper)"
 * @param endpoints each etcd endpoint and how it answered ("ok (etcd 3.4.23, leader)", "unreachable: ..."); empty
 *                  for a witness
 * @param lease the lease in words ("held by node1, term 57, expires in 2400 ms"), "" when it could not be read
 * @param holder the holder's node_name, "" when nobody holds it or it could not be read
 * @param term the lease's term (the fencing token), 0 when unknown
 * @param expiresInMs time to expiry when it was read, 0 when expired, null when unknown
 * @param error why the lease could not be read, "" when it was
 */
public record ArbiterReport(String arbiter, Map<String, String> endpoints, String lease, String holder, long term,
                            Long expiresInMs, String error) {

    /** Reads the lease of the pair whose servers answered as {@code nodes}: a deadline for the endpoints, one for it. */
    public static ArbiterReport inspect(KeeperConfig config, List<NodeReport> nodes, Duration deadline) {
        Optional<Long> cluster = nodes.stream().filter(NodeReport::reachable)
                .map(n -> n.state().systemIdentifier()).findFirst();
        try (Lease lease = Arbiters.open(config, System.getenv(), deadline, "status-arbiter")) {
            Map<String, String> endpoints = lease.endpointHealth(deadline);
            if (cluster.isEmpty()) {
                return new ArbiterReport(lease.describe(), endpoints, "", "", 0, null,
                        "no server of the pair answered, so its system identifier (the lease's key) is unknown");
            }
            LeaseView view = lease.read(cluster.get());
            return new ArbiterReport(lease.describe(), endpoints, view.describe(), view.holder(), view.term(),
                    view.expired() ? 0L : view.remaining().toMillis(), "");
        } catch (LeaseException e) {
            return new ArbiterReport(config.arbiterDescription(), Map.of(), "", "", 0, null, e.getMessage());
        }
    }

    /** What an operator should hear about: the lease unreadable, an etcd member that does not answer. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (!error.isEmpty()) {
            problems.add("the arbiter cannot be asked: " + error);
        }
        endpoints.forEach((endpoint, health) -> {
            if (!health.startsWith("ok")) {
                problems.add("etcd endpoint " + endpoint + ": " + health);
            }
        });
        return problems;
    }

    /** A copy of {@code report} with these problems added; a healthy pair becomes degraded when there are any. */
    public PairReport addTo(PairReport report) {
        List<String> more = problems();
        if (more.isEmpty()) {
            return report;
        }
        List<String> all = new ArrayList<>(report.problems());
        all.addAll(more);
        PairReport.Health health = report.health() == PairReport.Health.HEALTHY ? PairReport.Health.DEGRADED
                : report.health();
        return new PairReport(report.lines(), report.latest(), health, all);
    }
}
