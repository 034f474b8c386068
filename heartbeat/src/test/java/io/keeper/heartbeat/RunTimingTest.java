package io.keeper.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Noticing heartbeat runs that start late because the process stalled; time is given explicitly. */
class RunTimingTest {

    private static final long MS = 1_000_000L;
    /** An arbitrary, non-zero nanoTime origin. */
    private static final long T0 = 987_654_321_000L;

    @Test
    void firstRunIsNeverLate() {
        RunTiming timing = new RunTiming(Duration.ofSeconds(1));

        assertEquals(Duration.ZERO, timing.runStarted(T0));
        assertEquals(Duration.ZERO, new RunTiming(Duration.ofSeconds(1)).runStarted(Long.MAX_VALUE));
    }

    @Test
    void runOnScheduleIsNotLate() {
        RunTiming timing = new RunTiming(Duration.ofSeconds(1));
        timing.runStarted(T0);
        timing.runEnded(T0 + 30 * MS);

        assertEquals(Duration.ZERO, timing.runStarted(T0 + 1000 * MS));
    }

    @Test
    void runRightAfterAnOverrunningRunIsNotLate() {
        RunTiming timing = new RunTiming(Duration.ofSeconds(1));
        timing.runStarted(T0);
        timing.runEnded(T0 + 5000 * MS);

        assertEquals(Duration.ZERO, timing.runStarted(T0 + 5001 * MS));
    }

    @Test
    void marginIsHalfTheIntervalPlus200Ms() {
        assertEquals(Duration.ofMillis(700), new RunTiming(Duration.ofSeconds(1)).margin());
        assertEquals(Duration.ofMillis(250), new RunTiming(Duration.ofMillis(100)).margin());
    }

    @Test
    void gapUpToIntervalPlusMarginIsNotLate() {
        RunTiming timing = new RunTiming(Duration.ofSeconds(1));
        timing.runEnded(T0);

        assertEquals(Duration.ZERO, timing.runStarted(T0 + 1700 * MS));
    }

    @Test
    void gapLongerThanIntervalPlusMarginIsLateByGapMinusInterval() {
        RunTiming timing = new RunTiming(Duration.ofSeconds(1));
        timing.runEnded(T0);

        assertEquals(Duration.ofNanos(700 * MS + 1), timing.runStarted(T0 + 1700 * MS + 1));
        assertEquals(Duration.ofSeconds(9), timing.runStarted(T0 + 10_000 * MS));
    }

    @Test
    void latenessIsMeasuredFromTheEndOfThePreviousRun() {
        RunTiming timing = new RunTiming(Duration.ofSeconds(1));
        timing.runStarted(T0);
        timing.runEnded(T0 + 3000 * MS);
        timing.runStarted(T0 + 3100 * MS);
        timing.runEnded(T0 + 3150 * MS);

        assertEquals(Duration.ofMillis(4000), timing.runStarted(T0 + 8150 * MS));
    }

    @Test
    void setIntervalChangesTheThreshold() {
        RunTiming timing = new RunTiming(Duration.ofSeconds(1));
        timing.runEnded(T0);
        long start = T0 + 2000 * MS;
        assertEquals(Duration.ofSeconds(1), timing.runStarted(start));

        timing.setInterval(Duration.ofSeconds(2));

        assertEquals(Duration.ZERO, timing.runStarted(start));
        assertEquals(Duration.ZERO, timing.runStarted(T0 + 3200 * MS));
        assertEquals(Duration.ofMillis(1300), timing.runStarted(T0 + 3300 * MS));
    }

    @Test
    void shorterIntervalMakesTheSameGapLate() {
        RunTiming timing = new RunTiming(Duration.ofSeconds(10));
        timing.runEnded(T0);
        long start = T0 + 3000 * MS;
        assertEquals(Duration.ZERO, timing.runStarted(start));

        timing.setInterval(Duration.ofSeconds(1));

        assertEquals(Duration.ofSeconds(2), timing.runStarted(start));
    }
}
