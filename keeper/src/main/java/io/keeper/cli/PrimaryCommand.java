package io.keeper.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.keeper.config.KeeperConfig;
import io.keeper.election.NodeView;
import io.keeper.election.PrimaryElection;
import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.heartbeat.Conninfo;
import io.keeper.heartbeat.JdbcServerProbe;
import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import io.keeper.lease.Arbiters;
import io.keeper.lease.Lease;
import io.keeper.lease.LeaseException;
import io.keeper.lease.LeaseView;
import java.io.PrintWriter;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** keeper primary: names the rightful primary of the pair, from any host that can reach both servers. */
@Command(name = "primary", mixinStandardHelpOptions = true,
        description = "Print the node_name of the rightful primary (exit 1 when no node qualifies).")
final class PrimaryCommand implements Callable<Integer> {

    /** Each server gets this long, in total, to answer the probe and the failover_log read. */
    static final Duration DEADLINE = Duration.ofSeconds(5);

    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "Print JSON: the rightful primary (or null) and what each node answered.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * What one server answered.
     *
     * @param name its published node_name, else the stand-in the caller chose
     * @param address host:port, never the password
     * @param probe the probe's result
     * @param latest its newest failover_log row, or null when there is none or it could not be read
     */
    record Look(String name, String address, ProbeResult probe, FailoverLogEntry latest) {

        static Look of(String fallbackName, String address, ProbeResult probe, FailoverLogEntry latest) {
            String published = probe.answered() ? probe.state().nodeName() : "";
            return new Look(published.isEmpty() ? fallbackName : published, address, probe, latest);
        }

        NodeView view() {
            ServerState s = probe.state();
            boolean answered = probe.answered();
            return new NodeView(name, address, answered, answered && !s.inRecovery(), answered && s.isFenced(),
                    answered ? s.timeline() : -1, latest == null ? null : latest.unixtime(),
                    latest == null ? null : latest.host(), answered ? null : probe.reason());
        }

        /** Why this node is not the rightful primary, in a few words: "unreachable (...)", "standby". */
        String whyNotPrimary() {
            if (!probe.answered()) {
                return probe.outcome().name().toLowerCase() + " (" + probe.reason() + ")";
            }
            if (probe.state().isFenced()) {
                return "fenced (" + probe.state().fenced() + ")";
            }
            return probe.state().role();
        }
    }

    @Override
    public Integer call() throws Exception {
        KeeperConfig loaded = config.load();
        List<Look> looks = lookAtBoth(loaded);
        Optional<LeaseView> lease = readLease(loaded, looks);
        Optional<NodeView> primary = rightful(looks, lease);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = document(primary.map(NodeView::name).orElse(null), looks);
            doc.put("lease", lease.map(LeaseView::describe).orElse(null));
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
        } else {
            primary.ifPresent(p -> out.println(p.name()));
        }
        out.flush();
        if (primary.isEmpty()) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(noPrimaryReason(looks) + lease.filter(l -> !l.holder().isEmpty())
                    .map(l -> "; the lease is " + l.describe()).orElse(""));
            err.flush();
            return KeeperCommand.RUNTIME_FAILURE;
        }
        return 0;
    }

    /**
     * With a witness whose lease names a holder, only the holder can be the rightful primary (a primary that lost
     * the lease is about to demote itself); otherwise the election decides, as without a witness.
     */
    static Optional<NodeView> rightful(List<Look> looks, Optional<LeaseView> lease) {
        Optional<String> holder = lease.map(LeaseView::holder).filter(h -> !h.isEmpty());
        if (holder.isPresent()) {
            return looks.stream().map(Look::view).filter(v -> v.name().equals(holder.get()) && v.isCandidate())
                    .findFirst();
        }
        return PrimaryElection.rightfulPrimary(looks.get(0).view(), looks.get(1).view());
    }

    /** The witness's lease for this pair, when a witness is configured and answers. */
    private static Optional<LeaseView> readLease(KeeperConfig loaded, List<Look> looks) {
        Optional<Long> cluster = looks.stream().filter(l -> l.probe().answered())
                .map(l -> l.probe().state().systemIdentifier()).findFirst();
        if (!loaded.hasArbiter() || cluster.isEmpty()) {
            return Optional.empty();
        }
        try (Lease arbiter = Arbiters.open(loaded, System.getenv(), DEADLINE, "primary-witness")) {
            LeaseView view = arbiter.read(cluster.get());
            return view == LeaseView.NONE ? Optional.empty() : Optional.of(view);
        } catch (LeaseException e) {
            return Optional.empty();
        }
    }

    /** Probes both servers at once, so the answer takes at most one DEADLINE. */
    private static List<Look> lookAtBoth(KeeperConfig loaded) throws InterruptedException, ExecutionException {
        FailoverLogTable table = new FailoverLogTable(loaded.failoverLogTable());
        ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "primary-probe");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<Look> mine = pool.submit(() -> look(loaded.nodeName(), loaded.myConninfo(), table));
            Conninfo partner = loaded.partnerConninfo();
            Future<Look> other = pool.submit(() -> look(partner.address(), partner, table));
            return List.of(mine.get(), other.get());
        } finally {
            pool.shutdownNow();
        }
    }

    private static Look look(String fallbackName, Conninfo conninfo, FailoverLogTable table) {
        long start = System.nanoTime();
        try (PgSession session = new PgSession(conninfo, System.getenv(), DEADLINE, "primary-" + conninfo.address())) {
            ProbeResult probe = new JdbcServerProbe(session).probe();
            FailoverLogEntry latest = probe.answered()
                    ? latestRow(session, table, DEADLINE.minusNanos(System.nanoTime() - start)) : null;
            return Look.of(fallbackName, conninfo.address(), probe, latest);
        }
    }

    /** The newest failover_log row; null when there is none, and also when it cannot be read in time. */
    private static FailoverLogEntry latestRow(PgSession session, FailoverLogTable table, Duration left) {
        if (left.toMillis() < 100) {
            return null;
        }
        try {
            List<FailoverLogEntry> rows = session.call(c -> table.exists(c) ? table.readAll(c) : List.of(), left);
            return rows.isEmpty() ? null : rows.get(0);
        } catch (SQLException | TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** One line for stderr: "keeper: no rightful primary: node1 unreachable (...), node2 standby". */
    static String noPrimaryReason(List<Look> looks) {
        return "keeper: no rightful primary: "
                + looks.stream().map(l -> l.name() + " " + l.whyNotPrimary()).collect(Collectors.joining(", "));
    }

    /** The --json document: {"primary": name or null, "nodes": [...]}. */
    static Map<String, Object> document(String primary, List<Look> looks) {
        List<Map<String, Object>> nodes = new ArrayList<>();
        for (Look l : looks) {
            ServerState s = l.probe().answered() ? l.probe().state() : null;
            Map<String, Object> node = new LinkedHashMap<>();
            node.put("name", l.name());
            node.put("address", l.address());
            node.put("reachable", s != null);
            node.put("role", s == null ? "unknown" : s.role());
            node.put("timeline", s == null ? null : s.timeline());
            node.put("fenced", s == null ? null : s.fenced());
            node.put("latestFailover", l.latest() == null ? null : latestFailover(l.latest()));
            node.put("error", s == null ? l.probe().describe() : null);
            nodes.add(node);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("primary", primary);
        doc.put("nodes", nodes);
        return doc;
    }

    private static Map<String, Object> latestFailover(FailoverLogEntry e) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("unixtime", e.unixtime());
        row.put("host", e.host());
        row.put("event", e.event());
        return row;
    }
}
