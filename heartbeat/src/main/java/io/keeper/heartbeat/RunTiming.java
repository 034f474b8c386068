package io.keeper.heartbeat;

import java.time.Duration;

/**
 * Notices heartbeat runs that start late because this process or its host stalled (GC pause, frozen VM):
 * a run is late when the gap since the previous run ended exceeds the interval by more than a margin.
 * A run that follows an overrunning run is not late: it starts as soon as the previous one ends.
 */
public final class RunTiming {

    private volatile Duration interval;
    private long lastEndNanos;
    private boolean hasRun;

    public RunTiming(Duration interval) {
        this.interval = interval;
    }

    public void setInterval(Duration interval) {
        this.interval = interval;
    }

    /** The allowed slack past the interval before a run counts as late. */
    public Duration margin() {
        return Duration.ofMillis(interval.toMillis() / 2 + 200);
    }

    /** Called when a run starts; returns how late it is, or Duration.ZERO when on time. */
    public Duration runStarted(long nowNanos) {
        if (!hasRun) {
            return Duration.ZERO;
        }
        long gap = nowNanos - lastEndNanos;
        long allowed = interval.toNanos() + margin().toNanos();
        return gap > allowed ? Duration.ofNanos(gap - interval.toNanos()) : Duration.ZERO;
    }

    public void runEnded(long nowNanos) {
        lastEndNanos = nowNanos;
        hasRun = true;
    }
}
