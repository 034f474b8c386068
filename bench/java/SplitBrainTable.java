import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;

/**
 * The report's section on the split-brain parts (bench/splitbrain.sh): for each arbiter keeper's lease can live on
 * (a witness, etcd), one table with a row per scenario and replication, each figure checked against its goal; the
 * same columns, goals and numbering for every arbiter. Part of {@link Report}.
 */
final class SplitBrainTable {
    /** "No write gap beyond about 1 s" with the arbiter (or its majority) gone; checked as the e2e test does, at 1.5 s. */
    private static final long ARBITER_GAP_LIMIT_MS = 1500;
    private static final LongPredicate ZERO = v -> v == 0;
    private static final LongPredicate WITHIN_GAP_LIMIT = v -> v <= ARBITER_GAP_LIMIT_MS;

    /**
     * One scenario's row: its label ("{cut}" and "{observe}" stand for the part's SB_CUT_S and SB_OBSERVE_S) and
     * goals (a null goal: reported, not checked).
     */
    record Row(String scenario, String label, LongPredicate lostGoal, LongPredicate gapGoal) {
        String label(Parts.Part part) {
            return label.replace("{cut}", part == null ? "?" : part.get("splitbrain_cut_s"))
                    .replace("{observe}", part == null ? "?" : part.get("splitbrain_observe_s"));
        }
    }

    /**
     * A home of keeper's lease: its part and tool in bench/run.sh, the words for it ("keeper with a witness"), where it
     * runs, and its rows: the crash, reboot, link-cut and isolation rows every arbiter shares, then its own.
     */
    record Arbiter(String part, String tool, String with, String hosts, List<Row> rows) {
        /** The scenarios its part runs (the reboot row comes from the crash run). */
        Set<String> scenarios() {
            return rows.stream().map(Row::scenario).filter(s -> !s.equals("reboot")).collect(Collectors.toSet());
        }
    }

    static final List<Arbiter> ARBITERS = List.of(
            new Arbiter("splitbrain", "keeper-witness", "a witness", "node3, a plain PostgreSQL server with no keeper",
                    shared("the witness", List.of(
                            new Row("witness-kill", "5. witness killed for {observe} s, pair healthy", ZERO,
                                    WITHIN_GAP_LIMIT),
                            new Row("witness-kill-light", "5b. witness killed for {observe} s, pair healthy, light load"
                                    + " (a commit every 100 ms)", ZERO, WITHIN_GAP_LIMIT),
                            new Row("witness-primary", "6. witness and primary killed together; {observe} s later both"
                                    + " started again", null, null)))),
            new Arbiter("splitbrain-etcd", "keeper-etcd", "etcd", "etcd1, etcd2 and etcd3, a three-member etcd cluster"
                    + " (Debian's etcd-server, default heartbeat and election timeout)",
                    shared("every etcd member", List.of(
                            new Row("etcd-majority-kill", "5. two of the three etcd members (the leader among them)"
                                    + " killed for {observe} s, pair healthy: etcd has no quorum", ZERO, WITHIN_GAP_LIMIT),
                            new Row("etcd-majority-kill-light", "5b. two of the three etcd members killed for {observe}"
                                    + " s, pair healthy, light load (a commit every 100 ms)", ZERO, WITHIN_GAP_LIMIT),
                            new Row("etcd-member-kill", "5c. the etcd leader killed for {observe} s, pair healthy",
                                    ZERO, WITHIN_GAP_LIMIT),
                            new Row("etcd-majority-primary", "6. two of the three etcd members and the primary killed"
                                    + " together; {observe} s later all started again", null, null)))));

    /** The rows every arbiter has, then its own; {@code reach}: what node1 and node2 reach during the link cut. */
    private static List<Row> shared(String reach, List<Row> own) {
        List<Row> rows = new ArrayList<>(List.of(
                new Row("crash", "1. primary's container killed", null, null),
                new Row("reboot", "4. the killed old primary's container started again (after 1.)", null, null),
                new Row("linkcut", "2. link node1–node2 cut for {cut} s; both reach " + reach, ZERO, null),
                new Row("isolate", "3. node1 cut off from node2 and " + reach + "; the client still reaches it", null,
                        null)));
        rows.addAll(own);
        return List.copyOf(rows);
    }

    /** The arbiter whose split-brain part this is, or null. */
    static Arbiter arbiter(String part) {
        return ARBITERS.stream().filter(a -> a.part().equals(part)).findFirst().orElse(null);
    }

    private final Parts parts;

    SplitBrainTable(Parts parts) {
        this.parts = parts;
    }

    void append(StringBuilder md) throws IOException {
        List<Arbiter> present = ARBITERS.stream().filter(a -> !runsOf(a).isEmpty()).toList();
        if (present.isEmpty()) {
            return;
        }
        md.append("## Split brain (keeper with an arbiter: ")
                .append(present.stream().map(Arbiter::with).collect(Collectors.joining(", "))).append(")\n\n");
        for (Arbiter a : present) {
            table(md, a);
        }
        md.append("✓ meets its goal, **✗** misses it; a figure without a mark is reported, with no goal. A list"
                + " gives each measured run's figure where they differ.\n\n");
        explain(md, present);
    }

    private List<Report.Run> runsOf(Arbiter a) {
        return parts.runs().stream().filter(r -> r.get("tool").equals(a.tool())).toList();
    }

    private void table(StringBuilder md, Arbiter a) throws IOException {
        Parts.Part part = parts.present().stream().filter(p -> p.name().equals(a.part())).findFirst().orElse(null);
        Path window = parts.file("window-" + a.tool() + ".txt");
        double windowLimitMs = window == null ? Double.NaN : Double.parseDouble(Files.readString(window).strip()) + 1000;
        List<Report.Run> runs = runsOf(a);
        md.append("### keeper with ").append(a.with()).append(" (part ").append(a.part()).append(")\n\n")
                .append("| scenario | replication | measured | writes accepted by two servers at once |"
                        + " acknowledged commits lost | time to writable (s): median (worst) |"
                        + " longest write gap (s): median (worst) | old partner streams again after heal / reboot (s):"
                        + " median (worst) | unexpected promotions |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Row row : a.rows()) {
            for (String repl : List.of("async", "sync")) {
                List<Report.Run> g = runs.stream().filter(r -> r.get("scenario").equals(row.scenario())
                        && r.get("replication").equals(repl)).toList();
                if (!g.isEmpty()) {
                    append(md, row, row.label(part), repl, g, windowLimitMs);
                }
            }
        }
        md.append("\n");
    }

    private static void append(StringBuilder md, Row row, String label, String repl, List<Report.Run> g,
                               double windowLimitMs) {
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
        md.append("| ").append(label).append(" | ").append(repl).append(" | ").append(ok.size()).append("/")
                .append(g.size()).append(" | ").append(twoWriters(ok)).append(" | ")
                .append(row.scenario().equals("reboot") ? "–" : perRun(ok, "missing_acks", lostGoal)).append(" | ")
                .append(writable).append(" | ").append(row.scenario().equals("reboot") ? "–" : gap).append(" | ")
                .append(medianWorst(ok, "rejoin_ms")).append(" | ").append(perRun(ok, "false_failovers", v -> v == 0))
                .append(" |\n");
    }

    private static void explain(StringBuilder md, List<Arbiter> present) {
        md.append("Each run: fresh containers, node1 (primary), node2 (standby), the arbiter (")
                .append(present.stream().map(a -> "for " + a.with() + ": " + a.hosts()).collect(Collectors.joining("; ")))
                .append("), the load client of the failover runs, each node created with `--cap-add NET_ADMIN`; a cut"
                        + " is iptables `DROP` rules inside node1, both ways.\n\n")
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
                        + " fault to the end of the run. Goal for 5., 5b. and 5c.: about 1 s (every run checked against "
                        + Report.fmt(ARBITER_GAP_LIMIT_MS / 1000.0) + " s).\n")
                .append("- **old partner streams again**: after the heal (2., 3.) or the container start (4.), until the"
                        + " primary's WAL sender streams to the other node and that node's WAL receiver streams the"
                        + " primary's current timeline (with `on_superseded = rejoin`, keeper rewinds a superseded"
                        + " old primary first).\n")
                .append("- **unexpected promotions**: timelines the pair moved on by (history files in `pg_wal` of"
                        + " either node), beyond the one failover 1. and 3. expect; for 6., counted while the primary"
                        + " and the arbiter (or its majority) were down; for 4., counted after the reboot.\n")
                .append("- Goals: 0 writes by two servers at once and 0 unexpected promotions everywhere; 0 lost"
                        + " acknowledged commits with synchronous replication, and for 2., 5., 5b. and 5c. also with"
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
