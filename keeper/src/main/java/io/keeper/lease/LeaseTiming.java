package io.keeper.lease;

import java.time.Duration;

/**
 * How long the lease lasts and how early its holder stops writing, both derived from the detection window.
 *
 * <p>The lease lasts one detection window (keepalive_time × keepalive_count), so a crashed primary's lease has
 * expired by the time the standby has counted its failed probes and a failover is no slower than without a
 * witness. The holder measures its allowance on its own monotonic clock from the moment it <em>sent</em> its last
 * successful renewal, which is before the witness computed the expiry with now(); its watchdog fires {@code margin}
 * before the lease time has passed. The margin covers one last renewal attempt by the watchdog (a quarter of the
 * margin), the demotion's immediate shutdown (up to half of it) and any difference in clock <em>rate</em> between
 * holder and witness (the last quarter); wall-clock offsets play no part. At a window of 3 s the margin is 750 ms,
 * and the rate difference it tolerates is L / (L - margin / 4) - 1 = 6.7 %; a difference of 0.1 % costs 3 ms.
 *
 * @param ttl how long a renewal keeps the lease, by the witness's clock
 * @param margin how much earlier than that the holder gives up writing
 */
public record LeaseTiming(Duration ttl, Duration margin) {

    static final Duration MIN_MARGIN = Duration.ofMillis(200);

    /** A quarter of the window, at least 200 ms, never more than half the window. */
    public static LeaseTiming forWindow(Duration window) {
        Duration quarter = window.dividedBy(4);
        Duration margin = quarter.compareTo(MIN_MARGIN) < 0 ? MIN_MARGIN : quarter;
        Duration half = window.dividedBy(2);
        return new LeaseTiming(window, margin.compareTo(half) > 0 ? half : margin);
    }

    /** How long after sending a successful renewal the holder may take writes. */
    public Duration writeAllowance() {
        return ttl.minus(margin);
    }
}
