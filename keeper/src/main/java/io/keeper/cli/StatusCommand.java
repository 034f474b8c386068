package io.keeper.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.keeper.config.KeeperConfig;
import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.pairstatus.ArbiterReport;
import io.keeper.pairstatus.NodeReport;
import io.keeper.pairstatus.PairInspector;
import io.keeper.pairstatus.PairReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** keeper status: one line per node, the latest failover_log row, and the pair's health as the exit code. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the pair: one line per node (role, state, timeline, LSN, lag, whether its keeper runs"
                + " and its last rule), then the latest failover_log row and the pair's health.",
                "Exit 0: healthy (a primary, a streaming standby, both keepers running, no pause); 1: degraded"
                        + " (each problem is listed); 2: no server answered."})
final class StatusCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--watch", description = "Show the pair again every keepalive_time until interrupted.")
    boolean watch;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        KeeperConfig loaded = config.load();
        PrintWriter out = spec.commandLine().getOut();
        Duration staleAfter = loaded.keepaliveTime().multipliedBy(3).plusSeconds(1);
        while (true) {
            Instant now = Instant.now();
            List<NodeReport> nodes = PairInspector.inspect(loaded);
            PairReport report = PairReport.assess(nodes, staleAfter, now);
            ArbiterReport arbiter = loaded.hasArbiter()
                    ? ArbiterReport.inspect(loaded, nodes, PairInspector.DEADLINE) : null;
            if (arbiter != null) {
                report = arbiter.addTo(report);
            }
            if (json) {
                out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                        .writeValueAsString(document(report, arbiter)));
            } else {
                if (watch) {
                    out.println("--- " + now.toString().replace('T', ' ').substring(0, 19) + " UTC");
                }
                print(out, report, arbiter);
            }
            out.flush();
            if (!watch) {
                return report.health().exitCode();
            }
            Thread.sleep(Math.max(1000, loaded.keepaliveTime().toMillis()));
        }
    }

    static void print(PrintWriter out, PairReport report, ArbiterReport arbiter) {
        String format = "%-12s %-22s %-8s %-20s %3s %-14s %-18s %s%n";
        out.printf(format, "node", "address", "role", "state", "tl", "lsn", "lag", "keeper");
        for (PairReport.Line l : report.lines()) {
            out.printf(format, l.name(), l.address(), l.role(), l.state(), l.timeline() < 0 ? "" : l.timeline(),
                    l.lsn(), lag(l), l.keeper());
        }
        if (arbiter != null) {
            out.println("arbiter: " + arbiter.arbiter() + ": "
                    + (arbiter.error().isEmpty() ? "lease " + arbiter.lease() : "cannot be asked: " + arbiter.error()));
            arbiter.endpoints().forEach((endpoint, health) -> out.println("  " + endpoint + " " + health));
        }
        out.println("latest failover_log row: " + (report.latest() == null ? "none" : row(report.latest())));
        out.println("pair: " + report.health().name().toLowerCase()
                + (report.problems().isEmpty() ? "" : ": " + String.join("; ", report.problems())));
    }

    private static String lag(PairReport.Line l) {
        if (l.lagBytes() == null) {
            return "";
        }
        return l.lagBytes() + " B" + (l.lagSeconds() == null ? "" : String.format(", %.1f s", l.lagSeconds()));
    }

    static String row(FailoverLogEntry e) {
        return Instant.ofEpochSecond(e.unixtime()).toString().replace('T', ' ').replace("Z", " UTC") + " " + e.host()
                + " " + e.event() + (e.timeline() == null ? "" : ", timeline " + e.timeline())
                + (e.term() == null ? "" : ", term " + e.term()) + (e.reason() == null ? "" : ": " + e.reason());
    }

    static Map<String, Object> document(PairReport report, ArbiterReport arbiter) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("health", report.health().name().toLowerCase());
        doc.put("problems", report.problems());
        doc.put("nodes", report.lines());
        if (arbiter != null) {
            doc.put("arbiter", arbiter);
        }
        doc.put("latestFailover", report.latest());
        return doc;
    }
}
