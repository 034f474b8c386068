import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The report's section on keeper's 1 s profile (part fast, bench/parts.sh): keeper at keepalive 250ms × 4 against
 * the goals of the benchmark issue (crash median ≤ 1.5 s, no false failover in any pause set, no acknowledged commit
 * lost with synchronous replication in any scenario), its failovers beside keeper's 3 s profile and Patroni at
 * ttl 5 and ttl 20, its pause sets, and its false failovers against the pause length (a table and
 * benchmarks-fast.png). Part of {@link Report}.
 */
final class FastProfile {
    static final String PART = "fast";
    static final String KEEPER = "keeper-fast";
    static final String PATRONI = "patroni-fast";
    /** The part's tools: the generic freeze table leaves them to this section. */
    static final List<String> TOOLS = List.of(KEEPER, PATRONI);
    static final String CHART = "benchmarks-fast.png";
    /** The goal for the median time to writable after a crash. */
    private static final double CRASH_GOAL_S = 1.5;
    /** The pause sets (bench/parts.sh fast_part): scenario, and what the report calls it. */
    private static final Map<String, String> SETS = new LinkedHashMap<>();
    static {
        SETS.put("freeze", "pauses");
        SETS.put("freeze-cpu-primary", "pauses, the primary's container CPU-starved");
        SETS.put("freeze-cpu-standby", "pauses, the standby's container CPU-starved");
    }
    /** A sweep set's scenario: sweep-PERCENT (of the detection window). */
    private static final Pattern SWEEP = Pattern.compile("sweep-(\\d+)");
    /** The start of a freeze set's note: "20 pauses of 500 ms". */
    private static final Pattern PAUSES = Pattern.compile("^(\\d+) pauses of (\\d+) ms");
    private static final List<String> REPLICATIONS = List.of("async", "sync");

    private final List<Report.Run> runs;
    private final ToolNames names;

    FastProfile(List<Report.Run> runs, ToolNames names) {
        this.runs = runs;
        this.names = names;
    }

    /** One point of the sweep: the pause as a fraction of the window, its length, pauses and false failovers. */
    record Point(double fraction, long ms, int pauses, int failovers, Report.Run run) {
    }

    void append(StringBuilder md, boolean chart) {
        if (of(KEEPER).isEmpty() && of(PATRONI).isEmpty()) {
            return;
        }
        md.append("## keeper's 1 s profile (part fast)\n\n")
                .append("keeper probing every ").append(keepaliveWords()).append(": a detection window of about 1 s,"
                        + " on the same containers, load and faults as the runs above. Goals: crash median time to"
                        + " writable ≤ ").append(Report.fmt(CRASH_GOAL_S)).append(" s; no false failover in any"
                        + " pause set; no acknowledged commit lost with synchronous replication in any scenario.\n\n");
        goals(md);
        comparison(md);
        pauseSets(md);
        sweep(md, chart);
        explain(md);
    }

    // ---------------------------------------------------------------- goals

    private void goals(StringBuilder md) {
        List<Report.Run> keeper = of(KEEPER);
        if (keeper.isEmpty()) {
            return;
        }
        md.append("| goal | measured | met |\n| --- | --- | --- |\n");
        for (String repl : REPLICATIONS) {
            List<Report.Run> ok = ok(keeper, "crash", repl);
            if (!ok.isEmpty()) {
                double median = Report.median(values(ok, "recovery_ms")) / 1000;
                Targets.row(md, "crash, " + repl + ": median time to writable ≤ " + Report.fmt(CRASH_GOAL_S) + " s",
                        Report.fmt(median) + " s over " + runs(ok.size()), median <= CRASH_GOAL_S);
            }
        }
        for (String repl : REPLICATIONS) {
            for (Map.Entry<String, String> set : SETS.entrySet()) {
                for (Report.Run r : ok(keeper, set.getKey(), repl)) {
                    long n = Long.parseLong(r.get("false_failovers"));
                    Targets.row(md, set.getValue() + ", " + repl + ": no false failover", n + " in "
                            + r.get("note").replaceAll(";.*", ""), n == 0);
                }
            }
        }
        for (String scenario : keeper.stream().filter(r -> r.get("replication").equals("sync"))
                .map(r -> r.get("scenario")).distinct().toList()) {
            List<Report.Run> ok = ok(keeper, scenario, "sync");
            if (!ok.isEmpty()) {
                long lost = ok.stream().mapToLong(r -> Long.parseLong(r.get("missing_acks"))).sum();
                Matcher pauses = PAUSES.matcher(ok.get(0).get("note"));
                Targets.row(md, scenarioName(scenario) + ", sync: no acknowledged commit lost", lost + " over "
                        + (pauses.find() ? pauses.group() : runs(ok.size())), lost == 0);
            }
        }
        md.append("\n");
    }

    // ---------------------------------------------------------------- failovers beside the other settings

    /** Crash and pgkill of keeper at 1 s and 3 s and of Patroni at both ttl, each from its own part. */
    private void comparison(StringBuilder md) {
        List<String> tools = List.of(KEEPER, "keeper", PATRONI, "patroni");
        List<String> columns = new ArrayList<>();
        for (String scenario : List.of("crash", "pgkill")) {
            for (String repl : REPLICATIONS) {
                if (runs.stream().anyMatch(r -> r.get("tool").equals(KEEPER) && r.get("scenario").equals(scenario)
                        && r.get("replication").equals(repl))) {
                    columns.add(scenario + " " + repl);
                }
            }
        }
        if (columns.isEmpty()) {
            return;
        }
        md.append("### Failover beside keeper's 3 s profile and Patroni\n\n")
                .append("Time to writable (s): median (min–max), runs measured/attempted, and as a multiple of ")
                .append(names.of(KEEPER)).append("'s median; each tool's figures come from its own part.\n\n")
                .append("| tool | part |");
        columns.forEach(c -> md.append(" ").append(c).append(" |"));
        md.append(" acknowledged commits lost, sync |\n| --- | --- |");
        columns.forEach(c -> md.append(" --- |"));
        md.append(" --- |\n");
        for (String tool : tools) {
            List<Report.Run> all = runs.stream().filter(r -> r.get("tool").equals(tool)).toList();
            if (all.stream().noneMatch(r -> r.get("scenario").equals("crash") || r.get("scenario").equals("pgkill"))) {
                continue;
            }
            String name = tool.equals("keeper") ? names.withKeepalive(tool) : names.of(tool);
            md.append("| ").append(name).append(" | ").append(all.get(0).get("part")).append(" |");
            for (String c : columns) {
                String[] k = c.split(" ");
                md.append(" ").append(cell(tool, k[0], k[1])).append(" |");
            }
            List<Report.Run> sync = all.stream().filter(r -> r.ok() && r.get("replication").equals("sync")
                    && (r.get("scenario").equals("crash") || r.get("scenario").equals("pgkill"))).toList();
            md.append(" ").append(sync.isEmpty() ? "–" : sync.stream()
                    .mapToLong(r -> Long.parseLong(r.get("missing_acks"))).sum() + " over " + runs(sync.size()))
                    .append(" |\n");
        }
        md.append("\n");
    }

    private String cell(String tool, String scenario, String repl) {
        List<Report.Run> g = runs.stream().filter(r -> r.get("tool").equals(tool) && r.get("scenario").equals(scenario)
                && r.get("replication").equals(repl)).toList();
        List<Report.Run> ok = ok(g, scenario, repl);
        if (ok.isEmpty()) {
            return g.isEmpty() ? "–" : "0/" + g.size();
        }
        String cell = Report.stat(ok, "recovery_ms", 1000) + ", " + ok.size() + "/" + g.size();
        List<Report.Run> base = ok(of(KEEPER), scenario, repl);
        if (!tool.equals(KEEPER) && !base.isEmpty()) {
            cell += ", " + Report.fmt(Report.median(values(ok, "recovery_ms")) / Report.median(values(base,
                    "recovery_ms"))) + "×";
        }
        return cell;
    }

    // ---------------------------------------------------------------- pause sets

    private void pauseSets(StringBuilder md) {
        List<Report.Run> sets = of(KEEPER).stream().filter(r -> SETS.containsKey(r.get("scenario"))).toList();
        if (sets.isEmpty()) {
            return;
        }
        md.append("### Pauses of half the window, with and without a CPU-starved host\n\n")
                .append("| set | replication | measured | pauses | false failovers (goal 0) | longest write stall (s) |"
                        + " acknowledged commits lost | CPU starvation |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Map.Entry<String, String> set : SETS.entrySet()) {
            for (String repl : REPLICATIONS) {
                for (Report.Run r : sets.stream().filter(r -> r.get("scenario").equals(set.getKey())
                        && r.get("replication").equals(repl)).toList()) {
                    md.append("| ").append(set.getValue()).append(" | ").append(repl).append(" | ")
                            .append(r.ok() ? "yes" : "no").append(" | ").append(r.ok() ? r.get("note")
                                    .replaceAll(";.*", "") : "–").append(" | ").append(r.get("false_failovers"))
                            .append(" | ").append(r.ok() ? Report.fmt(Double.parseDouble(r.get("longest_stall_ms"))
                                    / 1000) : "").append(" | ").append(r.get("missing_acks")).append(" | ")
                            .append(starvation(r)).append(" |\n");
                }
            }
        }
        md.append("\n");
    }

    /** What the busy loops did, from the run's note ("node1 CPU-starved: 2 busy loops used ..."), or "–". */
    private static String starvation(Report.Run r) {
        for (String part : r.get("note").split("; ")) {
            if (part.contains("CPU-starved")) {
                return part;
            }
        }
        return "–";
    }

    // ---------------------------------------------------------------- sweep

    private List<Point> points() {
        List<Point> points = new ArrayList<>();
        for (Report.Run r : of(KEEPER)) {
            Matcher s = SWEEP.matcher(r.get("scenario"));
            Matcher p = PAUSES.matcher(r.get("note"));
            if (s.matches() && r.ok() && p.find()) {
                points.add(new Point(Integer.parseInt(s.group(1)) / 100.0, Long.parseLong(p.group(2)),
                        Integer.parseInt(p.group(1)), Integer.parseInt(r.get("false_failovers")), r));
            }
        }
        points.sort(Comparator.comparingDouble(Point::fraction));
        return points;
    }

    private void sweep(StringBuilder md, boolean chart) {
        List<Report.Run> sweep = of(KEEPER).stream().filter(r -> SWEEP.matcher(r.get("scenario")).matches()).toList();
        if (sweep.isEmpty()) { // --sweep-count 0
            return;
        }
        md.append("### False failovers against pause length\n\n");
        if (chart) {
            md.append("![false failovers per pause against the pause length](").append(CHART).append(")\n\n");
        }
        md.append("| pause (× window) | pause (ms) | replication | pauses | false failovers | per pause |"
                + " longest write stall (s) | acknowledged commits lost |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Point p : points()) {
            md.append("| ").append(Report.fmt(p.fraction())).append(" | ").append(p.ms()).append(" | ")
                    .append(p.run().get("replication")).append(" | ").append(p.pauses()).append(" | ")
                    .append(p.failovers()).append(" | ").append(percent(p)).append(" | ")
                    .append(Report.fmt(Double.parseDouble(p.run().get("longest_stall_ms")) / 1000)).append(" | ")
                    .append(p.run().get("missing_acks")).append(" |\n");
        }
        sweep.stream().filter(r -> !r.ok()).forEach(r -> md.append("| ").append(r.get("scenario"))
                .append(" | – | ").append(r.get("replication")).append(" | not measured (see below) | | | | |\n"));
        md.append("\n");
    }

    private static String percent(Point p) {
        return Math.round(100.0 * p.failovers() / p.pauses()) + " %";
    }

    /** Draws the sweep (see {@link SweepChart}); false when there is none. */
    boolean drawChart(Path png) throws IOException {
        List<Point> points = points();
        if (points.isEmpty()) {
            return false;
        }
        SweepChart.draw(points, names.of(KEEPER) + ": false failovers per pause, against the pause length",
                Report.color(KEEPER), png);
        return true;
    }

    // ---------------------------------------------------------------- method

    private void explain(StringBuilder md) {
        boolean sets = has(SETS::containsKey);
        boolean sweep = has(s -> SWEEP.matcher(s).matches());
        if (sets || sweep) {
            md.append("- **pauses**: as for the freeze above (a fresh pair after each false failover, so the count is"
                    + " per pause), with the pause lengths given; acknowledged commits lost are summed over the pairs"
                    + " of a set.\n");
        }
        if (sets) {
            md.append("- **CPU-starved**: one busy loop per core of the machine (`while :; do :; done` in bash, so"
                    + " both cores) in that node's container, at the priority of its other processes, from 2 s before"
                    + " the first pause until 5 s after the last; the CPU time they used is in the table. The busy"
                    + " loops in the primary's container are frozen with it during each pause. The containers share"
                    + " the machine's cores, so the other containers run slower too.\n");
        }
        if (sweep) {
            md.append("- **false failovers against pause length**: the pauses at each length are one set of their"
                    + " own, run as above.\n");
        }
        if (!of(PATRONI).isEmpty()) {
            md.append("- ").append(names.of(PATRONI)).append(": crash and pgkill only, no pauses; its settings are"
                    + " under Settings (").append(PATRONI).append(").\n");
        }
        md.append("\n");
    }

    /** keeper's 1 s profile has runs of a scenario that {@code scenario} accepts. */
    private boolean has(Predicate<String> scenario) {
        return of(KEEPER).stream().anyMatch(r -> scenario.test(r.get("scenario")));
    }

    // ---------------------------------------------------------------- helpers

    private String keepaliveWords() {
        String k = names.keepalive(KEEPER);
        if (k == null) {
            return "(settings not found)";
        }
        String[] f = k.split(" × ");
        return f[0] + " and acting after " + f[1] + " failed probes (`keepalive_time = " + f[0]
                + "`, `keepalive_count = " + f[1] + "`)";
    }

    private static String runs(int n) {
        return n + (n == 1 ? " run" : " runs");
    }

    private static String scenarioName(String scenario) {
        Matcher s = SWEEP.matcher(scenario);
        if (s.matches()) {
            return "pauses of " + Report.fmt(Integer.parseInt(s.group(1)) / 100.0) + " × the window";
        }
        return SETS.getOrDefault(scenario, scenario);
    }

    private List<Report.Run> of(String tool) {
        return runs.stream().filter(r -> r.get("tool").equals(tool)).toList();
    }

    private static List<Report.Run> ok(List<Report.Run> rs, String scenario, String repl) {
        Predicate<Report.Run> match = r -> r.ok() && r.get("scenario").equals(scenario)
                && r.get("replication").equals(repl);
        return rs.stream().filter(match).collect(Collectors.toList());
    }

    private static double[] values(List<Report.Run> rs, String column) {
        return rs.stream().map(r -> r.get(column)).filter(s -> !s.isEmpty()).mapToDouble(Double::parseDouble).sorted()
                .toArray();
    }
}
