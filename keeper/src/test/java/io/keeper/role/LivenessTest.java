package io.keeper.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** When keeper's heartbeat counts as hung for systemd's watchdog, on a fake clock. */
class LivenessTest {

    private static final Duration KEEPALIVE = Duration.ofSeconds(1);
    private final AtomicLong clock = new AtomicLong(5_000_000_000L);
    private final Liveness liveness = new Liveness(clock::get);

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void runsThatKeepComingAreAlive() {
        assertFalse(liveness.started());
        for (int i = 0; i < 100; i++) {
            liveness.runStarted();
            advance(Duration.ofMillis(30));
            liveness.acting();
            advance(Duration.ofMillis(2));
            liveness.runEnded();
            assertNull(liveness.stuck(KEEPALIVE));
            advance(KEEPALIVE);
        }
        assertTrue(liveness.started());
        assertEquals(0, liveness.runnerStack().length, "no run going on");
    }

    @Test
    void runsThatStopStartingAreStuckAfterTwoIntervalsAndTheSlack() {
        liveness.runStarted();
        liveness.runEnded();
        advance(Duration.ofSeconds(12));
        assertNull(liveness.stuck(KEEPALIVE));
        advance(Duration.ofMillis(1));
        assertEquals("no heartbeat run has started for 12001 ms (limit 12000 ms)", liveness.stuck(KEEPALIVE));
    }

    @Test
    void aLookThatOverrunsEveryProbeDeadlineIsStuck() {
        liveness.runStarted();
        advance(Duration.ofSeconds(15));
        assertNull(liveness.stuck(KEEPALIVE));
        advance(Duration.ofMillis(1));
        assertEquals("a run has been looking for 15001 ms (limit 15000 ms)", liveness.stuck(KEEPALIVE));
        assertTrue(liveness.runnerStack().length > 0, "where the run is, for the log");
    }

    @Test
    void anActionMayTakeAsLongAsARejoinBeforeItCountsAsStuck() {
        liveness.runStarted();
        advance(Duration.ofMillis(20));
        liveness.acting();
        advance(Duration.ofMinutes(6));
        assertNull(liveness.stuck(KEEPALIVE), "a pg_rewind and restart may take minutes");
        advance(Duration.ofMinutes(1).plusMillis(1));
        assertEquals("an action has been running for 420001 ms (limit 420000 ms)", liveness.stuck(KEEPALIVE));
        liveness.runEnded();
        assertNull(liveness.stuck(KEEPALIVE), "it ended");
    }

    @Test
    void aKeeperWhoseFirstRunNeverStartsIsStuckToo() {
        advance(Duration.ofSeconds(13));
        assertEquals("no heartbeat run has started for 13000 ms (limit 12000 ms)", liveness.stuck(KEEPALIVE));
    }
}
