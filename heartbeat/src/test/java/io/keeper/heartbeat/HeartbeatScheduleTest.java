package io.keeper.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.quartz.SchedulerException;

/** The heartbeat schedule on a real Quartz scheduler; every wait is bounded by a latch timeout. */
class HeartbeatScheduleTest {

    private static final Duration INTERVAL = Duration.ofMillis(100);

    private final List<HeartbeatSchedule> schedules = new ArrayList<>();

    @AfterEach
    void closeSchedules() {
        schedules.forEach(HeartbeatSchedule::close);
    }

    /**
     * A started schedule. Names are unique because Quartz hands out an existing scheduler of the same
     * name from its JVM-wide repository.
     */
    private HeartbeatSchedule started(Duration interval, Runnable tick) throws SchedulerException {
        HeartbeatSchedule schedule = new HeartbeatSchedule("test-" + UUID.randomUUID(), interval, tick);
        schedules.add(schedule);
        schedule.start(interval);
        return schedule;
    }

    @Test
    void runsRepeatedlyAtTheInterval() throws Exception {
        CountDownLatch fiveRuns = new CountDownLatch(5);
        started(INTERVAL, fiveRuns::countDown);

        assertTrue(fiveRuns.await(2, TimeUnit.SECONDS), "fewer than 5 runs in 2 s at a 100 ms interval");
    }

    @Test
    void runsNeverOverlapEvenWhenARunOverrunsTheInterval() throws Exception {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger mostInside = new AtomicInteger();
        CountDownLatch fourRuns = new CountDownLatch(4);
        started(INTERVAL, () -> {
            mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            try {
                Thread.sleep(250); // a probe that takes 2.5 intervals
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inside.decrementAndGet();
                fourRuns.countDown();
            }
        });

        assertTrue(fourRuns.await(5, TimeUnit.SECONDS));
        assertEquals(1, mostInside.get());
    }

    @Test
    void failingRunDoesNotStopTheSchedule() throws Exception {
        CountDownLatch threeRuns = new CountDownLatch(3);
        started(INTERVAL, () -> {
            threeRuns.countDown();
            throw new IllegalStateException("probe blew up");
        });

        assertTrue(threeRuns.await(2, TimeUnit.SECONDS), "the schedule stopped after a failing run");
    }

    @Test
    void closeStopsTheRunsAndIsIdempotent() throws Exception {
        AtomicBoolean closed = new AtomicBoolean();
        AtomicInteger runsAfterClose = new AtomicInteger();
        CountDownLatch twoRuns = new CountDownLatch(2);
        HeartbeatSchedule schedule = started(INTERVAL, () -> {
            if (closed.get()) {
                runsAfterClose.incrementAndGet();
            }
            twoRuns.countDown();
        });
        assertTrue(twoRuns.await(2, TimeUnit.SECONDS));

        schedule.close();
        closed.set(true);
        schedule.close();

        // One run may already have been handed to a worker thread when close() was called; Quartz lets it start,
        // so one is tolerated. After that, four more intervals without a single run.
        Thread.sleep(INTERVAL.toMillis());
        int settled = runsAfterClose.get();
        assertTrue(settled <= 1, settled + " runs after close()");
        Thread.sleep(4 * INTERVAL.toMillis());
        assertEquals(settled, runsAfterClose.get(), "the schedule kept running after close()");
    }

    @Test
    void closeInterruptsARunningRun() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        HeartbeatSchedule schedule = started(INTERVAL, () -> {
            running.countDown();
            try {
                new CountDownLatch(1).await(30, TimeUnit.SECONDS); // a probe stuck on a dead partner
            } catch (InterruptedException e) {
                interrupted.countDown();
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(running.await(2, TimeUnit.SECONDS));

        schedule.close();

        assertTrue(interrupted.await(2, TimeUnit.SECONDS), "the running heartbeat was not interrupted");
    }

    @Test
    void closeBeforeStartIsHarmlessAndFinal() throws Exception {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        HeartbeatSchedule schedule = new HeartbeatSchedule("test-" + UUID.randomUUID(), INTERVAL, runs::incrementAndGet);

        long begin = System.nanoTime();
        schedule.close();
        schedule.close();
        assertTrue(java.time.Duration.ofNanos(System.nanoTime() - begin).toMillis() < 2000, "close() returns promptly");
        org.junit.jupiter.api.Assertions.assertThrows(org.quartz.SchedulerException.class,
                () -> schedule.start(INTERVAL), "a closed schedule cannot start");
        Thread.sleep(2 * INTERVAL.toMillis());
        assertEquals(0, runs.get(), "nothing ran");
    }

    @Test
    void rescheduleAppliesTheNewIntervalAtOnce() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch firstRun = new CountDownLatch(1);
        CountDownLatch threeMoreRuns = new CountDownLatch(4);
        HeartbeatSchedule schedule = started(Duration.ofMinutes(10), () -> {
            runs.incrementAndGet();
            firstRun.countDown();
            threeMoreRuns.countDown();
        });
        assertTrue(firstRun.await(2, TimeUnit.SECONDS), "the first run starts at once");

        schedule.reschedule(INTERVAL);

        assertTrue(threeMoreRuns.await(2, TimeUnit.SECONDS), "only " + runs.get() + " runs after reschedule");
    }

    @Test
    void missedRunIsSkippedOncePastHalfAnInterval() {
        assertEquals(500, HeartbeatSchedule.misfireThreshold(Duration.ofSeconds(1)));
        assertEquals(50, HeartbeatSchedule.misfireThreshold(Duration.ofMillis(60)));
    }
}
