package io.keeper.e2e;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Inserts a row into one node's e2e_probe at a fixed interval on a thread of its own and records, for
 * every attempt, when it was sent, when it returned and whether it committed: the proof of when a
 * node took writes.
 */
final class WriteRecorder implements AutoCloseable {

    /** One INSERT: test-process nanoTime before sending and after the answer; sqlState null when it committed. */
    record Attempt(long sentNanos, long returnedNanos, String sqlState, String message) {
        boolean accepted() {
            return sqlState == null;
        }

        boolean refusedAsReadOnly() {
            return SplitBrainChecks.READ_ONLY.equals(sqlState);
        }
    }

    private final PgNode node;
    private final Duration interval;
    private final List<Attempt> attempts = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    private WriteRecorder(PgNode node, Duration interval) {
        this.node = node;
        this.interval = interval;
        this.thread = new Thread(this::loop, "writes-to-" + node);
        thread.setDaemon(true);
    }

    /** Starts writing to {@code node} every {@code interval}; e2e_probe must already exist there. */
    static WriteRecorder start(PgNode node, Duration interval) {
        WriteRecorder recorder = new WriteRecorder(node, interval);
        recorder.thread.start();
        return recorder;
    }

    /** A copy of the attempts so far, oldest first. */
    synchronized List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    Optional<Attempt> first(Predicate<Attempt> which) {
        return attempts().stream().filter(which).findFirst();
    }

    Optional<Attempt> last(Predicate<Attempt> which) {
        List<Attempt> all = attempts();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (which.test(all.get(i))) {
                return Optional.of(all.get(i));
            }
        }
        return Optional.empty();
    }

    /** Stops after the attempt in flight; idempotent. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(Duration.ofSeconds(15).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        List<Attempt> all = attempts();
        long accepted = all.stream().filter(Attempt::accepted).count();
        return "writes to " + node + ": " + all.size() + " attempts, " + accepted + " committed";
    }

    private void loop() {
        while (running) {
            long sent = System.nanoTime();
            Optional<SQLException> error = node.tryWrite();
            Attempt attempt = new Attempt(sent, System.nanoTime(),
                    error.map(SQLException::getSQLState).map(s -> s == null ? "none" : s).orElse(null),
                    error.map(SQLException::getMessage).orElse(null));
            synchronized (this) {
                attempts.add(attempt);
            }
            if (!sleepRestOf(interval, sent)) {
                return;
            }
        }
    }

    /** Sleeps what is left of {@code interval} since {@code startedNanos}; false when interrupted. */
    static boolean sleepRestOf(Duration interval, long startedNanos) {
        long pause = interval.toNanos() - (System.nanoTime() - startedNanos);
        if (pause > 0) {
            try {
                Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
