package io.keeper.role;

import io.keeper.heartbeat.ServerState;
import io.keeper.lease.Lease;
import io.keeper.lease.LeaseException;
import io.keeper.lease.LeaseTiming;
import io.keeper.lease.LeaseView;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "act" step: carries out what the role rules decided, against the local server, the partner and the lease,
 * and logs each step with its duration. Nothing here decides; a failed step is logged and reported in /status.
 */
final class RoleActions {

    private static final Logger LOG = LoggerFactory.getLogger(RoleActions.class);

    final Keeper keeper;
    final LocalServer local;
    final PartnerServer partner;
    final Lease lease;
    final Rejoiner rejoiner;
    final Demoter demoter;
    final EventListener events;
    final LongSupplier nanoTime;
    boolean failoverLogReady;
    int rejoinAttemptsLeft = 3;
    String reasonOverride;
    boolean demotedForReal;
    private String lastRule = "";
    /** The role this keeper found at its start was reported (event primary or standby), or an event said more. */
    private boolean roleAnnounced;
    /** Refusals and an unavailable local server repeat at every run; they are logged as RepeatedLog says. */
    private final RepeatedLog repeated;
    /** While paused: the rule the pause held back in the last run, so each change is logged once. */
    private String lastHeldBack = "";
    volatile ServerState lastLocal;
    /** When the lease watchdog last began to demote (monotonic nanos), 0 when never. */
    volatile long watchdogActedNanos;
    final Promotions promotions = new Promotions(this);
    private final Switchovers switchovers = new Switchovers(this);
    private final Demotions demotions = new Demotions(this);

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
        this.repeated = new RepeatedLog(nanoTime);
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

    /** The lease watchdog's steps, see {@link Demotions}. */
    void stopAtOnce(String why) {
        demotions.stopAtOnce(why);
    }

    void finishWatchdogDemotion(String why) {
        demotions.finishWatchdogDemotion(why);
    }

    void roleChanged() {
        failoverLogReady = false;
    }

    String name() {
        return keeper.config().nodeName();
    }

    String partnerAddress() {
        return keeper.config().partnerConninfo().address();
    }

    Decision act(RoleRules.Verdict verdict, Keeper.Observation seen, Facts f) {
        Decision d = actOn(verdict, seen, f);
        announceRole(d, seen, f);
        if (d != Decision.PROMOTION_BLOCKED && d != Decision.LOCAL_UNAVAILABLE) {
            repeated.reset(); // the repeated state ended: when it comes back, its first line shows again
        }
        return d;
    }

    private Decision actOn(RoleRules.Verdict verdict, Keeper.Observation seen, Facts f) {
        reasonOverride = null;
        demotedForReal = false;
        ServerState me = seen.me().answered() ? seen.me().state() : null;
        if (me != null) {
            lastLocal = me;
        }
        if (watchdogActedNanos != 0 && watchdogActedNanos - seen.startedNanos() > 0) {
            // The lease watchdog demoted this server after this run looked at it: what the run saw is stale.
            reasonOverride = "the lease watchdog demoted this server after this run looked; the next run sees it anew";
            LOG.info("{}", reasonOverride);
            return Decision.FENCED;
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
            case PAUSED:
                String heldBack = RoleRules.decide(f.unpaused()).rule().name();
                if (changed || !heldBack.equals(lastHeldBack)) {
                    LOG.warn("Paused, not acting: {}", reason);
                }
                lastHeldBack = heldBack;
                return Decision.PAUSED;
            case SWITCH_OVER:
                return switchovers.switchOver(me, keeper.switchoverRequest());
            case WAIT_FOR_LOCAL:
                if (repeated.due("local unavailable")) {
                    LOG.warn("Local server {} is not available ({}); not acting until it answers{}",
                            keeper.config().myConninfo().address(), f.text().local(), repeated.summary());
                }
                return Decision.LOCAL_UNAVAILABLE;
            case REFUSE_PROMOTION:
                return refuse(reason);
            case STAY_FENCED:
                if (changed) {
                    LOG.warn("This server stays {}", reason);
                }
                return Decision.FENCED;
            case PROMOTE:
                if ("promote".equals(lastRule) && partnerAnsweredLate(f)) {
                    return refuse(reasonOverride);
                }
                return promotions.promote(me, reason);
            case REPROMOTE:
                return promotions.repromote(me, reason);
            case ACCEPT_AS_STANDBY:
                return demotions.acceptAsStandby(me, seen.other(), reason);
            case REJOIN:
                return demotions.rejoin(me, seen.other().state(), reason);
            case DEMOTE_SUPERSEDED:
                return demotions.demote(me, reason, seen.other().isPrimary() ? seen.other().state() : null);
            case DEMOTE_ISOLATED:
                return demotions.demote(me, reason, null);
            case MARK_SUPERSEDED:
                return demotions.markSuperseded(me, seen.other().state(), reason);
            case LIFT_FENCE:
                return demotions.liftFence(me, reason);
            case TAKE_LEASE:
                return promotions.takeLease(me, reason);
            case BOTH_PRIMARY:
                LOG.warn("Two writable servers: {}", reason);
                return Decision.BOTH_PRIMARY;
            case RECORD_EVENT:
                return promotions.recordPending(me, reason);
            case RESTORE_SYNC:
                return restoreSync(me);
            case RELEASE_SYNC:
                return releaseSync(me);
            default:
                throw new IllegalStateException("no action for " + verdict.action());
        }
    }

    /** Logs the refusal when it starts, when the rule behind it changes, and at each summary interval. */
    /**
     * Once per keeper start, the role keeper found, to after_command (KEEPER_EVENT primary or standby): a hook that
     * holds state of its own, such as a service IP, sets it right after a reboot or restart that no failover
     * followed. Told at the first run that leaves the server as it was (not fenced); a run that acted first reports
     * its own event instead (promoted, fenced, rejoined ...).
     */
    private void announceRole(Decision d, Keeper.Observation seen, Facts f) {
        if (roleAnnounced || d == Decision.LOCAL_UNAVAILABLE || d == Decision.STOPPING || !seen.me().answered()) {
            return;
        }
        roleAnnounced = true;
        boolean unchanged = d == Decision.WATCHING || d == Decision.PROMOTION_BLOCKED || d == Decision.PAUSED;
        if (unchanged && f.fence() == Fence.NONE) {
            ServerState me = seen.me().state();
            String role = me.inRecovery() ? "standby" : "primary";
            LOG.info("keeper started beside the {}: after_command told (KEEPER_EVENT={})", role, role);
            notify(role, me);
        }
    }

    /**
     * The last look before a promotion for a dead partner: a probe that timed out in an earlier run may have been
     * answered since (a stalled host wakes and answers every pending probe), and then the partner is alive.
     */
    private boolean partnerAnsweredLate(Facts f) {
        PartnerWatch watch = keeper.partnerWatch();
        if (watch.forgiveAnswered(partner.lastAnswerNanos()) == 0 || watch.failures() >= f.keepaliveCount()) {
            return false;
        }
        reasonOverride = "partner " + partnerAddress() + " answered a timed-out probe before the promotion started:"
                + " it was stalled, not dead (" + watch.failures() + "/" + f.keepaliveCount() + " failures still count)";
        return true;
    }

    Decision refuse(String why) {
        if (repeated.due("not promoting: " + lastRule)) {
            LOG.warn("Not promoting: {}{}", why, repeated.summary());
        }
        return Decision.PROMOTION_BLOCKED;
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

    Decision releaseSync(ServerState me) {
        String current = me.synchronousStandbyNames();
        int failures = keeper.partnerWatch().failures();
        if (lease != null) {
            // The flag goes to the witness first: from then on the standby may not take the lease, so every commit
            // acknowledged without it stays on the primary that holds the lease.
            LeaseTiming t = keeper.leaseTiming();
            long sent = nanoTime.getAsLong();
            try {
                LeaseView view = lease.renew(keeper.clusterId(), name(), t.ttl(), true);
                keeper.leaseWatch().sentSyncFlag(true);
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
                lease != null ? "; the arbiter records that the standby may lack commits from now on" : "");
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
                keeper.leaseWatch().syncRestoredAt(me.lsnBytes());
                return Decision.WATCHING;
            }
            LOG.info("A standby is streaming again: restoring synchronous_standby_names = '{}'", saved);
            local.restoreSynchronousStandbys(saved);
        } catch (ServerActionException e) {
            LOG.error("Restoring synchronous_standby_names failed: {}", e.getMessage());
            return Decision.WATCHING;
        }
        keeper.leaseWatch().syncRestoredAt(me.lsnBytes());
        reasonOverride = "standby streams again: synchronous_standby_names restored to '" + saved + "'";
        notify("sync_restored", me);
        return Decision.SYNC_RESTORED;
    }

    void notify(String event, ServerState state) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KEEPER_EVENT", event);
        env.put("KEEPER_NODE_NAME", name());
        env.put("KEEPER_PARTNER", partnerAddress());
        env.put("KEEPER_TIMELINE", state == null ? "" : String.valueOf(state.timeline()));
        env.put("KEEPER_LSN", state == null ? "" : state.lsn());
        events.onEvent(event, env);
    }

    long millisSince(long startNanos) {
        return Duration.ofNanos(nanoTime.getAsLong() - startNanos).toMillis();
    }
}
