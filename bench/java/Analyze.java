import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns one run's raw files (written by LoadClient and the orchestrator) into figures.
 *
 * <ul>
 *   <li>{@code Analyze failover RUN_DIR}: reads {@code fault} (ms), {@code acks.csv}, {@code sessions.csv}
 *       and {@code ids.txt} (the ids on the surviving primary); prints
 *       {@code recovery_ms,missing_acks,acked_commits,recovered_on,longest_stall_ms,note} and writes
 *       {@code timeline.csv} ({@code offset_ms,acks} per 100 ms bucket around the fault). The node
 *       that took the last commit is the surviving primary; recovery is the first commit it
 *       acknowledged on a connection opened after the fault (the note says when another node took
 *       commits first).</li>
 *   <li>{@code Analyze freeze RUN_DIR}: reads {@code pauses.csv} ({@code start_ms,end_ms}) and
 *       {@code acks.csv}; prints {@code longest_stall_ms,acked_commits,missing_acks} (missing needs
 *       {@code ids.txt}).</li>
 *   <li>{@code Analyze splitbrain RUN_DIR} and {@code Analyze splitbrain-failover RUN_DIR}: also reads
 *       {@code probes.csv} and {@code reboot}; prints {@code recovery_ms,missing_acks,acked_commits,
 *       last_host,longest_stall_ms,two_writers_acks,two_writers_ms,after_reboot_acks,
 *       after_reboot_two_writers_ms,note} (recovery only with {@code -failover}); see
 *       {@link #splitBrain}.</li>
 * </ul>
 * Exits 1 with a message when the run cannot be measured (no recovery, no acks).
 */
public final class Analyze {
    private static final long BUCKET_MS = 100;
    private static final long TIMELINE_BEFORE_MS = 1000;
    private static final long TIMELINE_AFTER_RECOVERY_MS = 2000;

    record Ack(long id, long ms, String host, long session) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            fail("usage: Analyze failover|freeze|splitbrain|splitbrain-failover RUN_DIR");
        }
        Path dir = Path.of(args[1]);
        switch (args[0]) {
            case "failover" -> failover(dir);
            case "freeze" -> freeze(dir);
            case "splitbrain-failover" -> splitBrain(dir, true);
            case "splitbrain" -> splitBrain(dir, false);
            default -> fail("unknown analysis " + args[0]);
        }
    }

    private static void failover(Path dir) throws IOException {
        long fault = Long.parseLong(Files.readString(dir.resolve("fault")).strip());
        List<Ack> acks = acks(dir);
        Recovery r = recovery(dir, acks, fault);
        long missing = missing(dir, acks);
        long stall = longestGap(acks, fault - 1000, Long.MAX_VALUE);
        System.out.println((r.first().ms() - fault) + "," + missing + "," + acks.size() + "," + r.first().host() + ","
                + stall + "," + r.note());
        writeTimeline(dir, acks, fault, r.first().ms() - fault);
    }

    /** The first commit the surviving primary acknowledged after the fault, and a note when another came first. */
    record Recovery(Ack first, String note) {
    }

    private static Recovery recovery(Path dir, List<Ack> acks, long fault) throws IOException {
        Set<Long> afterFault = new HashSet<>();
        for (String line : Files.readAllLines(dir.resolve("sessions.csv"))) {
            String[] f = line.split(",");
            if (f.length == 3 && Long.parseLong(f[1]) > fault) {
                afterFault.add(Long.parseLong(f[0]));
            }
        }
        String survivor = acks.get(acks.size() - 1).host();
        Ack firstAny = null;
        Ack first = null;
        for (Ack a : acks) {
            if (afterFault.contains(a.session())) {
                if (firstAny == null) {
                    firstAny = a;
                }
                if (a.host().equals(survivor)) {
                    first = a;
                    break;
                }
            }
        }
        if (first == null) {
            fail("no commit was acknowledged on a session opened after the fault");
        }
        if (acks.stream().noneMatch(a -> a.ms() <= fault)) {
            fail("no commit was acknowledged before the fault");
        }
        String note = firstAny.host().equals(survivor) ? ""
                : "writes resumed on " + firstAny.host() + " after " + (firstAny.ms() - fault) + " ms; then on "
                        + survivor;
        return new Recovery(first, note);
    }

    /**
     * A split-brain run: the load client's acks, and the probes' log for writes accepted by two servers at
     * once (see {@link TwoWriters}). With {@code failover}, recovery is measured as for a failover run. An
     * optional file {@code reboot} ({@code MS NODE}) splits the overlaps at the moment NODE's container was
     * started again, and counts the writes NODE acknowledged from then on (probes and load client).
     */
    private static void splitBrain(Path dir, boolean failover) throws IOException {
        long fault = Long.parseLong(Files.readString(dir.resolve("fault")).strip());
        List<Ack> acks = acks(dir);
        TwoWriters writers = TwoWriters.read(dir);
        if (writers.isEmpty()) {
            fail("probes.csv is missing or empty: writes accepted by two servers cannot be counted");
        }
        String recoveryMs = "";
        String note = "";
        if (failover) {
            Recovery r = recovery(dir, acks, fault);
            recoveryMs = String.valueOf(r.first().ms() - fault);
            note = r.note();
            writeTimeline(dir, acks, fault, r.first().ms() - fault);
        }
        long rebootMs = Long.MAX_VALUE;
        String rebooted = "";
        String afterReboot = "";
        Path reboot = dir.resolve("reboot");
        if (Files.exists(reboot)) {
            String[] f = Files.readString(reboot).strip().split(" ");
            rebootMs = Long.parseLong(f[0]);
            rebooted = f[1];
        }
        long[] before = {0, 0};
        long[] after = {0, 0};
        for (TwoWriters.Overlap o : writers.overlaps()) {
            long[] sum = o.from() < rebootMs ? before : after;
            sum[0] += o.writes();
            sum[1] += o.ms();
        }
        if (rebootMs != Long.MAX_VALUE) {
            long mine = rebootMs;
            String node = rebooted;
            long loadAcks = acks.stream().filter(a -> a.host().equals(node) && a.ms() >= mine).count();
            afterReboot = (writers.acceptedOn(node, rebootMs) + loadAcks) + "," + after[1];
        } else {
            afterReboot = ",";
        }
        System.out.println(recoveryMs + "," + missing(dir, acks) + "," + acks.size() + ","
                + acks.get(acks.size() - 1).host() + "," + longestGap(acks, fault - 1000, Long.MAX_VALUE) + ","
                + before[0] + "," + before[1] + "," + afterReboot + "," + note);
    }

    private static void freeze(Path dir) throws IOException {
        List<Ack> acks = acks(dir);
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        for (String line : Files.readAllLines(dir.resolve("pauses.csv"))) {
            String[] f = line.split(",");
            from = Math.min(from, Long.parseLong(f[0]));
            to = Math.max(to, Long.parseLong(f[1]));
        }
        if (from == Long.MAX_VALUE) {
            fail("pauses.csv is empty");
        }
        long last = acks.isEmpty() ? Long.MIN_VALUE : acks.get(acks.size() - 1).ms();
        if (last <= to) {
            fail("no commit was acknowledged after the last freeze ended");
        }
        long missing = Files.exists(dir.resolve("ids.txt")) ? missing(dir, acks) : -1;
        System.out.println(longestGap(acks, from - 1000, Long.MAX_VALUE) + "," + acks.size() + "," + missing);
    }

    /** Acknowledged ids that the surviving primary does not have. */
    private static long missing(Path dir, List<Ack> acks) throws IOException {
        Set<Long> present = new HashSet<>();
        for (String line : Files.readAllLines(dir.resolve("ids.txt"))) {
            if (!line.isBlank()) {
                present.add(Long.parseLong(line.strip()));
            }
        }
        if (present.isEmpty()) {
            fail("ids.txt is empty: the surviving primary was not read");
        }
        long missing = 0;
        for (Ack a : acks) {
            if (!present.contains(a.id())) {
                missing++;
            }
        }
        return missing;
    }

    /** The longest time without an acknowledged commit, between the acks at or after {@code from}. */
    private static long longestGap(List<Ack> acks, long from, long to) {
        long longest = 0;
        long previous = Long.MIN_VALUE;
        for (Ack a : acks) {
            if (a.ms() < from || a.ms() > to) {
                continue;
            }
            if (previous != Long.MIN_VALUE) {
                longest = Math.max(longest, a.ms() - previous);
            }
            previous = a.ms();
        }
        return longest;
    }

    private static void writeTimeline(Path dir, List<Ack> acks, long fault, long recoveryMs) throws IOException {
        long start = -TIMELINE_BEFORE_MS;
        long end = recoveryMs + TIMELINE_AFTER_RECOVERY_MS;
        int buckets = (int) ((end - start) / BUCKET_MS) + 1;
        long[] counts = new long[buckets];
        for (Ack a : acks) {
            long offset = a.ms() - fault;
            if (offset >= start && offset < start + buckets * BUCKET_MS) {
                counts[(int) ((offset - start) / BUCKET_MS)]++;
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < buckets; i++) {
            out.append(start + i * BUCKET_MS).append(',').append(counts[i]).append('\n');
        }
        Files.writeString(dir.resolve("timeline.csv"), out.toString());
    }

    private static List<Ack> acks(Path dir) throws IOException {
        List<Ack> acks = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("acks.csv"))) {
            String[] f = line.split(",");
            if (f.length == 4) { // the client may have been stopped mid-line
                acks.add(new Ack(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2], Long.parseLong(f[3])));
            }
        }
        if (acks.isEmpty()) {
            fail("acks.csv has no acknowledged commit");
        }
        return acks;
    }

    private static void fail(String message) {
        System.err.println("Analyze: " + message);
        System.exit(1);
    }
}
