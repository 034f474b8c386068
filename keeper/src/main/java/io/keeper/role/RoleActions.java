package io.keeper.role;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import io.keeper.lease.Lease;
import io.keeper.lease.LeaseException;
import io.keeper.lease.LeaseTiming;
import io.keeper.lease.LeaseView;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "act" step: carries out what the role rules decided, against the local server, the partner and the lease,
 * and logs each step with its duration. Nothing here decides; a failed step is logged and reported in /status.
 */
final class RoleActions {

    private static final Logger LOG = LoggerFactory.getLogger(RoleActions.class);
    private static final Duration PROMOTE_WAIT = Duration.ofSeconds(60);

    private final Keeper keeper;
    private final LocalServer local;
    private final PartnerServer partner;
    private final Lease lease;
    private final Rejoiner rejoiner;
    private final Demoter demoter;
    private final EventListener events;
    private final LongSupplier nanoTime;
    private boolean failoverLogReady;
    private int rejoinAttemptsLeft = 3;
    private String reasonOverride;
    private boolean demotedForReal;
    private String lastRule = "";
    private volatile ServerState lastLocal;

    RoleActions(Keeper keeper, LocalServer local, PartnerServer partner, Lease lease, Rejoiner rejoiner,
                Demoter demoter, EventListener events, LongSupplier nanoTime) {
        this.keeper = keeper;
        this.local = local;
        this.partner = partner;
        this.lease = lease;
        this.rejoiner = rejoiner;
        this.demoter = demoter;
        this.events = events;
        this.nanoTime = nanoTime;
    }

    int rejoinAttemptsLeft() {
        return rejoinAttemptsLeft;
    }

    /** The reason to show instead of the rule's when the action failed or said more; null to keep the rule's. */
    String reasonOverride() {
        return reasonOverride;
    }

    /** The last demotion restarted the server as a standby (rather than the read-only fallback). */
    boolean demotedForReal() {
        return demotedForReal;
    }

    void roleChanged() {
        failoverLogReady = false;
    }

    private String name() {
        return keeper.config().nodeName();
    }

    private String partnerAddress() {
        return keeper.config().partnerConninfo().address();
    }

    Decision act(RoleRules.Verdict verdict, Keeper.Observation seen, Facts f) {
        reasonOverride = null;
        demotedForReal = false;
        ServerState me = seen.me().answered() ? seen.me().state() : null;
        if (me != null) {
            lastLocal = me;
        }
        String reason = verdict.reason();
        boolean changed = !verdict.rule().name().equals(lastRule);
        lastRule = verdict.rule().name();
        if (me != null && !me.inRecovery() && f.fence() == Fence.NONE) {
            ensureFailoverLog();
        }
        switch (verdict.action()) {
            case WATCH:
                if (changed && !"watching".equals(lastRule) && !"primary-watching".equals(lastRule)) {
                    LOG.warn("{}", reason);
                }
                return Decision.WATCHING;
            case WAIT_FOR_LOCAL:
                LOG.warn("Local server {} is not available ({}); not acting until it answers",
                        keeper.config().myConninfo().address(), f.text().local());
                return Decision.LOCAL_UNAVAILABLE;
            case REFUSE_PROMOTION:
                return refuse(reason);
            case STAY_FENCED:
                if (changed) {
                    LOG.warn("This server stays {}", reason);
                }
                return Decision.FENCED;
            case PROMOTE:
                return promote(me, reason);
            case REPROMOTE:
                return repromote(me, reason);
            case ACCEPT_AS_STANDBY:
                return acceptAsStandby(me, seen.other(), reason);
            case REJOIN:
                return rejoin(me, seen.other().state(), reason);
            case DEMOTE_SUPERSEDED:
                return demote(me, reason, seen.other().isPrimary() ? seen.other().state() : null);
            case DEMOTE_ISOLATED:
                return demote(me, reason, null);
            case MARK_SUPERSEDED:
                return markSuperseded(me, seen.other().state(), reason);
            case LIFT_FENCE:
                return liftFence(me, reason);
            case TAKE_LEASE:
                return takeLease(me, reason);
            case BOTH_PRIMARY:
                LOG.warn("Two writable servers: {}", reason);
                return Decision.BOTH_PRIMARY;
            case RECORD_EVENT:
                return recordPending(me, reason);
            case RESTORE_SYNC:
                return restoreSync(me);
            case RELEASE_SYNC:
                return releaseSync(me);
            default:
                throw new IllegalStateException("no action for " + verdict.action());
        }
    }

    private Decision refuse(String why) {
        LOG.warn("Not promoting: {}", why);
        return Decision.PROMOTION_BLOCKED;
    }

    /** Takes the lease (with a witness), then promotes; with a witness nothing happens unless the lease is ours. */
    private Decision promote(ServerState me, String why) {
        long term = 0;
        if (lease != null) {
            Optional<LeaseView> taken = holdLease(true);
            if (taken.isEmpty()) {
                return Decision.PROMOTION_BLOCKED;
            }
            term = taken.get().term();
        }
        if (me.replayPaused()) {
            LOG.warn("WAL replay is paused on this standby; resuming it so the promotion includes all received WAL");
            try {
                local.resumeReplay();
            } catch (ServerActionException e) {
                reasonOverride = "WAL replay is paused and could not be resumed: " + e.getMessage();
                return refuse(reasonOverride);
            }
        }
        LOG.info("Promoting {}: {}", name(), why);
        ServerState promoted = promoteLocal("promoted", term);
        if (promoted == null) {
            return Decision.PROMOTION_FAILED;
        }
        record("promoted", promoted, partnerAddress(), why, term);
        keeper.setLocalRole(promoted.role());
        keeper.partnerWatch().reset(false, -1);
        if (!promoted.synchronousStandbyNames().isEmpty()) {
            // The only standby this new primary could wait for is the old primary, already unreachable for
            // keepalive_count probes: release synchronous commits now rather than after another window.
            releaseSync(promoted);
        }
        reasonOverride = why;
        return Decision.PROMOTED;
    }

    /** A demoted server that still holds the lease becomes the primary again (a new timeline; the standby follows). */
    private Decision repromote(ServerState me, String why) {
        Optional<LeaseView> held = holdLease(false);
        if (held.isEmpty()) {
            return Decision.FENCED;
        }
        LOG.info("Promoting {} again: {}", name(), why);
        ServerState promoted = promoteLocal("unfenced", held.get().term());
        if (promoted == null) {
            return Decision.PROMOTION_FAILED;
        }
        try {
            local.unfence();
        } catch (ServerActionException e) {
            LOG.error("Removing keeper.fenced after the promotion failed: {}", e.getMessage());
        }
        record("unfenced", promoted, name(), why, held.get().term());
        keeper.setLocalRole(promoted.role());
        keeper.partnerWatch().reset(false, -1);
        return Decision.UNFENCED;
    }

    /**
     * Takes or renews the lease and extends the write permission from the moment the call was sent.
     *
     * @param take true to take an expired lease (a promotion), false to renew one this node holds
     */
    private Optional<LeaseView> holdLease(boolean take) {
        LeaseTiming t = keeper.leaseTiming();
        long sent = nanoTime.getAsLong();
        LeaseView view;
        try {
            view = take ? lease.acquire(keeper.clusterId(), name(), t.ttl()) : null;
            if (view == null || view.heldBy(name()) && view.expired()) {
                sent = nanoTime.getAsLong();
                boolean flag = view != null && view.syncReleased();
                view = lease.renew(keeper.clusterId(), name(), t.ttl(), flag);
                keeper.sentSyncFlag(flag);
            }
        } catch (LeaseException e) {
            reasonOverride = "the lease could not be " + (take ? "taken" : "renewed") + ": " + e.getMessage();
            LOG.warn("Not promoting: {}", reasonOverride);
            return Optional.empty();
        }
        if (!view.heldBy(name())) {
            reasonOverride = "the lease could not be " + (take ? "taken" : "renewed") + ": it is " + view.describe();
            LOG.warn("Not promoting: {}", reasonOverride);
            return Optional.empty();
        }
        keeper.permission().extend(sent + t.writeAllowance().toNanos(), "lease " + (take ? "taken" : "renewed")
                + ", term " + view.term());
        LOG.info("{} the lease on {}: term {}, valid for {} ms by the witness's clock", take ? "Took" : "Renewed",
                lease.describe(), view.term(), view.remaining().toMillis());
        return Optional.of(view);
    }

    /** Announces the event, runs pg_promote and waits until the server left recovery; null when it failed. */
    private ServerState promoteLocal(String event, long term) {
        long start = nanoTime.getAsLong();
        try {
            local.announce(event, term);
        } catch (ServerActionException e) {
            LOG.warn("Could not record the pending {} event on the server ({}); promoting anyway", event,
                    e.getMessage());
        }
        try {
            ServerState promoted = local.promote(PROMOTE_WAIT);
            LOG.info("Promotion confirmed in {} ms: server left recovery, timeline {}, lsn {}", millisSince(start),
                    promoted.timeline(), promoted.lsn());
            return promoted;
        } catch (ServerActionException e) {
            reasonOverride = "promotion failed: " + e.getMessage();
            LOG.error("Promotion failed after {} ms: {}; trying again on the next run", millisSince(start),
                    e.getMessage());
            return null;
        }
    }

    /** The failover_log row, then the pending marker is cleared, then the event: each exactly once. */
    private void record(String event, ServerState state, String previous, String why, long term) {
        long start = nanoTime.getAsLong();
        try {
            FailoverLogEntry row = local.recordEvent(name(), event, state, previous, why, term > 0 ? term : null);
            LOG.info("failover_log row written in {} ms: unixtime {}, host {}, event {}{}", millisSince(start),
                    row.unixtime(), row.host(), event, term > 0 ? ", term " + term : "");
            failoverLogReady = true;
        } catch (ServerActionException e) {
            LOG.error("Writing the failover_log row failed ({}); the {} stands and the row is tried again on the"
                    + " next run", e.getMessage(), event);
            return;
        }
        try {
            local.clearPendingEvent();
        } catch (ServerActionException e) {
            LOG.warn("Could not clear keeper.pending_event: {}", e.getMessage());
        }
        notify(event, state);
    }

    /** A promotion whose row or event keeper did not finish (it stopped midway): finish it, exactly once. */
    private Decision recordPending(ServerState me, String why) {
        String event = me.pendingEvent();
        Optional<FailoverLogEntry> latest = local.latestFailover();
        boolean written = latest.filter(r -> event.equals(r.event()) && name().equals(r.host())
                && Objects.equals(r.timeline(), me.timeline())).isPresent();
        LOG.info("{} ({}; failover_log row {})", why, event, written ? "already written" : "missing");
        if (written) {
            try {
                local.clearPendingEvent();
            } catch (ServerActionException e) {
                LOG.warn("Could not clear keeper.pending_event: {}", e.getMessage());
                return Decision.WATCHING;
            }
            notify(event, me);
        } else {
            record(event, me, partnerAddress(), "recorded after keeper restarted: " + event + " on timeline "
                    + me.timeline(), me.term());
        }
        return Decision.RECORDED;
    }

    private Decision acceptAsStandby(ServerState me, ProbeResult other, String why) {
        LOG.info("Clearing keeper.fenced: {}", why);
        try {
            local.unfence();
        } catch (ServerActionException e) {
            reasonOverride = "clearing keeper.fenced failed: " + e.getMessage();
            LOG.error("{}", reasonOverride);
            return Decision.FENCED;
        }
        recordOnWinner("rejoined", other.state(), name() + " demoted, now streams from " + keeper.partnerName(other)
                + " without pg_rewind");
        notify("rejoined", me);
        keeper.partnerWatch().reset(true, other.state().lsnBytes());
        return Decision.REJOINED;
    }

    private Decision rejoin(ServerState me, ServerState winner, String why) {
        if (rejoiner == null || rejoinAttemptsLeft <= 0) {
            return Decision.FENCED;
        }
        if (!me.inRecovery() && winner.timeline() <= me.timeline()) {
            reasonOverride = "fenced: rejoin needs the winner on a higher timeline (winner " + winner.timeline()
                    + ", here " + me.timeline() + "); an administrator must decide";
            LOG.warn("Not rejoining: {}", reasonOverride);
            rejoinAttemptsLeft = 0;
            return Decision.FENCED;
        }
        rejoinAttemptsLeft--;
        LOG.info("{}: rewinding this server from {} and restarting it as its standby", why, partnerAddress());
        long start = nanoTime.getAsLong();
        String failure = rejoiner.rejoin(partnerAddress());
        if (failure != null) {
            reasonOverride = "rejoin failed: " + failure;
            LOG.error("Rejoin failed after {} ms: {}; the server stays fenced ({} attempt(s) left)", millisSince(start),
                    failure, rejoinAttemptsLeft);
            return Decision.FENCED;
        }
        reasonOverride = "rejoined as a standby of " + partnerAddress();
        LOG.info("Rejoined as a standby of {} in {} ms", partnerAddress(), millisSince(start));
        recordOnWinner("rejoined", winner, name() + " rewound and restarted as a standby");
        notify("rejoined", me);
        keeper.partnerWatch().reset(true, winner.lsnBytes());
        keeper.setLocalRole("standby");
        keeper.republishName(); // pg_rewind copied the winner's postgresql.auto.conf, with its keeper.node_name
        rejoinAttemptsLeft = 3;
        return Decision.REJOINED;
    }

    /** A real demotion where keeper can restart the server; the read-only fence where it cannot. */
    private Decision demote(ServerState me, String why, ServerState winner) {
        keeper.permission().revoke();
        long start = nanoTime.getAsLong();
        if (demoter != null) {
            LOG.warn("Demoting this server (immediate shutdown, restart as a standby of {}): {}", partnerAddress(), why);
            String failure = demoter.demote(why);
            if (failure == null) {
                demotedForReal = true;
                LOG.info("Demoted in {} ms: the server runs as a standby, read-only for every session", millisSince(start));
                keeper.setLocalRole("standby");
            } else {
                LOG.error("Demotion failed after {} ms: {}; falling back to the read-only fence", millisSince(start),
                        failure);
            }
        }
        if (!demotedForReal) {
            if (demoter == null) {
                LOG.warn("Fencing this server read-only (keeper cannot restart it here, so a session that asks for"
                        + " read-write could still write): {}", why);
            }
            try {
                local.fence(why);
            } catch (ServerActionException e) {
                reasonOverride = "fencing failed: " + e.getMessage();
                LOG.error("Fencing failed: {}; trying again on the next run", e.getMessage());
                return Decision.WATCHING;
            }
            LOG.info("Fenced in {} ms", millisSince(start));
        }
        reasonOverride = why;
        if (winner != null) {
            recordOnWinner("fenced", winner, name() + " " + (demotedForReal ? "demoted" : "fenced") + ": " + why);
        }
        notify("fenced", me);
        return Decision.FENCED;
    }

    private Decision markSuperseded(ServerState me, ServerState winner, String why) {
        LOG.warn("This demoted server stays a standby: {}", why);
        try {
            local.markFenced(why);
        } catch (ServerActionException e) {
            reasonOverride = "recording the new reason failed: " + e.getMessage();
            LOG.error("{}", reasonOverride);
            return Decision.FENCED;
        }
        recordOnWinner("fenced", winner, name() + " demoted: " + why);
        return Decision.FENCED;
    }

    /** The lease watchdog's first step: stop taking writes now, without waiting for anything. */
    void stopAtOnce(String why) {
        long start = nanoTime.getAsLong();
        if (demoter != null) {
            String failure = demoter.stopNow();
            if (failure == null) {
                LOG.warn("Server stopped (immediate) {} ms after the write permission ran out: {}", millisSince(start),
                        why);
                return;
            }
            LOG.error("Immediate shutdown failed: {}; falling back to the read-only fence", failure);
        }
        try {
            local.fence(why);
        } catch (ServerActionException e) {
            LOG.error("Fencing failed: {}", e.getMessage());
        }
    }

    /** The lease watchdog's second step, under the action lock: restart the stopped server as a standby. */
    void finishWatchdogDemotion(String why) {
        keeper.permission().revoke();
        if (demoter != null) {
            String failure = demoter.demote(why);
            if (failure != null) {
                LOG.error("Restarting the stopped server as a standby failed: {}; it stays down", failure);
            } else {
                LOG.info("Demoted: the server runs as a standby");
                keeper.setLocalRole("standby");
            }
        }
        ServerState last = lastLocal;
        if (last != null) {
            notify("fenced", last);
        }
    }

    private Decision liftFence(ServerState me, String why) {
        LOG.info("Lifting the fence: {}", why);
        try {
            local.unfence();
        } catch (ServerActionException e) {
            reasonOverride = "lifting the fence failed: " + e.getMessage();
            LOG.error("{}", reasonOverride);
            return Decision.FENCED;
        }
        notify("unfenced", me);
        return Decision.UNFENCED;
    }

    private Decision takeLease(ServerState me, String why) {
        LOG.info("{}", why);
        Optional<LeaseView> taken = holdLease(true);
        if (taken.isPresent()) {
            try {
                local.recordTerm(taken.get().term());
            } catch (ServerActionException e) {
                LOG.warn("Could not record the lease term: {}", e.getMessage());
            }
        }
        return Decision.WATCHING;
    }

    private void recordOnWinner(String event, ServerState winner, String why) {
        try {
            partner.recordEvent(winner.nodeName().isEmpty() ? partnerAddress() : winner.nodeName(), event, winner,
                    name(), why);
        } catch (ServerActionException e) {
            LOG.warn("Could not write the {} row to the winner's failover_log: {}", event, e.getMessage());
        }
    }

    private void ensureFailoverLog() {
        if (failoverLogReady) {
            return;
        }
        try {
            if (local.ensureFailoverLog()) {
                LOG.info("Created table {} on this primary", keeper.config().failoverLogTable());
            }
            failoverLogReady = true;
        } catch (ServerActionException e) {
            LOG.warn("Could not make sure table {} exists: {}; trying again on the next run",
                    keeper.config().failoverLogTable(), e.getMessage());
        }
    }

    private Decision releaseSync(ServerState me) {
        String current = me.synchronousStandbyNames();
        int failures = keeper.partnerWatch().failures();
        if (lease != null) {
            // The flag goes to the witness first: from then on the standby may not take the lease, so every commit
            // acknowledged without it stays on the primary that holds the lease.
            LeaseTiming t = keeper.leaseTiming();
            long sent = nanoTime.getAsLong();
            try {
                LeaseView view = lease.renew(keeper.clusterId(), name(), t.ttl(), true);
                keeper.sentSyncFlag(true);
                if (!view.heldBy(name())) {
                    reasonOverride = "synchronous commits keep waiting: the lease is " + view.describe();
                    LOG.warn("{}", reasonOverride);
                    return Decision.WATCHING;
                }
                keeper.permission().extend(sent + t.writeAllowance().toNanos(), "lease renewal, term " + view.term());
            } catch (LeaseException e) {
                reasonOverride = "synchronous commits keep waiting: the lease could not be renewed: " + e.getMessage();
                LOG.warn("{}", reasonOverride);
                return Decision.WATCHING;
            }
        }
        reasonOverride = "standby unreachable for " + failures + " probes: synchronous_standby_names cleared (was '"
                + current + "')";
        LOG.warn("Standby {} unreachable for {} probes ({}): clearing synchronous_standby_names (was '{}') so"
                        + " commits stop waiting; it is restored when a standby streams again{}", partnerAddress(),
                failures, keeper.partnerWatch().lastFailure(), current,
                lease != null ? "; the witness records that the standby may lack commits from now on" : "");
        long start = nanoTime.getAsLong();
        try {
            local.disableSynchronousStandbys(current);
        } catch (ServerActionException e) {
            LOG.error("Clearing synchronous_standby_names failed: {}", e.getMessage());
            return Decision.WATCHING;
        }
        LOG.info("synchronous_standby_names cleared and configuration reloaded in {} ms", millisSince(start));
        notify("sync_disabled", me);
        return Decision.SYNC_DISABLED;
    }

    private Decision restoreSync(ServerState me) {
        String saved = me.savedSynchronousStandbyNames();
        try {
            if (!me.synchronousStandbyNames().isEmpty()) {
                LOG.warn("synchronous_standby_names was changed to '{}' since keeper cleared it; keeping that and"
                        + " forgetting the saved '{}'", me.synchronousStandbyNames(), saved);
                local.forgetSavedSynchronousStandbys();
                keeper.syncRestoredAt(me.lsnBytes());
                return Decision.WATCHING;
            }
            LOG.info("A standby is streaming again: restoring synchronous_standby_names = '{}'", saved);
            local.restoreSynchronousStandbys(saved);
        } catch (ServerActionException e) {
            LOG.error("Restoring synchronous_standby_names failed: {}", e.getMessage());
            return Decision.WATCHING;
        }
        keeper.syncRestoredAt(me.lsnBytes());
        reasonOverride = "standby streams again: synchronous_standby_names restored to '" + saved + "'";
        notify("sync_restored", me);
        return Decision.SYNC_RESTORED;
    }

    private void notify(String event, ServerState state) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KEEPER_EVENT", event);
        env.put("KEEPER_NODE_NAME", name());
        env.put("KEEPER_PARTNER", partnerAddress());
        env.put("KEEPER_TIMELINE", state == null ? "" : String.valueOf(state.timeline()));
        env.put("KEEPER_LSN", state == null ? "" : state.lsn());
        events.onEvent(event, env);
    }

    private long millisSince(long startNanos) {
        return Duration.ofNanos(nanoTime.getAsLong() - startNanos).toMillis();
    }
}
