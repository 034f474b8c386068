package io.keeper.role;

import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import io.keeper.lease.LeaseException;
import io.keeper.lease.LeaseView;
import io.keeper.switchover.SwitchoverRequest;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A planned switchover, carried out by the primary's keeper in one run, so that no step can race another keeper
 * decision: a fast shutdown (its WAL senders send every record, the shutdown checkpoint last), a start as the
 * partner's standby, a check that the partner received this server's final WAL position, the lease handed over
 * (with a witness), then the partner promoted with the event its own keeper records ("switchover"). Never two
 * writable servers: this one stops before the partner is promoted. A step that fails before the promotion undoes
 * the switchover (this server is promoted again); a keeper that dies midway leaves a marked standby whose rules
 * finish or undo it (see {@link RoleRules}).
 */
final class Switchovers {

    private static final Logger LOG = LoggerFactory.getLogger(Switchovers.class);
    private static final Duration POLL = Duration.ofMillis(20);
    /** How long the restarted server and the partner get to show their WAL positions (tests shorten it). */
    static Duration confirmWait = Duration.ofSeconds(10);
    private static final Duration PROMOTE_WAIT = Duration.ofSeconds(30);
    /** The phases a switchover marks in keeper.fenced on the old primary. */
    static final String STOPPED = "stopped, the partner not promoted yet";
    static final String PROMOTING = "promoting the partner";

    private final RoleActions a;

    Switchovers(RoleActions actions) {
        this.a = actions;
    }

    static String reason(SwitchoverRequest r, String phase) {
        return Fence.SWITCHOVER.prefix() + " " + r.id() + " to " + r.to() + ": " + phase;
    }

    Decision switchOver(ServerState me, SwitchoverRequest r) {
        long start = a.nanoTime.getAsLong();
        if (a.demoter == null) {
            a.reasonOverride = "not switching over: keeper cannot restart the server here (see the start-up log)";
            LOG.warn("{}", a.reasonOverride);
            return Decision.SWITCHOVER_FAILED;
        }
        a.keeper.permission().revoke();
        LOG.info("{}: stopping this server (fast shutdown: {} receives every WAL record first), then restarting it as"
                + " its standby", r.describe(), r.to());
        String failure = a.demoter.demoteCleanly(reason(r, STOPPED));
        if (failure != null) {
            a.reasonOverride = r.describe() + " failed: " + failure;
            LOG.error("{}", a.reasonOverride);
            return Decision.SWITCHOVER_FAILED;
        }
        a.keeper.setLocalRole("standby");
        LOG.info("{}: stopped and restarted as a standby in {} ms", r.describe(), a.millisSince(start));
        ServerState mine = awaitStandby();
        long last = mine == null ? -1 : ServerState.parseLsn(mine.replayLsn());
        if (last < 0) {
            return undo(mine, r, "this server's final WAL position could not be read after the restart");
        }
        ProbeResult other = awaitPartnerAt(last);
        if (other == null || !other.answered()) {
            return undo(mine, r, r.to() + (other == null ? " did not confirm it received this server's WAL up to "
                    + ServerState.formatLsn(last) + " within " + confirmWait.toMillis() + " ms"
                    : " did not answer for the detection window (" + a.keeper.detectionWindow().toMillis()
                    + " ms) while confirming it received this server's WAL up to " + ServerState.formatLsn(last)
                    + ": " + other.reason()));
        }
        LOG.info("{}: {} received every WAL record of this server (up to {}) after {} ms", r.describe(), r.to(),
                ServerState.formatLsn(last), a.millisSince(start));
        long term = 0;
        if (a.lease != null) {
            try {
                LeaseView v = a.lease.handOver(a.keeper.clusterId(), a.name(), r.to(),
                        a.keeper.leaseTiming().ttl());
                if (!v.heldBy(r.to())) {
                    return v.heldBy(a.name()) ? undo(mine, r, "the lease could not be handed over: it is "
                            + v.describe()) : stuck(r, "the lease is " + v.describe());
                }
                term = v.term();
                LOG.info("{}: handed the lease to {} (term {})", r.describe(), r.to(), term);
            } catch (LeaseException e) {
                return stuck(r, "handing the lease over failed: " + e.getMessage());
            }
        }
        try {
            a.local.markFenced(reason(r, PROMOTING));
        } catch (ServerActionException e) {
            return undo(mine, r, "marking the promotion on this server failed: " + e.getMessage());
        }
        try {
            a.partner.promoteForSwitchover("switchover", term, PROMOTE_WAIT);
        } catch (ServerActionException e) {
            return stuck(r, "promoting " + r.to() + " failed: " + e.getMessage());
        }
        LOG.info("{}: {} promoted; writes were unavailable for about {} ms (from this server's shutdown to the"
                + " promotion); this server follows it as a standby", r.describe(), r.to(), a.millisSince(start));
        forgetRequest(r);
        a.notify("switchover_demoted", mine);
        a.keeper.partnerWatch().reset(true, last);
        a.reasonOverride = r.describe() + " done: " + r.to() + " is the primary";
        return Decision.SWITCHED_OVER;
    }

    /**
     * A done or undone request must not act again (say, after a later failover back to this node within its validity,
     * or when the partner comes back still holding it): this keeper remembers it, and it is removed from this server
     * first, since a switchover needs the request on both, then from the partner's, which may be gone.
     */
    private void forgetRequest(SwitchoverRequest r) {
        a.keeper.switchoverFinished(r);
        forget(r, "this server", a.local::forgetSwitchover);
        forget(r, r.to() + "'s server", a.partner::forgetSwitchover);
    }

    private interface Removal {
        void run() throws ServerActionException;
    }

    private static void forget(SwitchoverRequest r, String where, Removal removal) {
        try {
            removal.run();
        } catch (ServerActionException e) {
            LOG.warn("{}: could not remove the request from {} ({}); it expires at {} and is not acted on again",
                    r.describe(), where, e.getMessage(), r.until());
        }
    }

    /** Before the partner was promoted: this server becomes the primary again. */
    private Decision undo(ServerState mine, SwitchoverRequest r, String why) {
        LOG.error("{} is undone: {}; promoting this server again", r.describe(), why);
        a.reasonOverride = r.describe() + " undone: " + why;
        ServerState me = mine != null ? mine : a.local.status().answered() ? a.local.status().state() : null;
        if (me == null) {
            return Decision.SWITCHOVER_FAILED;
        }
        Decision d = a.promotions.repromote(me, r.describe() + " undone: " + why);
        forgetRequest(r);
        return d == Decision.UNFENCED ? Decision.SWITCHOVER_FAILED : d;
    }

    /** The lease or the promotion is in an unknown state: this server stays a marked standby; its rules go on. */
    private Decision stuck(SwitchoverRequest r, String why) {
        a.reasonOverride = r.describe() + " did not finish: " + why + "; this server stays a standby until "
                + r.to() + " is the primary (it then follows it) or its keeper can undo the switchover";
        LOG.error("{}", a.reasonOverride);
        return Decision.SWITCHOVER_FAILED;
    }

    /** The restarted server's state once it answers as a standby with a replay position, or null. */
    private ServerState awaitStandby() {
        for (long look = 0; look < looks(); look++) {
            ProbeResult p = a.local.status();
            if (p.isStandby() && p.state().replayLsn() != null) {
                return p.state();
            }
            if (!Keeper.pause(POLL)) {
                break;
            }
        }
        return null;
    }

    /**
     * The partner's probe once it answers as a standby that received WAL up to {@code lsn}; its last failed probe once
     * it has not answered for the detection window (it is gone: undo without waiting out confirmWait); else null.
     */
    private ProbeResult awaitPartnerAt(long lsn) {
        Long silentSince = null;
        for (long look = 0; look < looks(); look++) {
            ProbeResult p = a.partner.probe();
            if (p.isStandby() && p.state().lsnBytes() >= lsn) {
                return p;
            }
            long now = a.nanoTime.getAsLong();
            silentSince = p.answered() ? null : silentSince == null ? now : silentSince;
            if (silentSince != null && now - silentSince >= a.keeper.detectionWindow().toNanos()) {
                return p;
            }
            if (!Keeper.pause(POLL)) {
                break;
            }
        }
        return null;
    }

    /** Looks within confirmWait: counted, not timed, since a probe may take its own deadline. */
    private static long looks() {
        return Math.max(1, confirmWait.toMillis() / POLL.toMillis());
    }
}
