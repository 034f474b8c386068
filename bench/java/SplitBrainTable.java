import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongPredicate;

/**
 * The report's section on the split-brain part (bench/splitbrain.sh): one row per scenario and
 * replication, each figure checked against its goal. Part of {@link Report}.
 */
final class SplitBrainTable {
    static final String ALL_SCENARIOS = "crash linkcut isolate witness-kill witness-kill-light witness-primary";
    private static final String TOOL = "keeper-witness";
    /** "No write gap beyond about 1 s" with the witness gone; checked as the e2e test does, at 1.5 s. */
    private static final long WITNESS_GAP_LIMIT_MS = 1500;

    /** One scenario's row: its label and goals (a null goal: reported, not checked). */
    private record Row(String scenario, String label, LongPredicate lostGoal, LongPredicate gapGoal) {
    }

    private final List<Report.Run> runs;
    private final Parts.Part part;
    private final double windowLimitMs;

    SplitBrainTable(Parts parts) throws IOException {
        this.runs = parts.runs().stream().filter(r -> r.get("tool").equals(TOOL)).toList();
        this.part = parts.present().stream().filter(p -> p.name().equals("splitbrain")).findFirst().orElse(null);
        Path window = parts.file("window-" + TOOL + ".txt");
        this.windowLimitMs = window == null ? Double.NaN : Double.parseDouble(Files.readString(window).strip()) + 1000;
    }

    void append(StringBuilder md) {
        if (runs.isEmpty()) {
            return;
        }
        String cut = part == null ? "?" : part.get("splitbrain_cut_s");
        String observe = part == null ? "?" : part.get("splitbrain_observe_s");
        LongPredicate zero = v -> v == 0;
        List<Row> rows = List.of(
                new Row("crash", "1. primary's container killed", null, null),
                new Row("reboot", "4. the killed old primary's container started again (after 1.)", null, null),
                new Row("linkcut", "2. link node1–node2 cut for " + cut + " s; both reach the witness", zero, null),
                new Row("isolate", "3. node1 cut off from node2 and the witness; the client still reaches it", null,
                        null),
                new Row("witness-kill", "5. witness killed for " + observe + " s, pair healthy", zero,
                        v -> v <= WITNESS_GAP_LIMIT_MS),
                new Row("witness-kill-light", "5b. witness killed for " + observe + " s, pair healthy, light load"
                        + " (a commit every 100 ms)", zero,
                        v -> v <= WITNESS_GAP_LIMIT_MS),
                new Row("witness-primary", "6. witness and primary killed together; " + observe
                        + " s later both started again", null, null));
        md.append("## Split brain (keeper with a witness)\n\n")
                .append("| scenario | replication | measured | writes accepted by two servers at once |"
                        + " acknowledged commits lost | time to writable (s): median (worst) |"
                        + " longest write gap (s): median (worst) | old partner streams again after heal / reboot (s):"
                        + " median (worst) | unexpected promotions |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Row row : rows) {
            for (String repl : List.of("async", "sync")) {
                List<Report.Run> g = runs.stream().filter(r -> r.get("scenario").equals(row.scenario())
                        && r.get("replication").equals(repl)).toList();
                if (!g.isEmpty()) {
                    append(md, row, repl, g);
                }
            }
        }
        md.append("\n✓ meets its goal, **✗** misses it; a figure without a mark is reported, with no goal. A list"
                + " gives each measured run's figure where they differ.\n\n");
        explain(md);
    }

    private void append(StringBuilder md, Row row, String repl, List<Report.Run> g) {
        List<Report.Run> ok = g.stream().filter(Report.Run::ok).toList();
        LongPredicate lostGoal = row.lostGoal() != null ? row.lostGoal() : repl.equals("sync") ? v -> v == 0 : null;
        String writable = "–";
        if (row.scenario().equals("crash") && !ok.isEmpty() && !Double.isNaN(windowLimitMs)) {
            writable = checked(medianWorst(ok, "recovery_ms"), median(ok, "recovery_ms") <= windowLimitMs);
        } else if (row.scenario().equals("crash") || row.scenario().equals("isolate")) {
            writable = medianWorst(ok, "recovery_ms");
        }
        String gap = medianWorst(ok, "longest_stall_ms");
        if (row.gapGoal() != null && !ok.isEmpty()) {
            gap = checked(gap, ok.stream().allMatch(r -> row.gapGoal().test(Long.parseLong(r.get("longest_stall_ms")))));
        }
        md.append("| ").append(row.label()).append(" | ").append(repl).append(" | ").append(ok.size()).append("/")
                .append(g.size()).append(" | ").append(twoWriters(ok)).append(" | ")
                .append(row.scenario().equals("reboot") ? "–" : perRun(ok, "missing_acks", lostGoal)).append(" | ")
                .append(writable).append(" | ").append(row.scenario().equals("reboot") ? "–" : gap).append(" | ")
                .append(medianWorst(ok, "rejoin_ms")).append(" | ").append(perRun(ok, "false_failovers", v -> v == 0))
                .append(" |\n");
    }

    private void explain(StringBuilder md) {
        md.append("Each run: fresh containers, node1 (primary), node2 (standby), node3 the witness (a plain PostgreSQL"
                        + " server, no keeper), the load client of the failover runs, each node created with"
                        + " `--cap-add NET_ADMIN`; a cut is iptables `DROP` rules inside node1, both ways.\n\n")
                .append("- **writes accepted by two servers at once**: besides the load client, a probe in the client's"
                        + " container tries one INSERT on each node every 20 ms, whatever its role, and logs when it"
                        + " sent it and when the answer came. A node's writable period runs from the sending of the"
                        + " first to the answer of the last of a series of acknowledged probe writes with no refusal"
                        + " between; where periods of node1 and node2 intersect, both took writes. The figure counts"
                        + " the acknowledged writes touching such an intersection (with its length); so the last"
                        + " commit node1 acknowledged must come before node2's first was sent. For 4., it is every"
                        + " write node1 acknowledged (probe or load client) after its container was started again.\n")
                .append("- **acknowledged commits lost**: the load client's acknowledged ids missing on the node that"
                        + " took its last commit, read at the end of the run.\n")
                .append("- **time to writable**: from the fault to the first commit acknowledged on a new connection by"
                        + " the node that then keeps the writes (as for the failover runs). Goal for 1.: the"
                        + " detection window + 1 s (the median is checked).\n")
                .append("- **longest write gap**: the longest time without an acknowledged commit, from 1 s before the"
                        + " fault to the end of the run. Goal for 5. and 5b.: about 1 s (every run checked against "
                        + Report.fmt(WITNESS_GAP_LIMIT_MS / 1000.0) + " s).\n")
                .append("- **old partner streams again**: after the heal (2., 3.) or the container start (4.), until the"
                        + " primary's WAL sender streams to the other node and that node's WAL receiver streams the"
                        + " primary's current timeline (with `on_superseded = rejoin`, keeper rewinds a superseded"
                        + " old primary first).\n")
                .append("- **unexpected promotions**: timelines the pair moved on by (history files in `pg_wal` of"
                        + " either node), beyond the one failover 1. and 3. expect; for 6., counted while both were"
                        + " down; for 4., counted after the reboot.\n")
                .append("- Goals: 0 writes by two servers at once and 0 unexpected promotions everywhere; 0 lost"
                        + " acknowledged commits with synchronous replication, and for 2., 5. and 5b. also with"
                        + " asynchronous replication.\n")
                .append("- Load: every scenario runs under the load of the failover runs (commits as fast as the"
                        + " client can), except 5b. (one commit every 100 ms).\n\n");
    }

    // ---------------------------------------------------------------- cells

    private static String twoWriters(List<Report.Run> ok) {
        if (ok.isEmpty()) {
            return "–";
        }
        List<String> each = ok.stream().map(r -> r.get("two_writers_acks").equals("0") ? "0"
                : r.get("two_writers_acks") + " (" + r.get("two_writers_ms") + " ms)").toList();
        return checked(collapse(each), ok.stream().allMatch(r -> r.get("two_writers_acks").equals("0")));
    }

    /** Each run's value ("0" once when they agree), checked when there is a goal. */
    private static String perRun(List<Report.Run> ok, String column, LongPredicate goal) {
        List<String> each = ok.stream().map(r -> r.get(column)).toList();
        if (ok.isEmpty() || each.contains("")) {
            return "–";
        }
        String v = collapse(each);
        return goal == null ? v : checked(v, each.stream().allMatch(e -> goal.test(Long.parseLong(e))));
    }

    private static String collapse(List<String> each) {
        return each.stream().distinct().count() == 1 ? each.get(0) : String.join(", ", each);
    }

    private static String checked(String value, boolean met) {
        return met ? value + " ✓" : "**" + value + " ✗**";
    }

    private static String medianWorst(List<Report.Run> ok, String column) {
        long[] v = values(ok, column);
        if (v.length == 0) {
            return "–";
        }
        return Report.fmt(median(v) / 1000) + " (" + Report.fmt(v[v.length - 1] / 1000.0) + ")";
    }

    private static double median(List<Report.Run> ok, String column) {
        long[] v = values(ok, column);
        return v.length == 0 ? Double.NaN : median(v);
    }

    private static double median(long[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    private static long[] values(List<Report.Run> ok, String column) {
        return ok.stream().map(r -> r.get(column)).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).sorted()
                .toArray();
    }
}
