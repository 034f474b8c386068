package io.keeper.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.keeper.config.KeeperConfig;
import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.heartbeat.Conninfo;
import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ProbeClassifier;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** keeper log: the failover_log rows of both nodes merged, newest first, with unreachable nodes marked. */
@Command(name = "log", mixinStandardHelpOptions = true,
        description = "Show the failover_log rows of both nodes, merged, newest first.")
final class LogCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One merged row and the nodes it was found on. */
    record MergedRow(FailoverLogEntry entry, List<String> foundOn) {
    }

    /** What one node answered. */
    record NodeReport(String node, String address, boolean reachable, String error, int rows) {
    }

    @Override
    public Integer call() throws Exception {
        KeeperConfig loaded = config.load();
        FailoverLogTable table = new FailoverLogTable(loaded.failoverLogTable());
        Map<FailoverLogEntry, List<String>> merged = new LinkedHashMap<>();
        List<NodeReport> reports = new ArrayList<>();
        read("this node (" + loaded.nodeName() + ")", loaded.myConninfo(), table, merged, reports);
        read("partner", loaded.partnerConninfo(), table, merged, reports);
        List<MergedRow> rows = new ArrayList<>();
        merged.forEach((entry, nodes) -> rows.add(new MergedRow(entry, nodes)));
        rows.sort(Comparator.comparingLong((MergedRow r) -> r.entry().unixtime()).reversed());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("nodes", reports);
            doc.put("rows", rows);
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(doc));
        } else {
            printText(out, reports, rows);
        }
        out.flush();
        return reports.stream().anyMatch(NodeReport::reachable) ? 0 : KeeperCommand.RUNTIME_FAILURE;
    }

    private static void read(String label, Conninfo conninfo, FailoverLogTable table,
                             Map<FailoverLogEntry, List<String>> merged, List<NodeReport> reports) {
        try (PgSession session = new PgSession(conninfo, System.getenv(), Duration.ofSeconds(5), "log")) {
            List<FailoverLogEntry> entries = session.call(c -> table.exists(c) ? table.readAll(c) : List.of());
            for (FailoverLogEntry e : entries) {
                merged.computeIfAbsent(e, k -> new ArrayList<>()).add(conninfo.address());
            }
            reports.add(new NodeReport(label, conninfo.address(), true, null, entries.size()));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            reports.add(new NodeReport(label, conninfo.address(), false, ProbeClassifier.describe(e), 0));
        }
    }

    private static void printText(PrintWriter out, List<NodeReport> reports, List<MergedRow> rows) {
        for (NodeReport r : reports) {
            out.println(r.node() + " " + r.address() + ": "
                    + (r.reachable() ? r.rows() + " row(s)" : "UNREACHABLE (" + r.error() + ")"));
        }
        out.println();
        out.printf("%-20s  %-10s  %-12s  %-10s  %-8s  %-14s  %-22s  %s%n", "time (UTC)", "unixtime", "host",
                "event", "timeline", "lsn", "found on", "reason");
        for (MergedRow row : rows) {
            FailoverLogEntry e = row.entry();
            out.printf("%-20s  %-10d  %-12s  %-10s  %-8s  %-14s  %-22s  %s%n",
                    Instant.ofEpochSecond(e.unixtime()).toString().replace('T', ' ').replace("Z", ""), e.unixtime(),
                    e.host(), e.event(), e.timeline() == null ? "" : e.timeline(), e.lsn() == null ? "" : e.lsn(),
                    String.join(",", row.foundOn()), e.reason() == null ? "" : e.reason());
        }
        if (rows.isEmpty()) {
            out.println("(no rows)");
        }
    }
}
