package io.keeper.role;

import io.keeper.heartbeat.ServerState;
import java.time.Duration;

/**
 * On a standby: when WAL last arrived from the primary, on keeper's monotonic clock. It is dated from the WAL
 * receiver's last message when the receiver runs. When the receiver has already gone (a primary that died with a
 * reset connection) and keeper only sees that the received position moved since its previous look, the arrival
 * lies between the two looks: with a witness it is dated at the later one, because the primary's failsafe relies
 * on this never being earlier than the arrival of the WAL it wrote (a postmaster crash may then take up to one
 * keepalive_time longer to fail over); without a witness nothing relies on it and the earlier look is used.
 */
final class WalArrival {

    private final boolean late;
    private Long lastHeardNanos;
    private long lastReceivedLsn = -1;
    private long lastLookNanos;

    /** @param late date a position that moved without a receiver at the later look (with a witness) */
    WalArrival(boolean late) {
        this.late = late;
    }

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
            heard = late ? answeredNanos : lastLookNanos;
        }
        if (heard != null && (lastHeardNanos == null || heard - lastHeardNanos > 0)) {
            lastHeardNanos = heard;
        }
        lastReceivedLsn = lsn;
        lastLookNanos = answeredNanos;
    }

    /** ms since WAL last arrived, or null when none arrived since keeper started. */
    Long msSince(long nowNanos) {
        return lastHeardNanos == null ? null : Duration.ofNanos(nowNanos - lastHeardNanos).toMillis();
    }
}
