package io.keeper.e2e;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An application that commits one numbered row at a fixed interval on whichever node takes it (the node that
 * took the previous one first), and remembers every commit the server acknowledged: afterwards the surviving
 * primary must hold each of them, or keeper lost an acknowledged commit.
 */
final class AckedWriter implements AutoCloseable {

    /** One acknowledged commit: its number, the node that acknowledged it, and when (test-process nanoTime). */
    record Ack(long seq, String node, long sentNanos, long returnedNanos) {
    }

    private final List<PgNode> nodes;
    private final Duration interval;
    private final List<Ack> acks = new ArrayList<>();
    private final Connection[] connections;
    private final Thread thread;
    private volatile boolean running = true;
    private long seq;
    private int preferred;
    private int failures;

    private AckedWriter(Duration interval, List<PgNode> nodes) {
        this.nodes = nodes;
        this.interval = interval;
        this.connections = new Connection[nodes.size()];
        this.thread = new Thread(this::loop, "acked-writer");
        thread.setDaemon(true);
    }

    /** Creates e2e_acked on {@code primary} and starts writing to the nodes. */
    static AckedWriter start(Duration interval, PgNode primary, PgNode... others) {
        Sql.execute(primary, "CREATE TABLE IF NOT EXISTS e2e_acked (seq bigint PRIMARY KEY, node text,"
                + " at timestamptz DEFAULT clock_timestamp())");
        List<PgNode> nodes = new ArrayList<>(List.of(primary));
        nodes.addAll(List.of(others));
        AckedWriter writer = new AckedWriter(interval, nodes);
        writer.seq = Long.parseLong(Sql.value(primary, "SELECT coalesce(max(seq), 0) FROM e2e_acked")); // a reused pair
        writer.thread.start();
        return writer;
    }

    synchronized List<Ack> acks() {
        return List.copyOf(acks);
    }

    /** Waits until at least {@code n} more commits were acknowledged than now. */
    void awaitMoreAcks(int n, Duration max) {
        int target = acks().size() + n;
        Await.until(n + " more acknowledged commits", max, () -> acks().size() >= target);
    }

    /** The acknowledged commits that {@code survivor} does not hold. */
    List<Long> lostOn(PgNode survivor) {
        Set<Long> present = new HashSet<>();
        for (var row : Sql.rows(survivor, "SELECT seq FROM e2e_acked")) {
            present.add(Long.parseLong(row.get("seq")));
        }
        return acks().stream().map(Ack::seq).filter(s -> !present.contains(s)).toList();
    }

    /** The longest time between two consecutive acknowledged commits, in ms. */
    long longestGapMs() {
        List<Ack> all = acks();
        long gap = 0;
        for (int i = 1; i < all.size(); i++) {
            gap = Math.max(gap, all.get(i).returnedNanos() - all.get(i - 1).returnedNanos());
        }
        return Duration.ofNanos(gap).toMillis();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(Duration.ofSeconds(20).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Connection c : connections) {
            closeQuietly(c);
        }
    }

    @Override
    public String toString() {
        List<Ack> all = acks();
        long first = all.stream().filter(a -> a.node().equals(nodes.get(0).name())).count();
        return seq + " commits tried, " + all.size() + " acknowledged (" + first + " by " + nodes.get(0) + "), "
                + failures + " attempts failed, longest gap " + longestGapMs() + " ms";
    }

    private void loop() {
        while (running) {
            long started = System.nanoTime();
            long mine = ++seq;
            for (int i = 0; i < nodes.size() && running; i++) {
                int at = (preferred + i) % nodes.size();
                long sent = System.nanoTime();
                if (commit(at, mine)) {
                    synchronized (this) {
                        acks.add(new Ack(mine, nodes.get(at).name(), sent, System.nanoTime()));
                    }
                    preferred = at;
                    break;
                }
            }
            if (!WriteRecorder.sleepRestOf(interval, started)) {
                return;
            }
        }
    }

    /** True when the server acknowledged the commit; any error (read-only, gone, timed out) is "not acknowledged". */
    private boolean commit(int at, long number) {
        try {
            if (connections[at] == null) {
                connections[at] = nodes.get(at).connectForLongWait(Duration.ofSeconds(2));
            }
            try (PreparedStatement st = connections[at].prepareStatement(
                    "INSERT INTO e2e_acked (seq, node) VALUES (?, ?)")) {
                st.setLong(1, number);
                st.setString(2, nodes.get(at).name());
                st.executeUpdate();
            }
            return true;
        } catch (SQLException e) {
            failures++;
            closeQuietly(connections[at]);
            connections[at] = null;
            return false;
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the connection is being replaced
            }
        }
    }
}
