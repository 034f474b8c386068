package io.keeper.role;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Until when a primary with a witness may take writes, on its own monotonic clock: extended by each successful
 * lease renewal (from the moment it was sent) and by the failsafe (the standby has received this primary's latest
 * WAL, so it cannot promote for a while). A watchdog thread fires at the deadline, whatever the heartbeat is doing
 * at that moment, so a slow run or a hung action cannot keep a primary writing past it.
 */
final class WritePermission implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WritePermission.class);

    private final LongSupplier nanoTime;
    private final ScheduledExecutorService watchdog;
    private final Runnable onExpiry;
    private long untilNanos;
    private boolean granted;
    private String grantedBy = "";
    private ScheduledFuture<?> pending;

    /**
     * @param onExpiry run on the watchdog thread when the permission runs out without being extended; null in
     *                 tests that drive the clock themselves
     */
    WritePermission(LongSupplier nanoTime, Runnable onExpiry) {
        this.nanoTime = nanoTime;
        this.onExpiry = onExpiry;
        this.watchdog = onExpiry == null ? null : Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lease-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    /** Extends the permission to {@code until} (monotonic nanos) when that is later than now's deadline. */
    synchronized void extend(long until, String by) {
        if (granted && until - untilNanos <= 0) {
            return;
        }
        untilNanos = until;
        granted = true;
        grantedBy = by;
        arm();
    }

    /** Forgets the permission: this node is not a primary with a lease any more. */
    synchronized void revoke() {
        granted = false;
        grantedBy = "";
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }

    synchronized boolean allowedNow() {
        return granted && untilNanos - nanoTime.getAsLong() > 0;
    }

    /** ms left (negative once passed), or null when never granted. */
    synchronized Long remainingMs() {
        return granted ? Duration.ofNanos(untilNanos - nanoTime.getAsLong()).toMillis() : null;
    }

    /** "writes allowed for 1830 ms more (lease renewal)" or why they are not. */
    synchronized String describe() {
        if (!granted) {
            return "no lease renewal and no failsafe since keeper started";
        }
        long ms = Duration.ofNanos(untilNanos - nanoTime.getAsLong()).toMillis();
        return ms > 0 ? "writes allowed for " + ms + " ms more (" + grantedBy + ")"
                : "writes no longer allowed: the last extension (" + grantedBy + ") ran out " + -ms + " ms ago";
    }

    private void arm() {
        if (watchdog == null) {
            return;
        }
        if (pending != null) {
            pending.cancel(false);
        }
        long delay = Math.max(0, untilNanos - nanoTime.getAsLong());
        long armedFor = untilNanos;
        pending = watchdog.schedule(() -> fire(armedFor), delay, TimeUnit.NANOSECONDS);
    }

    private void fire(long armedFor) {
        synchronized (this) {
            if (!granted || armedFor != untilNanos || untilNanos - nanoTime.getAsLong() > 0) {
                return; // extended or revoked meanwhile
            }
        }
        LOG.warn("Write permission ran out (last extension: {}); demoting now, without waiting for the heartbeat",
                grantedBy);
        try {
            onExpiry.run();
        } catch (RuntimeException e) {
            LOG.error("Demotion by the lease watchdog failed", e);
        }
    }

    @Override
    public void close() {
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
    }
}
