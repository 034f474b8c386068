package io.keeper.role;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Keeps a state that holds for many runs (a partner unreachable, a promotion blocked) from writing a line at every
 * run: {@link #due} says yes when the state starts or changes, then once per summary interval, and {@link #summary}
 * says how often it held in between. A 12-hour outage at 1 s probes writes a few hundred lines instead of 43,200;
 * /status and /metrics are updated at every run as before.
 */
final class RepeatedLog {

    /** How often a state that holds is logged again. */
    static final Duration SUMMARY_EVERY = Duration.ofMinutes(5);

    private final LongSupplier nanoTime;
    private String state;
    private long sinceNanos;
    private long loggedNanos;
    private int quiet;
    private int quietSinceSummary;

    RepeatedLog(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** True when a line about {@code state} is due now: it is new, or SUMMARY_EVERY has passed since the last line. */
    boolean due(String state) {
        long now = nanoTime.getAsLong();
        if (!state.equals(this.state)) {
            this.state = state;
            sinceNanos = now;
            loggedNanos = now;
            quiet = 0;
            quietSinceSummary = 0;
            return true;
        }
        if (now - loggedNanos >= SUMMARY_EVERY.toNanos()) {
            loggedNanos = now;
            quietSinceSummary = quiet;
            quiet = 0;
            return true;
        }
        quiet++;
        return false;
    }

    /** For a line {@link #due} allowed: "" for a new state, else " (the same N more times, for M s)". */
    String summary() {
        if (quietSinceSummary == 0 && loggedNanos == sinceNanos) {
            return "";
        }
        return " (the same " + quietSinceSummary + " more time(s) since the last line; for "
                + Duration.ofNanos(loggedNanos - sinceNanos).toSeconds() + " s in all)";
    }

    /** The state ended: the next line about any state is due at once. */
    void reset() {
        state = null;
    }
}
