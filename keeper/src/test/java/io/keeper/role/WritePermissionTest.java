package io.keeper.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The watchdog fires once when the permission runs out, and never when it was extended or revoked in time. */
class WritePermissionTest {

    private static long in(Duration d) {
        return System.nanoTime() + d.toNanos();
    }

    @Test
    void firesOnceAtTheDeadline() throws Exception {
        CountDownLatch fired = new CountDownLatch(1);
        AtomicInteger count = new AtomicInteger();
        try (WritePermission permission = new WritePermission(System::nanoTime, () -> {
            count.incrementAndGet();
            fired.countDown();
        })) {
            long start = System.nanoTime();
            permission.extend(in(Duration.ofMillis(100)), "test");
            assertTrue(permission.allowedNow());
            assertTrue(fired.await(5, TimeUnit.SECONDS));
            long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(ms >= 95, "not before the deadline: " + ms + " ms");
            assertFalse(permission.allowedNow());
            Thread.sleep(200);
            assertEquals(1, count.get());
        }
    }

    @Test
    void anExtensionInTimeOrARevocationKeepsItQuiet() throws Exception {
        AtomicInteger count = new AtomicInteger();
        try (WritePermission permission = new WritePermission(System::nanoTime, count::incrementAndGet)) {
            permission.extend(in(Duration.ofMillis(150)), "renewal 1");
            Thread.sleep(50);
            permission.extend(in(Duration.ofMillis(300)), "renewal 2");
            permission.extend(in(Duration.ofMillis(100)), "an earlier deadline never shortens it");
            Thread.sleep(200);
            assertEquals(0, count.get());
            assertTrue(permission.describe().contains("renewal 2"), permission.describe());
            permission.revoke();
            Thread.sleep(250);
            assertEquals(0, count.get());
            assertFalse(permission.allowedNow());
        }
    }
}
