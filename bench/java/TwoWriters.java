import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the times when two servers accepted writes at once, from the {@link Probe} log {@code probes.csv}
 * of one run. Part of {@link Analyze}.
 *
 * <p>A node's <em>writable period</em> runs from the moment its probe sent the first of a series of
 * acknowledged writes to the moment the last of them returned, with no refused or failed attempt between
 * (so a period is never stretched over a time the node refused writes). Where periods of two nodes
 * intersect, both servers took writes: the intersections are the overlap, and every acknowledged write
 * (on either node) whose attempt touches one is a write accepted while two servers accepted writes. The
 * bounds are the attempts' send and return times, so an overlap is never missed within one attempt; at
 * most {@value Probe#EVERY_MS} ms between attempts can go unseen.
 */
final class TwoWriters {
    record Attempt(String host, long sent, long returned, boolean ok) {
    }

    record Period(String host, long from, long to) {
    }

    /** One time both servers took writes: {@code [from, to]} and the writes acknowledged in it. */
    record Overlap(long from, long to, long writes) {
        long ms() {
            return to - from;
        }
    }

    private final Map<String, List<Attempt>> byHost = new LinkedHashMap<>();

    private TwoWriters() {
    }

    /** Reads {@code probes.csv} of a run; an absent file reads as no attempt. */
    static TwoWriters read(Path dir) throws IOException {
        TwoWriters t = new TwoWriters();
        Path file = dir.resolve("probes.csv");
        if (!Files.exists(file)) {
            return t;
        }
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(",");
            if (f.length == 5) { // the client may have been stopped mid-line
                t.byHost.computeIfAbsent(f[0], h -> new ArrayList<>())
                        .add(new Attempt(f[0], Long.parseLong(f[2]), Long.parseLong(f[3]), f[4].equals("ok")));
            }
        }
        t.byHost.values().forEach(l -> l.sort((a, b) -> Long.compare(a.sent(), b.sent())));
        return t;
    }

    boolean isEmpty() {
        return byHost.isEmpty();
    }

    /** Acknowledged probe writes on {@code host} sent at or after {@code fromMs}. */
    long acceptedOn(String host, long fromMs) {
        return byHost.getOrDefault(host, List.of()).stream().filter(a -> a.ok() && a.sent() >= fromMs).count();
    }

    List<Period> periods() {
        List<Period> periods = new ArrayList<>();
        for (List<Attempt> attempts : byHost.values()) {
            Attempt first = null;
            Attempt last = null;
            for (Attempt a : attempts) {
                if (a.ok()) {
                    first = first == null ? a : first;
                    last = a;
                } else if (first != null) {
                    periods.add(new Period(a.host(), first.sent(), last.returned()));
                    first = null;
                }
            }
            if (first != null) {
                periods.add(new Period(first.host(), first.sent(), last.returned()));
            }
        }
        return periods;
    }

    /** Every intersection of two nodes' writable periods, in time order. */
    List<Overlap> overlaps() {
        List<Period> periods = periods();
        List<Overlap> overlaps = new ArrayList<>();
        for (int i = 0; i < periods.size(); i++) {
            for (int j = i + 1; j < periods.size(); j++) {
                Period p = periods.get(i);
                Period q = periods.get(j);
                long from = Math.max(p.from(), q.from());
                long to = Math.min(p.to(), q.to());
                if (!p.host().equals(q.host()) && from <= to) {
                    overlaps.add(new Overlap(from, to, writesWithin(from, to)));
                }
            }
        }
        overlaps.sort((a, b) -> Long.compare(a.from(), b.from()));
        return overlaps;
    }

    private long writesWithin(long from, long to) {
        return byHost.values().stream().flatMap(List::stream)
                .filter(a -> a.ok() && a.sent() <= to && a.returned() >= from).count();
    }
}
