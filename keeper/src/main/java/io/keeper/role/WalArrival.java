package io.keeper.role;

import io.keeper.heartbeat.ServerState;
import java.time.Duration;

/**
 * On a standby: when WAL last arrived from the primary, on keeper's monotonic clock. It is dated from the WAL
 * receiver's last message when the receiver runs, and from the moment keeper saw the received position move when
 * the receiver has already gone (a primary that dies with a reset connection), which errs on the late side: the
 * primary's failsafe relies on this never being earlier than the arrival of the WAL it wrote.
 */
final class WalArrival {

    private Long lastHeardNanos;
    private long lastReceivedLsn = -1;

    /** Notes one look at the local server, answered at {@code answeredNanos}. */
    void note(ServerState me, long answeredNanos) {
        if (!me.inRecovery()) {
            lastHeardNanos = null;
            lastReceivedLsn = -1;
            return;
        }
        long lsn = me.lsnBytes();
        Long age = me.walReceiverAgeMs();
        Long heard = null;
        if (age != null) {
            heard = answeredNanos - Duration.ofMillis(Math.max(0, age)).toNanos();
        } else if (lastReceivedLsn >= 0 && lsn > lastReceivedLsn) {
            heard = answeredNanos;
        }
        if (heard != null && (lastHeardNanos == null || heard - lastHeardNanos > 0)) {
            lastHeardNanos = heard;
        }
        lastReceivedLsn = lsn;
    }

    /** ms since WAL last arrived, or null when none arrived since keeper started. */
    Long msSince(long nowNanos) {
        return lastHeardNanos == null ? null : Duration.ofNanos(nowNanos - lastHeardNanos).toMillis();
    }
}
