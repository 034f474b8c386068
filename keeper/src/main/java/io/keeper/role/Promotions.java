package io.keeper.role;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ServerState;
import io.keeper.lease.LeaseException;
import io.keeper.lease.LeaseTiming;
import io.keeper.lease.LeaseView;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acts that make this node the primary: take (or renew) the lease, promote, and record the promotion exactly
 * once (announced on the server first, so a keeper that dies midway finishes it at its next run).
 */
final class Promotions {

    private static final Logger LOG = LoggerFactory.getLogger(Promotions.class);
    private static final Duration PROMOTE_WAIT = Duration.ofSeconds(60);

    private final RoleActions a;

    Promotions(RoleActions actions) {
        this.a = actions;
    }

    /** Takes the lease (with a witness), then promotes; with a witness nothing happens unless the lease is ours. */
    Decision promote(ServerState me, String why) {
        long term = 0;
        if (a.lease != null) {
            Optional<LeaseView> taken = holdLease(true);
            if (taken.isEmpty()) {
                return Decision.PROMOTION_BLOCKED;
            }
            term = taken.get().term();
        }
        if (me.replayPaused()) {
            LOG.warn("WAL replay is paused on this standby; resuming it so the promotion includes all received WAL");
            try {
                a.local.resumeReplay();
            } catch (ServerActionException e) {
                a.reasonOverride = "WAL replay is paused and could not be resumed: " + e.getMessage();
                return a.refuse(a.reasonOverride);
            }
        }
        LOG.info("Promoting {}: {}", a.name(), why);
        ServerState promoted = promoteLocal("promoted", term);
        if (promoted == null) {
            return Decision.PROMOTION_FAILED;
        }
        record("promoted", promoted, a.partnerAddress(), why, term);
        a.keeper.setLocalRole(promoted.role());
        a.keeper.partnerWatch().reset(false, -1);
        if (!promoted.synchronousStandbyNames().isEmpty()) {
            // The only standby this new primary could wait for is the old primary, already unreachable for
            // keepalive_count probes: release synchronous commits now rather than after another window.
            a.releaseSync(promoted);
        }
        a.reasonOverride = why;
        return Decision.PROMOTED;
    }

    /** A demoted server that still holds the lease becomes the primary again (a new timeline; the standby follows). */
    Decision repromote(ServerState me, String why) {
        Optional<LeaseView> held = a.lease == null ? Optional.of(LeaseView.NONE) : holdLease(false);
        if (held.isEmpty()) {
            return Decision.FENCED;
        }
        LOG.info("Promoting {} again: {}", a.name(), why);
        ServerState promoted = promoteLocal("unfenced", held.get().term());
        if (promoted == null) {
            return Decision.PROMOTION_FAILED;
        }
        try {
            a.local.unfence();
        } catch (ServerActionException e) {
            LOG.error("Removing keeper.fenced after the promotion failed: {}", e.getMessage());
        }
        record("unfenced", promoted, a.name(), why, held.get().term());
        a.keeper.setLocalRole(promoted.role());
        a.keeper.partnerWatch().reset(false, -1);
        return Decision.UNFENCED;
    }

    /**
     * Takes or renews the lease and extends the write permission from the moment the call was sent.
     *
     * @param take true to take an expired lease (a promotion), false to renew one this node holds
     */
    Optional<LeaseView> holdLease(boolean take) {
        LeaseTiming t = a.keeper.leaseTiming();
        long sent = a.nanoTime.getAsLong();
        LeaseView view;
        try {
            view = take ? a.lease.acquire(a.keeper.clusterId(), a.name(), t.ttl()) : null;
            if (view == null || view.heldBy(a.name()) && view.expired()) {
                sent = a.nanoTime.getAsLong();
                boolean flag = view != null && view.syncReleased();
                view = a.lease.renew(a.keeper.clusterId(), a.name(), t.ttl(), flag);
                a.keeper.leaseWatch().sentSyncFlag(flag);
            }
        } catch (LeaseException e) {
            a.reasonOverride = "the lease could not be " + (take ? "taken" : "renewed") + ": " + e.getMessage();
            LOG.warn("Not promoting: {}", a.reasonOverride);
            return Optional.empty();
        }
        if (!view.heldBy(a.name())) {
            a.reasonOverride = "the lease could not be " + (take ? "taken" : "renewed") + ": it is " + view.describe();
            LOG.warn("Not promoting: {}", a.reasonOverride);
            return Optional.empty();
        }
        a.keeper.permission().extend(sent + t.writeAllowance().toNanos(), "lease " + (take ? "taken" : "renewed")
                + ", term " + view.term());
        LOG.info("{} the lease on {}: term {}, valid for {} ms by the arbiter's clock", take ? "Took" : "Renewed",
                a.lease.describe(), view.term(), view.remaining().toMillis());
        return Optional.of(view);
    }

    /** Announces the event, runs pg_promote and waits until the server left recovery; null when it failed. */
    ServerState promoteLocal(String event, long term) {
        long start = a.nanoTime.getAsLong();
        try {
            a.local.announce(event, term);
        } catch (ServerActionException e) {
            LOG.warn("Could not record the pending {} event on the server ({}); promoting anyway", event,
                    e.getMessage());
        }
        try {
            ServerState promoted = a.local.promote(PROMOTE_WAIT);
            LOG.info("Promotion confirmed in {} ms: server left recovery, timeline {}, lsn {}", a.millisSince(start),
                    promoted.timeline(), promoted.lsn());
            return promoted;
        } catch (ServerActionException e) {
            a.reasonOverride = "promotion failed: " + e.getMessage();
            LOG.error("Promotion failed after {} ms: {}; trying again on the next run", a.millisSince(start),
                    e.getMessage());
            return null;
        }
    }

    /** The failover_log row, then the pending marker is cleared, then the event: each exactly once. */
    void record(String event, ServerState state, String previous, String why, long term) {
        long start = a.nanoTime.getAsLong();
        try {
            FailoverLogEntry row = a.local.recordEvent(a.name(), event, state, previous, why, term > 0 ? term : null);
            LOG.info("failover_log row written in {} ms: unixtime {}, host {}, event {}{}", a.millisSince(start),
                    row.unixtime(), row.host(), event, term > 0 ? ", term " + term : "");
            a.failoverLogReady = true;
        } catch (ServerActionException e) {
            LOG.error("Writing the failover_log row failed ({}); the {} stands and the row is tried again on the"
                    + " next run", e.getMessage(), event);
            return;
        }
        try {
            a.local.clearPendingEvent();
        } catch (ServerActionException e) {
            LOG.warn("Could not clear keeper.pending_event: {}", e.getMessage());
        }
        a.notify(event, state);
    }

    /** A promotion whose row or event keeper did not finish (it stopped midway): finish it, exactly once. */
    Decision recordPending(ServerState me, String why) {
        String event = me.pendingEvent();
        Optional<FailoverLogEntry> latest = a.local.latestFailover();
        boolean written = latest.filter(r -> event.equals(r.event()) && a.name().equals(r.host())
                && Objects.equals(r.timeline(), me.timeline())).isPresent();
        LOG.info("{} ({}; failover_log row {})", why, event, written ? "already written" : "missing");
        if (written) {
            try {
                a.local.clearPendingEvent();
            } catch (ServerActionException e) {
                LOG.warn("Could not clear keeper.pending_event: {}", e.getMessage());
                return Decision.WATCHING;
            }
            a.notify(event, me);
        } else {
            record(event, me, a.partnerAddress(), "recorded after keeper restarted: " + event + " on timeline "
                    + me.timeline(), me.term());
        }
        return Decision.RECORDED;
    }

    Decision takeLease(ServerState me, String why) {
        LOG.info("{}", why);
        Optional<LeaseView> taken = holdLease(true);
        if (taken.isPresent()) {
            try {
                a.local.recordTerm(taken.get().term());
            } catch (ServerActionException e) {
                LOG.warn("Could not record the lease term: {}", e.getMessage());
            }
        }
        return Decision.WATCHING;
    }
}
