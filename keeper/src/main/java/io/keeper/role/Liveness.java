package io.keeper.role;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Whether keeper's heartbeat is alive, for systemd's watchdog: runs must keep starting, a run's look must end within
 * its probes' deadlines, and an action (promotion, demotion, rejoin) within the longest wait keeper gives one.
 * Safe to read from any thread.
 */
public final class Liveness {

    /** The longest an action may take: a rejoin's pg_rewind and restart (5 min) and its grace, with room. */
    static final Duration ACTION_LIMIT = Duration.ofMinutes(7);
    /** Slack on top of the keepalive_time-based limits, for a loaded host. */
    static final Duration SLACK = Duration.ofSeconds(10);

    private final LongSupplier nanoTime;
    private final long createdNanos;
    private volatile long runStartedNanos;
    private volatile long actingSinceNanos;
    private volatile long lastEndedNanos;
    private volatile boolean running;
    private volatile boolean acting;
    private volatile Thread runner;

    Liveness(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.createdNanos = nanoTime.getAsLong();
    }

    void runStarted() {
        runStartedNanos = nanoTime.getAsLong();
        runner = Thread.currentThread();
        acting = false;
        running = true;
    }

    void acting() {
        actingSinceNanos = nanoTime.getAsLong();
        acting = true;
    }

    void runEnded() {
        lastEndedNanos = nanoTime.getAsLong();
        running = false;
        acting = false;
    }

    /** True once a run has ended: keeper has started up. */
    public boolean started() {
        return lastEndedNanos != 0;
    }

    /**
     * Why the heartbeat looks hung now, or null while it is alive.
     *
     * @param keepaliveTime the interval between runs, which is also each probe's deadline
     */
    public String stuck(Duration keepaliveTime) {
        long now = nanoTime.getAsLong();
        if (running && acting) {
            return over(now - actingSinceNanos, ACTION_LIMIT, "an action has been running");
        }
        if (running) {
            // a look: the local server, the partner, the arbiter and the failsafe's few re-looks, each bounded
            return over(now - runStartedNanos, keepaliveTime.multipliedBy(5).plus(SLACK), "a run has been looking");
        }
        long idleSince = lastEndedNanos != 0 ? lastEndedNanos : createdNanos;
        return over(now - idleSince, keepaliveTime.multipliedBy(2).plus(SLACK), "no heartbeat run has started");
    }

    private static String over(long nanos, Duration limit, String what) {
        Duration d = Duration.ofNanos(nanos);
        return d.compareTo(limit) > 0 ? what + " for " + d.toMillis() + " ms (limit " + limit.toMillis() + " ms)" : null;
    }

    /** Where the thread of the current (hung) run is, for the log; empty when no run is going on. */
    public StackTraceElement[] runnerStack() {
        Thread t = runner;
        return t == null || !running ? new StackTraceElement[0] : t.getStackTrace();
    }
}
