import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gives back the results of the parts a committed report holds (docs/benchmarks.md and its CSV files) when this
 * machine has none of them, so that a part run here is merged with the others' last results rather than replacing
 * the report: on a fresh checkout {@code bench/.work/results/} is empty. Only parts with no directory under
 * RESULTS_ROOT are written; every figure comes from the report's own files (runs, timelines, footprint samples),
 * the part's details (date, commit, options, settings, versions) from the report's text. A restored part's
 * {@code meta.properties} says {@code restored_from}. Part of the suite run by bench/run.sh, before {@link Report}.
 *
 * <p>Usage: {@code java Restore RESULTS_ROOT REPORT_DIR}
 */
public final class Restore {
    private static final Pattern REDUCED = Pattern.compile("; \\*\\*reduced\\*\\*: .* \\(indicative only\\)$");
    private static final Pattern TOOL_PART = Pattern.compile("(.+) × (\\d+) \\((.+?)\\)(?:; (\\d+) freezes(?: per set)?)?"
            + "(?:; (\\d+) per sweep length)?");
    /** The fast part's tools, then its runs as TOOL_PART has them. */
    private static final Pattern FAST = Pattern.compile("([^:]+): (.+)");
    private static final Pattern FOOTPRINT = Pattern.compile("start-ups; (\\d+) min of a healthy pair"
            + " \\((?:alone|beside part (.+))\\)");
    private static final Pattern AGENTS = Pattern.compile("each tool's agent: (\\d+) min of a healthy pair: (.+)");
    private static final Pattern SPLIT_BRAIN = Pattern.compile("keeper with (.+?): (.+) \\((.+)\\)");
    private static final Pattern SWITCHOVER = Pattern.compile("planned switchover × (\\d+) \\((.+)\\): (.+)");
    private static final Pattern WINDOW = Pattern.compile("\\| (.+), (?:async|sync): median time to writable ≤"
            + " detection window \\+ 1 s \\(([\\d.]+) s\\) \\|.*");

    private final Path root;
    private final Path report;
    private final List<String> md;
    /** Each restored part's meta data, in the order it is written. */
    private final Map<String, Map<String, String>> parts = new LinkedHashMap<>();
    /** Every part the report merged, restored here or not. */
    private final List<String> inReport = new ArrayList<>();

    private Restore(Path root, Path report) throws IOException {
        this.root = root;
        this.report = report;
        this.md = Files.readAllLines(report.resolve("benchmarks.md"));
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Restore RESULTS_ROOT REPORT_DIR");
            System.exit(2);
        }
        Path report = Path.of(args[1]);
        if (!Files.exists(report.resolve("benchmarks.md")) || !Files.exists(report.resolve("benchmarks-runs.csv"))) {
            return; // no earlier report: nothing to give back
        }
        new Restore(Path.of(args[0]), report).restore();
    }

    private void restore() throws IOException {
        readPartsTable();
        inReport.addAll(parts.keySet());
        parts.keySet().removeIf(name -> Files.exists(root.resolve(name)));
        if (parts.isEmpty()) {
            return;
        }
        for (var e : parts.entrySet()) {
            Path dir = Files.createDirectories(root.resolve(e.getKey()).resolve("raw")).getParent();
            runs(e.getKey(), dir);
        }
        machine();
        timelines();
        toolFiles();
        footprint();
        agents();
        busy();
        for (var e : parts.entrySet()) { // last, as bench/parts.sh does: a part without it did not finish
            try (Writer w = Files.newBufferedWriter(root.resolve(e.getKey()).resolve("meta.properties"))) {
                for (var kv : e.getValue().entrySet()) {
                    w.write(kv.getKey() + "=" + kv.getValue() + "\n");
                }
            }
            System.err.println("Restore: part " + e.getKey() + " from " + report.resolve("benchmarks.md"));
        }
    }

    // ---------------------------------------------------------------- meta data

    /** The report's table of parts: when, from which commit and with which options each part ran. */
    private void readPartsTable() {
        int i = md.indexOf("| part | what it measured | ran on | commit | took | load average at its start | command |");
        if (i < 0) {
            return;
        }
        boolean smoke = md.stream().anyMatch(l -> l.contains("**Smoke run**"));
        for (String line : md.subList(i + 2, md.size())) {
            if (!line.startsWith("| ")) {
                break;
            }
            String[] c = line.substring(2, line.length() - 2).split(" \\| ", 7);
            Map<String, String> p = new LinkedHashMap<>();
            p.put("part", c[0]);
            p.put("date", c[2]);
            p.put("duration_s", String.valueOf(seconds(c[4])));
            p.put("commit", c[3]);
            p.put("restored_from", report.resolve("benchmarks.md").toString());
            p.put("smoke", smoke ? "1" : "0");
            p.put("load_at_start", c[5]);
            p.put("command", c[6].replaceAll("^`|`$", ""));
            what(p, REDUCED.matcher(c[1]).replaceFirst(""));
            parts.put(c[0], p);
        }
    }

    private static int seconds(String took) {
        String[] t = took.split(" ");
        return Integer.parseInt(t[0]) * (t[1].equals("min") ? 60 : 1);
    }

    /** The options a part ran with, read back from its "what it measured" cell (see Parts.what). */
    private void what(Map<String, String> p, String what) {
        Matcher m;
        if (p.get("part").equals("footprint") && (m = FOOTPRINT.matcher(what)).matches()) {
            p.put("tools", "keeper");
            p.put("footprint_minutes", m.group(1));
            p.put("beside", m.group(2) == null ? "" : m.group(2));
        } else if (p.get("part").equals("agents") && (m = AGENTS.matcher(what)).matches()) {
            p.put("agents_minutes", m.group(1));
            p.put("tools", m.group(2));
        } else if (SplitBrainTable.arbiter(p.get("part")) != null && (m = SPLIT_BRAIN.matcher(what)).matches()) {
            SplitBrainTable.Arbiter arbiter = SplitBrainTable.arbiter(p.get("part"));
            p.put("tools", arbiter.tool());
            p.put("replications", m.group(3));
            List<String> scenarios = new ArrayList<>();
            for (String done : m.group(2).split("; ")) {
                String[] s = done.split(" × ");
                p.put(s[0].equals("crash") ? "runs" : "splitbrain_runs", s[1]);
                scenarios.add(s[0]);
            }
            p.put("splitbrain_scenarios", String.join(" ", scenarios));
            p.put("splitbrain_cut_s", figure(arbiter, "cut for (\\d+) s"));
            p.put("splitbrain_observe_s", figure(arbiter, "killed for (\\d+) s"));
        } else if ((m = SWITCHOVER.matcher(what)).matches()) {
            p.put("tools", m.group(3));
            p.put("switchover_runs", m.group(1));
            p.put("replications", m.group(2));
        } else if (p.get("part").equals(FastProfile.PART) && (m = FAST.matcher(what)).matches()
                && failoverRuns(p, m.group(2))) {
            p.put("tools", m.group(1));
        } else if (failoverRuns(p, what)) {
            p.put("tools", p.get("part"));
        } else {
            p.put("tools", what);
        }
    }

    /** The options of a part's failover runs and freezes (see Parts.failoverRuns), when {@code what} gives them. */
    private static boolean failoverRuns(Map<String, String> p, String what) {
        Matcher m = TOOL_PART.matcher(what);
        if (!m.matches()) {
            return false;
        }
        p.put("scenarios", m.group(1));
        p.put("runs", m.group(2));
        p.put("replications", m.group(3));
        p.put("freeze_count", m.group(4) == null ? "0" : m.group(4));
        p.put("sweep_count", m.group(5) == null ? "0" : m.group(5));
        return true;
    }

    /** A number from the labels of the arbiter's split-brain table (the cut's and the observation's length). */
    private String figure(SplitBrainTable.Arbiter arbiter, String regex) {
        Pattern p = Pattern.compile(regex);
        boolean inside = false;
        for (String line : md) {
            if (line.startsWith("#")) {
                inside = line.contains("keeper with " + arbiter.with());
            }
            Matcher m = p.matcher(line);
            if (inside && m.find()) {
                return m.group(1);
            }
        }
        return "";
    }

    /** The machine table: CPU, memory, OS, Docker and image (one value for every part), packages and tools. */
    private void machine() {
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : section("## Machine and versions")) {
            if (line.startsWith("| ") && !line.startsWith("| --- ") && !line.equals("| | |")) {
                String[] c = line.substring(2, line.length() - 2).split(" \\| ", 2);
                rows.put(c[0], c[1]);
            }
        }
        Matcher cpu = Pattern.compile("(.*) \\((.+) cores\\)").matcher(rows.getOrDefault("CPU", ""));
        Matcher docker = Pattern.compile("(.*); image `(.*)` built by .*").matcher(rows.getOrDefault("Docker", ""));
        if (cpu.matches()) {
            perPart("cpu", cpu.group(1));
            perPart("cores", cpu.group(2));
        }
        perPart("memory", rows.getOrDefault("memory", ""));
        perPart("os", rows.getOrDefault("OS", ""));
        if (docker.matches()) {
            perPart("docker", docker.group(1));
            perPart("image", docker.group(2));
        }
        StringBuilder versions = new StringBuilder();
        rows.forEach((k, v) -> {
            if (k.startsWith("`")) {
                versions.append(k.replace("`", "")).append('\t').append(v).append('\n');
            }
        });
        rows.forEach((k, v) -> toolFile(k, "version-" + k + ".txt", v));
        for (String part : parts.keySet()) {
            write(root.resolve(part).resolve("versions.tsv"), versions.toString());
        }
    }

    /**
     * A meta value as Parts.meta shows it: once when every part agrees, else "VALUE (PART, PART); VALUE (PART)".
     */
    private void perPart(String key, String shown) {
        Map<String, String> values = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(.*) \\(([^()]+)\\)").matcher("");
        for (String segment : shown.split("; ")) {
            if (!m.reset(segment).matches() || !inReport.containsAll(List.of(m.group(2).split(", ")))) {
                values.clear();
                break;
            }
            for (String part : m.group(2).split(", ")) {
                values.put(part, m.group(1));
            }
        }
        for (var e : parts.entrySet()) {
            e.getValue().put(key, values.isEmpty() ? shown : values.getOrDefault(e.getKey(), ""));
        }
    }

    // ---------------------------------------------------------------- figures

    private void runs(String part, Path dir) throws IOException {
        List<String> lines = Files.readAllLines(report.resolve("benchmarks-runs.csv"));
        StringBuilder csv = new StringBuilder(lines.get(0).replaceFirst("^part,", "")).append('\n');
        for (String line : lines.subList(1, lines.size())) {
            if (line.startsWith(part + ",")) {
                csv.append(line, part.length() + 1, line.length()).append('\n');
            }
        }
        write(dir.resolve("runs.csv"), csv.toString());
    }

    /** Each run's timeline into its run directory, in the part that holds the run. */
    private void timelines() throws IOException {
        Map<String, String> partOfRun = new LinkedHashMap<>();
        for (String line : Files.readAllLines(report.resolve("benchmarks-runs.csv"))) {
            String[] f = line.split(",", 6);
            partOfRun.put(String.join("-", f[1], f[2], f[3], f[4]), f[0]);
        }
        Map<Path, StringBuilder> files = new LinkedHashMap<>();
        Path csv = report.resolve("benchmarks-timelines.csv");
        List<String> lines = Files.exists(csv) ? Files.readAllLines(csv) : List.of();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.split(",");
            String run = String.join("-", f[0], f[1], f[2], f[3]);
            String part = partOfRun.get(run);
            if (part != null && parts.containsKey(part)) {
                files.computeIfAbsent(root.resolve(part).resolve("raw").resolve(run).resolve("timeline.csv"),
                        k -> new StringBuilder()).append(f[4]).append(',').append(f[5]).append('\n');
            }
        }
        for (var e : files.entrySet()) {
            Files.createDirectories(e.getKey().getParent());
            write(e.getKey(), e.getValue().toString());
        }
    }

    /** Each tool's settings, detection window and "not measured" reason, as the report shows them. */
    private void toolFiles() {
        String tool = null;
        StringBuilder text = new StringBuilder();
        for (String line : section("## Settings of each tool")) {
            if (line.startsWith("### ")) {
                settings(tool, text);
                tool = line.substring(4);
                text.setLength(0);
            } else if (tool != null) {
                text.append(line).append('\n');
            }
        }
        settings(tool, text);
        for (String line : md) {
            Matcher m = WINDOW.matcher(line);
            if (m.matches()) {
                String windowMs = String.valueOf(Math.round((Double.parseDouble(m.group(2)) - 1) * 1000));
                Targets.WINDOW_TOOLS.stream().filter(t -> Targets.windowLabel(t).equals(m.group(1)))
                        .forEach(t -> toolFile(t, "window-" + t + ".txt", windowMs));
            }
            Matcher u = Pattern.compile("- \\*\\*(.+)\\*\\* was not measured: (.*)").matcher(line);
            if (u.matches()) {
                toolFile(u.group(1), "unsupported-" + u.group(1) + ".txt", u.group(2));
            }
        }
    }

    private void settings(String tool, StringBuilder text) {
        if (tool != null) {
            toolFile(tool, "settings-" + tool + ".md", text.toString().strip());
        }
    }

    /** A file about a tool goes to the first restored part that measured it, where the report found it. */
    private void toolFile(String tool, String name, String content) {
        parts.entrySet().stream().filter(e -> List.of(e.getValue().get("tools").split(" ")).contains(tool))
                .findFirst().ifPresent(e -> write(root.resolve(e.getKey()).resolve(name), content + "\n"));
    }

    /** The agents part's samples, as bench/agents.sh wrote them. */
    private void agents() throws IOException {
        Path samples = report.resolve("benchmarks-agents.csv");
        if (parts.containsKey("agents") && Files.exists(samples)) {
            Files.copy(samples, root.resolve("agents").resolve("agents.csv"));
        }
    }

    /** The footprint part's samples, and their summary computed as bench/footprint.sh does. */
    private void footprint() throws IOException {
        Path samples = report.resolve("benchmarks-footprint.csv");
        if (!parts.containsKey("footprint") || !Files.exists(samples)) {
            return;
        }
        Path dir = root.resolve("footprint");
        Files.copy(samples, dir.resolve("footprint.csv"));
        Map<String, long[]> byNode = new TreeMap<>(); // t0, rss0, c0, max, t1, rss1, c1
        List<String> lines = Files.readAllLines(samples);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            long t = Long.parseLong(f[1]);
            long rss = Long.parseLong(f[2]);
            long cpu = Long.parseLong(f[3]);
            long[] s = byNode.computeIfAbsent(f[0], n -> new long[] {t, rss, cpu, 0, 0, 0, 0});
            s[3] = Math.max(s[3], rss);
            s[4] = t;
            s[5] = rss;
            s[6] = cpu;
        }
        StringBuilder csv = new StringBuilder("node,minutes,rss_kb_start,rss_kb_max,rss_kb_end,cpu_ms\n");
        byNode.forEach((node, s) -> csv.append(String.format(Locale.ROOT, "%s,%.1f,%d,%d,%d,%d%n", node,
                (s[4] - s[0]) / 60.0, s[1], s[3], s[5], s[6] - s[2])));
        write(dir.resolve("footprint-summary.csv"), csv.toString());
    }

    /** The note on runs started beside other test suites: their number (which runs they were is not in the report). */
    private void busy() {
        Matcher m = Pattern.compile("Note: (\\d+) of \\d+ runs started while other test suites.*").matcher("");
        for (String line : md) {
            if (m.reset(line).matches()) {
                int n = Integer.parseInt(m.group(1));
                StringBuilder lines = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    lines.append("restored: run ").append(i).append(" of ").append(n).append(" of the restored parts")
                            .append(" that started beside Maven Surefire (which run it was is not in the report)\n");
                }
                write(root.resolve(parts.keySet().iterator().next()).resolve("busy.log"), lines.toString());
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The lines of a "## " section, its heading left out. */
    private List<String> section(String heading) {
        int start = md.indexOf(heading);
        if (start < 0) {
            return List.of();
        }
        int end = start + 1;
        while (end < md.size() && !md.get(end).startsWith("## ")) {
            end++;
        }
        return md.subList(start + 1, end);
    }

    private static void write(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new IllegalStateException("Restore: cannot write " + file, e);
        }
    }
}
