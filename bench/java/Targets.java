import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The report's summary: keeper's medians against the targets of the benchmark issue, and each peer's
 * median as a multiple of keeper's (each from its own part: see the parts table). Part of {@link Report}.
 */
final class Targets {
    private static final double RSS_LIMIT_MIB = 96;
    /** The tools whose crash is checked against the detection window: keeper alone, then with each arbiter. */
    static final List<String> WINDOW_TOOLS = Stream.concat(Stream.of("keeper"),
            SplitBrainTable.ARBITERS.stream().map(SplitBrainTable.Arbiter::tool)).toList();

    private final List<Report.Run> runs;
    private final List<String> tools;
    private final Function<String, Path> file;
    private final ToolNames names;

    /** {@code file} finds a result file by name in the parts ({@code window-keeper.txt}...), or gives null. */
    Targets(List<Report.Run> runs, List<String> tools, Function<String, Path> file, ToolNames names) {
        this.runs = runs;
        this.tools = tools;
        this.file = file;
        this.names = names;
    }

    void append(StringBuilder md) throws IOException {
        if (tools.stream().noneMatch(WINDOW_TOOLS::contains)) {
            return;
        }
        md.append("## Summary: keeper against its targets\n\n| target | measured | met |\n| --- | --- | --- |\n");
        for (String tool : WINDOW_TOOLS) {
            windowTarget(md, tool);
        }
        peerTarget(md);
        falseFailovers(md);
        syncLosses(md);
        SplitBrainTable.ARBITERS.forEach(a -> twoWriters(md, a));
        rss(md);
        md.append("\n");
        ratios(md);
    }

    /** The label of a tool's crash target: "crash", "crash with a witness", "crash with etcd". */
    static String windowLabel(String tool) {
        return SplitBrainTable.ARBITERS.stream().filter(a -> a.tool().equals(tool)).findFirst()
                .map(a -> "crash with " + a.with()).orElse("crash");
    }

    private void windowTarget(StringBuilder md, String tool) throws IOException {
        Path w = file.apply("window-" + tool + ".txt");
        if (w == null) {
            return;
        }
        String label = windowLabel(tool);
        double limit = Double.parseDouble(Files.readString(w).strip()) / 1000 + 1;
        for (String repl : List.of("async", "sync")) {
            OptionalDouble m = median(tool, "crash", repl);
            if (m.isPresent()) {
                row(md, label + ", " + repl + ": median time to writable ≤ detection window + 1 s (" + Report.fmt(limit)
                        + " s)", Report.fmt(m.getAsDouble()) + " s", m.getAsDouble() <= limit);
            }
        }
    }

    private void peerTarget(StringBuilder md) {
        for (String repl : List.of("async", "sync")) {
            OptionalDouble k = median("keeper", "crash", repl);
            if (k.isEmpty()) {
                continue;
            }
            String best = null;
            double bestMedian = Double.MAX_VALUE;
            for (String peer : peers()) {
                OptionalDouble p = median(peer, "crash", repl);
                if (p.isPresent() && p.getAsDouble() < bestMedian) {
                    best = peer;
                    bestMedian = p.getAsDouble();
                }
            }
            if (best != null) {
                row(md, "crash, " + repl + ": no slower than any peer", "keeper " + Report.fmt(k.getAsDouble())
                        + " s; fastest peer " + names.of(best) + " " + Report.fmt(bestMedian) + " s", k.getAsDouble() <= bestMedian);
            }
        }
    }

    private void falseFailovers(StringBuilder md) {
        for (Report.Run r : runs) {
            if (r.ok() && r.get("tool").equals("keeper") && r.get("scenario").equals("freeze")) {
                int n = Integer.parseInt(r.get("false_failovers"));
                row(md, "zero false failovers", n + " in " + r.get("note").replaceAll(";.*", ""), n == 0);
            }
        }
    }

    private void syncLosses(StringBuilder md) {
        List<Report.Run> sync = runs.stream().filter(r -> r.ok() && r.get("tool").equals("keeper")
                && r.get("replication").equals("sync") && !r.get("missing_acks").isEmpty()).toList();
        if (sync.isEmpty()) {
            return;
        }
        long lost = sync.stream().mapToLong(r -> Long.parseLong(r.get("missing_acks"))).sum();
        row(md, "zero lost acknowledged commits with synchronous replication", lost + " over " + sync.size()
                + " crash and pgkill runs", lost == 0);
    }

    /** A split-brain part: no write taken by two servers at once, in any run. */
    private void twoWriters(StringBuilder md, SplitBrainTable.Arbiter arbiter) {
        List<Report.Run> sb = runs.stream().filter(r -> r.ok() && r.get("tool").equals(arbiter.tool())
                && !r.get("two_writers_acks").isEmpty()).toList();
        if (sb.isEmpty()) {
            return;
        }
        long writes = sb.stream().mapToLong(r -> Long.parseLong(r.get("two_writers_acks"))).sum();
        row(md, "with " + arbiter.with() + ": no write accepted by two servers at once", writes + " in " + sb.size()
                + " split-brain runs", writes == 0);
    }

    private void rss(StringBuilder md) throws IOException {
        Path summary = file.apply("footprint-summary.csv");
        if (summary == null) {
            return;
        }
        List<String> lines = Files.readAllLines(summary);
        double max = lines.subList(1, lines.size()).stream()
                .mapToDouble(l -> Double.parseDouble(l.split(",")[3]) / 1024).max().orElse(Double.NaN);
        row(md, "resident memory < " + Report.fmt(RSS_LIMIT_MIB) + " MiB", "at most " + Report.fmt(max) + " MiB",
                max < RSS_LIMIT_MIB);
    }

    /** Each peer's median recovery as a multiple of keeper's, per scenario and replication. */
    private void ratios(StringBuilder md) {
        List<String> peers = peers();
        if (peers.isEmpty() || runs.stream().noneMatch(r -> r.ok() && r.get("tool").equals("keeper")
                && !r.get("recovery_ms").isEmpty())) {
            return; // no column to divide by
        }
        md.append("Median recovery of each peer, and as a multiple of keeper's median (above 1: slower than keeper);"
                + " each tool's figures come from its own part:\n\n| scenario | replication | keeper (s) |");
        peers.forEach(p -> md.append(" ").append(names.of(p)).append(" |"));
        md.append("\n| --- | --- | --- |");
        peers.forEach(p -> md.append(" --- |"));
        md.append("\n");
        for (String scenario : List.of("crash", "pgkill")) {
            for (String repl : List.of("async", "sync")) {
                OptionalDouble k = median("keeper", scenario, repl);
                if (k.isEmpty()) {
                    continue;
                }
                md.append("| ").append(scenario).append(" | ").append(repl).append(" | ")
                        .append(Report.fmt(k.getAsDouble())).append(" |");
                for (String p : peers) {
                    OptionalDouble m = median(p, scenario, repl);
                    md.append(" ").append(m.isEmpty() ? "–" : Report.fmt(m.getAsDouble()) + " s ("
                            + Report.fmt(m.getAsDouble() / k.getAsDouble()) + "×)").append(" |");
                }
                md.append("\n");
            }
        }
        md.append("\n");
    }

    /** The other failover tools (keeper with a witness is keeper, not a peer). */
    private List<String> peers() {
        List<String> peers = new ArrayList<>(tools);
        peers.removeIf(t -> t.startsWith("keeper"));
        return peers;
    }

    /** Median recovery in seconds of the measured runs of one group. */
    private OptionalDouble median(String tool, String scenario, String repl) {
        double[] v = runs.stream().filter(r -> r.ok() && r.get("tool").equals(tool) && r.get("scenario").equals(scenario)
                && r.get("replication").equals(repl) && !r.get("recovery_ms").isEmpty())
                .mapToDouble(r -> Double.parseDouble(r.get("recovery_ms")) / 1000).sorted().toArray();
        if (v.length == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2);
    }

    static void row(StringBuilder md, String target, String measured, boolean met) {
        md.append("| ").append(target).append(" | ").append(measured).append(" | ").append(met ? "yes" : "**no**")
                .append(" |\n");
    }
}
