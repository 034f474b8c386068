package io.keeper.role;

import io.keeper.config.KeeperConfig;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import io.keeper.lease.Lease;
import io.keeper.lease.LeaseException;
import io.keeper.lease.LeaseTiming;
import io.keeper.lease.LeaseView;
import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the witness lease between runs: a primary renews it at every run (and each renewal extends
 * its write permission), a standby reads it; the sync_released flag it keeps; the watchdog's last-chance renewal.
 */
final class LeaseWatch {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseWatch.class);

    private final Lease lease;
    private final Lease watchdogLease;
    private final Supplier<KeeperConfig> config;
    private final LocalServer local;
    private final WritePermission permission;
    private final LongSupplier nanoTime;
    /** The sync_released flag this node last sent with a renewal: the watchdog's renewal must not change it. */
    private volatile boolean syncFlagSent;
    private volatile LeaseView view;
    /** When the witness answered {@link #view}, so its remaining time can be aged to the moment of the decision. */
    private volatile long seenNanos;
    private volatile LeaseState state = LeaseState.NO_ARBITER;
    private volatile String text = "";
    /** After synchronous replication was restored: the position the standby must reach before the flag clears. */
    private long syncCatchUpLsn = -1;
    private boolean lastOk = true;

    LeaseWatch(Lease lease, Lease watchdogLease, Supplier<KeeperConfig> config, LocalServer local,
               WritePermission permission, LongSupplier nanoTime) {
        this.lease = lease;
        this.watchdogLease = watchdogLease;
        this.config = config;
        this.local = local;
        this.permission = permission;
        this.nanoTime = nanoTime;
    }

    private LeaseTiming timing() {
        return LeaseTiming.forWindow(config.get().detectionWindow());
    }

    private String node() {
        return config.get().nodeName();
    }

    /** A primary renews the lease at every run; a standby only reads it. */
    void observe(boolean primary, ServerState me, long cluster) {
        LeaseTiming t = timing();
        long sent = nanoTime.getAsLong();
        try {
            boolean flag = primary && syncReleasedWanted(me);
            LeaseView seen = primary ? lease.renew(cluster, node(), t.ttl(), flag) : lease.read(cluster);
            if (primary) {
                syncFlagSent = flag;
            }
            view = seen;
            seenNanos = nanoTime.getAsLong();
            state = classify(seen);
            text = seen.describe();
            if (primary && state == LeaseState.MINE) {
                permission.extend(sent + t.writeAllowance().toNanos(), "lease renewal, term " + seen.term());
                recordTermOnce(me, seen.term());
            }
            if (!lastOk) {
                LOG.info("{} answers again: lease {}", lease.describe(), text);
                lastOk = true;
            }
        } catch (LeaseException e) {
            state = LeaseState.UNREACHABLE;
            text = e.getMessage();
            if (lastOk) {
                LOG.warn("{}: {}", lease.describe(), e.getMessage());
                lastOk = false;
            }
        }
    }

    /**
     * The lease state at decision time: the witness answered at the start of the run, and a partner probe may have
     * taken a whole keepalive_time since, so a lease that had less than that left counts as expired by now. Only
     * the witness decides in the end: taking the lease is a compare-and-set on its clock.
     */
    LeaseState stateAt(long now) {
        LeaseView seen = view;
        if (seen == null || (state != LeaseState.PARTNERS && state != LeaseState.NOT_YET_FREE)) {
            return state;
        }
        if (seen.remaining().toNanos() - (now - seenNanos) > 0) {
            return state;
        }
        if (state == LeaseState.NOT_YET_FREE) {
            return LeaseState.FREE;
        }
        return seen.syncReleased() ? LeaseState.SYNC_RELEASED : LeaseState.PARTNERS_EXPIRED;
    }

    private LeaseState classify(LeaseView seen) {
        if (seen.heldBy(node())) {
            return LeaseState.MINE;
        }
        if (seen.holder().isEmpty()) {
            return seen.expired() ? LeaseState.FREE : LeaseState.NOT_YET_FREE;
        }
        if (!seen.expired()) {
            return LeaseState.PARTNERS;
        }
        return seen.syncReleased() ? LeaseState.SYNC_RELEASED : LeaseState.PARTNERS_EXPIRED;
    }

    /**
     * The flag that keeps the standby from taking the lease: set while keeper has released synchronous
     * replication, and kept after restoring it until the standby has received everything written meanwhile.
     */
    private boolean syncReleasedWanted(ServerState me) {
        if (!me.savedSynchronousStandbyNames().isEmpty()) {
            return true;
        }
        if (view == null || !view.syncReleased()) {
            return false;
        }
        if (syncCatchUpLsn < 0) {
            syncCatchUpLsn = me.lsnBytes();
        }
        return true;
    }

    /** After synchronous replication came back: the standby must receive up to {@code lsn} first. */
    void syncRestoredAt(long lsn) {
        syncCatchUpLsn = lsn;
    }

    /** The flag can go once the standby has received everything written while it was away. */
    void noteSyncCatchUp(ProbeResult other) {
        if (syncCatchUpLsn >= 0 && other.isStandby() && other.state().lsnBytes() >= syncCatchUpLsn) {
            LOG.info("Standby {} received everything up to {}: it may take the lease again if this primary fails",
                    config.get().partnerConninfo().address(), other.state().lsn());
            syncCatchUpLsn = -1;
            LeaseView seen = view;
            if (seen != null) {
                view = new LeaseView(seen.holder(), seen.term(), seen.remaining(), false);
            }
        }
    }

    /** Records the sync_released flag sent with a renewal made elsewhere (a promotion, a release). */
    void sentSyncFlag(boolean flag) {
        syncFlagSent = flag;
    }

    private void recordTermOnce(ServerState me, long term) {
        if (me.term() == term) {
            return;
        }
        try {
            local.recordTerm(term);
        } catch (ServerActionException e) {
            LOG.warn("Could not record lease term {} on the local server: {}", term, e.getMessage());
        }
    }

    /**
     * One renewal, bounded by the watchdog session's short deadline (a quarter of the margin), before demoting: the
     * permission also runs out when the heartbeat was merely busy (a slow promotion, a slow run) while the witness
     * still answers. The margin covers this attempt (see LeaseTiming).
     */
    boolean lastChanceRenewal(long cluster) {
        LeaseTiming t = timing();
        long sent = nanoTime.getAsLong();
        try {
            LeaseView seen = watchdogLease.renew(cluster, node(), t.ttl(), syncFlagSent);
            if (seen.heldBy(node())) {
                permission.extend(sent + t.writeAllowance().toNanos(), "last-chance renewal by the watchdog, term "
                        + seen.term());
                LOG.info("The heartbeat had not renewed the lease in time; the watchdog renewed it (term {}) in {} ms",
                        seen.term(), Duration.ofNanos(nanoTime.getAsLong() - sent).toMillis());
                return true;
            }
            LOG.warn("Last-chance renewal refused: the lease is {}", seen.describe());
        } catch (LeaseException e) {
            LOG.warn("Last-chance renewal failed: {}", e.getMessage());
        }
        return false;
    }

    /** The lease as last seen ("held by node1, term 3, expires in 2400 ms") or why it could not be asked. */
    String text() {
        return text;
    }

    /** Seconds left on the lease as last seen, counted down on this node's clock; NaN before the first answer. */
    double secondsLeft(long now) {
        LeaseView seen = view;
        if (seen == null) {
            return Double.NaN;
        }
        return Math.max(0, seen.remaining().toNanos() - (now - seenNanos)) / 1e9;
    }

    /** The holder as last seen, "" when nobody holds it or the witness was never read. */
    String holder() {
        LeaseView seen = view;
        return seen == null ? "" : seen.holder();
    }

    long term() {
        LeaseView seen = view;
        return seen == null ? 0 : seen.term();
    }

    LeaseState rawState() {
        return state;
    }
}
