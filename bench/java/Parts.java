import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The parts of the suite found under one results directory (one subdirectory each, written by
 * bench/parts.sh), merged for {@link Report}: their runs, their files and their meta data. A part
 * counts once its {@code meta.properties} is there (written when the part ends).
 */
final class Parts {
    /** One part's results: its directory and meta data. */
    record Part(String name, Path dir, Properties meta) {
        String get(String key) {
            return meta.getProperty(key, "");
        }

        int number(String key, int orElse) {
            String v = get(key);
            return v.isEmpty() ? orElse : Integer.parseInt(v);
        }
    }

    private final List<Part> present = new ArrayList<>();
    private final List<String> missing = new ArrayList<>();
    private final List<String> unfinished = new ArrayList<>();
    private final List<Report.Run> runs = new ArrayList<>();

    /** Reads every part under {@code root}, the expected ones first in their order, then any other. */
    static Parts read(Path root, List<String> expected) throws IOException {
        Parts parts = new Parts();
        List<String> names = new ArrayList<>(expected);
        if (Files.isDirectory(root)) {
            try (Stream<Path> dirs = Files.list(root)) {
                dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted()
                        .filter(n -> !names.contains(n)).forEach(names::add);
            }
        }
        for (String name : names) {
            Path dir = root.resolve(name);
            Path meta = dir.resolve("meta.properties");
            if (Files.exists(meta)) {
                Properties p = new Properties();
                try (var in = Files.newBufferedReader(meta)) {
                    p.load(in);
                }
                parts.present.add(new Part(name, dir, p));
                parts.readRuns(name, dir);
            } else if (Files.exists(dir.resolve("runs.csv"))) {
                parts.unfinished.add(name);
            } else if (expected.contains(name)) {
                parts.missing.add(name);
            }
        }
        return parts;
    }

    private void readRuns(String part, Path dir) throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("runs.csv"));
        String[] header = lines.get(0).split(",");
        for (String line : lines.subList(1, lines.size())) {
            String[] v = line.split(",", -1);
            Map<String, String> m = new LinkedHashMap<>();
            m.put("part", part);
            for (int i = 0; i < header.length; i++) {
                m.put(header[i], i < v.length ? v[i] : "");
            }
            runs.add(new Report.Run(m, dir));
        }
    }

    List<Part> present() {
        return present;
    }

    /** Expected parts with no results at all. */
    List<String> missing() {
        return missing;
    }

    /** Parts that started but did not finish (no meta data): their runs are left out. */
    List<String> unfinished() {
        return unfinished;
    }

    List<Report.Run> runs() {
        return runs;
    }

    /** The first part's copy of a file ({@code settings-keeper.md}, {@code footprint.csv}...), or null. */
    Path file(String name) {
        return present.stream().map(p -> p.dir().resolve(name)).filter(Files::exists).findFirst().orElse(null);
    }

    /** Every tool any part measured. */
    List<String> tools() {
        return present.stream().flatMap(p -> Stream.of(p.get("tools").trim().split("\\s+")))
                .filter(t -> !t.isEmpty()).distinct().collect(Collectors.toCollection(ArrayList::new));
    }

    /** A meta value: once when every part agrees, else each value with the parts it comes from. */
    String meta(String key) {
        Map<String, List<String>> byValue = new LinkedHashMap<>();
        for (Part p : present) {
            byValue.computeIfAbsent(p.get(key), v -> new ArrayList<>()).add(p.name());
        }
        if (byValue.size() == 1) {
            return byValue.keySet().iterator().next();
        }
        return byValue.entrySet().stream().map(e -> e.getKey() + " (" + String.join(", ", e.getValue()) + ")")
                .collect(Collectors.joining("; "));
    }

    /** Lines of every part's {@code NAME} file, each once, in part order. */
    List<String> linesOf(String name) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Part p : present) {
            Path f = p.dir().resolve(name);
            if (Files.exists(f)) {
                for (String l : Files.readAllLines(f)) {
                    if (!lines.contains(l)) {
                        lines.add(l);
                    }
                }
            }
        }
        return lines;
    }

    // ---------------------------------------------------------------- the report's opening

    private static final List<String> TOOL_PARTS = List.of("keeper", "repmgr", "patroni", "pg_auto_failover");

    /** Which parts the report merges: when, from which commit and with which options each ran; what is missing. */
    void describe(StringBuilder md) {
        md.append("Merged from the last results of ").append(present.size()).append(present.size() == 1 ? " part" : " parts")
                .append(" of `bench/run.sh`, each run on its own (`bash bench/run.sh --part PART`) or in one full run.");
        if (present.stream().anyMatch(p -> p.get("smoke").equals("1"))) {
            md.append(" **Smoke run**: a few runs to check the suite works; not a benchmark result.");
        }
        md.append("\n\n");
        if (!missing.isEmpty()) {
            md.append("**Missing parts**: ").append(String.join(", ", missing)).append(" (no results; run `bash bench/run.sh")
                    .append(missing.stream().map(m -> " --part " + m).findFirst().orElse("")).append("` and so on);")
                    .append(" their sections and summary lines are absent.\n\n");
        }
        if (!unfinished.isEmpty()) {
            md.append("**Unfinished parts**: ").append(String.join(", ", unfinished))
                    .append(" started but did not finish (interrupted); their runs are left out.\n\n");
        }
        md.append("| part | what it measured | ran on | commit | took | load average at its start | command |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (Part p : present) {
            List<String> reduced = reduced(p);
            md.append("| ").append(p.name()).append(" | ").append(what(p))
                    .append(reduced.isEmpty() ? "" : "; **reduced**: " + String.join(", ", reduced) + " (indicative only)")
                    .append(" | ").append(p.get("date")).append(" | ").append(p.get("commit")).append(" | ")
                    .append(took(p.number("duration_s", 0))).append(" | ").append(p.get("load_at_start"))
                    .append(" | `").append(p.get("command")).append("` |\n");
        }
        md.append("\n");
    }

    private static String took(int seconds) {
        return seconds < 60 ? seconds + " s" : Math.round(seconds / 60.0) + " min";
    }

    private static String what(Part p) {
        if (TOOL_PARTS.contains(p.name())) {
            return failoverRuns(p, "freezes");
        }
        SplitBrainTable.Arbiter arbiter = SplitBrainTable.arbiter(p.name());
        if (arbiter != null) {
            return "keeper with " + arbiter.with() + ": " + splitBrainRuns(p) + " (" + p.get("replications") + ")";
        }
        return switch (p.name()) {
            case "footprint" -> "start-ups; " + p.get("footprint_minutes") + " min of a healthy pair"
                    + (p.get("beside").isEmpty() ? " (alone)" : " (beside part " + p.get("beside") + ")");
            case "agents" -> "each tool's agent: " + p.get("agents_minutes") + " min of a healthy pair: "
                    + p.get("tools");
            case "switchover" -> "planned switchover × " + p.get("switchover_runs") + " (" + p.get("replications")
                    + "): " + p.get("tools");
            case FastProfile.PART -> p.get("tools") + ": " + failoverRuns(p, "freezes per set")
                    + (p.number("sweep_count", 0) > 0 ? "; " + p.get("sweep_count") + " per sweep length" : "");
            default -> p.get("tools");
        };
    }

    /** "crash pgkill × 5 (async sync); 20 freezes": the failover runs and, if any, the freezes ({@code freezes}). */
    private static String failoverRuns(Part p, String freezes) {
        return p.get("scenarios") + " × " + p.get("runs") + " (" + p.get("replications") + ")"
                + (p.number("freeze_count", 0) > 0 ? "; " + p.get("freeze_count") + " " + freezes : "");
    }

    /** "crash × 5; linkcut isolate ... × 5": the crash runs as many times as the failover runs. */
    private static String splitBrainRuns(Part p) {
        List<String> scenarios = new ArrayList<>(List.of(p.get("splitbrain_scenarios").trim().split("\\s+")));
        List<String> done = new ArrayList<>();
        if (scenarios.remove("crash")) {
            done.add("crash × " + p.get("runs"));
        }
        if (!scenarios.isEmpty()) {
            done.add(String.join(" ", scenarios) + " × " + p.get("splitbrain_runs"));
        }
        return String.join("; ", done);
    }

    /** What a part left out of the full set. */
    private static List<String> reduced(Part p) {
        List<String> r = new ArrayList<>();
        boolean fast = p.name().equals(FastProfile.PART);
        boolean tool = TOOL_PARTS.contains(p.name()) || fast;
        SplitBrainTable.Arbiter arbiter = SplitBrainTable.arbiter(p.name());
        if ((tool || arbiter != null) && p.number("runs", 5) < 5) {
            r.add(p.get("runs") + (tool ? " run(s) per scenario" : " crash run(s)") + " instead of 5");
        }
        if ((tool || arbiter != null) && !p.get("replications").equals("async sync")) {
            r.add("replication " + p.get("replications") + " only");
        }
        if (tool && p.number("freeze_count", 20) < 20) {
            r.add(p.get("freeze_count") + " freezes instead of 20");
        }
        if (tool && !p.get("scenarios").equals("crash pgkill")) {
            r.add("scenarios " + p.get("scenarios") + " only");
        }
        if (fast && p.number("sweep_count", 10) < 10) {
            r.add(p.get("sweep_count") + " pauses per sweep length instead of 10");
        }
        if (p.name().equals("footprint") && p.number("footprint_minutes", 10) < 10) {
            r.add("a footprint window of " + p.get("footprint_minutes") + " min instead of 10");
        }
        if (arbiter != null && p.number("splitbrain_runs", 5) < 5) {
            r.add(p.get("splitbrain_runs") + " run(s) per scenario instead of 5");
        }
        Set<String> scenarios = Set.copyOf(List.of(p.get("splitbrain_scenarios").trim().split("\\s+")));
        if (arbiter != null && !scenarios.equals(arbiter.scenarios())) {
            r.add("scenarios " + p.get("splitbrain_scenarios") + " only");
        }
        return r;
    }
}
