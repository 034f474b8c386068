package io.keeper.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BackupProgressTest {

    private final AtomicLong clock = new AtomicLong();

    @Test
    void readsPgBasebackupProgressLines() {
        assertEquals(Optional.of(new BackupProgress.Sample(1024L * 1024, 4L * 1024 * 1024)),
                BackupProgress.parse("   1024/4096 kB (25%), 0/1 tablespace"));
        assertEquals(Optional.of(new BackupProgress.Sample(30_000L * 1024, 30_000L * 1024)),
                BackupProgress.parse("30000/30000 kB (100%), 1/1 tablespace"));
        assertEquals(Optional.of(new BackupProgress.Sample(512L * 1024, 2048L * 1024)),
                BackupProgress.parse("512/2048 kB (25%), 0/2 tablespaces (/srv/ts1/PG_15_202209061/16384)"));
        assertEquals(Optional.empty(), BackupProgress.parse("pg_basebackup: error: could not connect to server"));
        assertEquals(Optional.empty(), BackupProgress.parse("waiting for checkpoint"));
    }

    @Test
    void showsALineAtMostEveryFiveSecondsWithRateAndTimeLeft() {
        BackupProgress progress = new BackupProgress(clock::get);
        clock.set(Duration.ofSeconds(1).toNanos());
        assertEquals(Optional.empty(), progress.update(sample(10, 100)), "one second in: too early");
        clock.set(Duration.ofSeconds(5).toNanos());
        assertEquals(Optional.of("copied 50.0 MB of about 200.0 MB (25%) at 10.0 MB/s, about 15 s left"),
                progress.update(sample(50, 200)));
        clock.set(Duration.ofSeconds(8).toNanos());
        assertEquals(Optional.empty(), progress.update(sample(80, 200)), "three seconds after the last line");
        clock.set(Duration.ofSeconds(10).toNanos());
        assertEquals(Optional.of("copied 100.0 MB of about 200.0 MB (50%) at 10.0 MB/s, about 10 s left"),
                progress.update(sample(100, 200)));
        clock.set(Duration.ofSeconds(20).toNanos());
        progress.update(sample(200, 200));
        assertEquals(Optional.of("copied 200.0 MB in 20.0 s (10.0 MB/s)"), progress.finish());
    }

    @Test
    void saysNothingWithoutASample() {
        assertEquals(Optional.empty(), new BackupProgress(clock::get).finish());
    }

    @Test
    void humanSizesAndDurations() {
        assertEquals("812 kB", BackupProgress.human(812 * 1024));
        assertEquals("1.50 GB", BackupProgress.human(3L << 29));
        assertEquals("3 min 5 s", BackupProgress.duration(Duration.ofSeconds(185)));
        assertEquals("2 h 10 min", BackupProgress.duration(Duration.ofMinutes(130)));
        assertTrue(BackupProgress.describe(sample(0, 100), 1).endsWith("/s"), "no time left estimated from nothing");
    }

    private static BackupProgress.Sample sample(long doneMb, long totalMb) {
        return new BackupProgress.Sample(doneMb << 20, totalMb << 20);
    }
}
