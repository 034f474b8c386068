package io.keeper.e2e;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls a condition every 200 ms until it holds or a deadline passes, so tests never sleep blindly. */
public final class Await {
    private static final Duration POLL = Duration.ofMillis(200);

    private Await() {
    }

    /** Waits until {@code condition} is true; an exception thrown by it counts as "not yet". */
    public static void until(String what, Duration max, BooleanSupplier condition) {
        until(what, max, condition::getAsBoolean, Boolean::booleanValue);
    }

    /**
     * Waits until {@code probe} returns a value accepted by {@code done} and returns that value. On
     * timeout the message names {@code what} and the last value (or exception) observed.
     */
    public static <T> T until(String what, Duration max, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + max.toNanos();
        Object last = "nothing observed";
        while (true) {
            try {
                T value = probe.get();
                if (done.test(value)) {
                    return value;
                }
                last = value;
            } catch (RuntimeException e) {
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("Timed out after " + max.toMillis() + " ms waiting for "
                        + what + "; last observed: " + last);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("Interrupted while waiting for " + what, e);
            }
        }
    }
}
