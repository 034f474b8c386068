package io.keeper.role;

import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The acts that take writes away from this node or bring a demoted one back into the pair: demote (or fence where
 * keeper cannot restart the server), the lease watchdog's two steps, lift a fence, accept a demoted server that
 * streams, rejoin with pg_rewind; each writes its row on the winner and fires its event.
 */
final class Demotions {

    private static final Logger LOG = LoggerFactory.getLogger(Demotions.class);

    private final RoleActions a;

    Demotions(RoleActions actions) {
        this.a = actions;
    }

    Decision acceptAsStandby(ServerState me, ProbeResult other, String why) {
        LOG.info("Clearing keeper.fenced: {}", why);
        try {
            a.local.unfence();
        } catch (ServerActionException e) {
            a.reasonOverride = "clearing keeper.fenced failed: " + e.getMessage();
            LOG.error("{}", a.reasonOverride);
            return Decision.FENCED;
        }
        recordOnWinner("rejoined", other.state(), a.name() + " demoted, now streams from " + a.keeper.partnerName(other)
                + " without pg_rewind");
        a.notify("rejoined", me);
        a.keeper.partnerWatch().reset(true, other.state().lsnBytes());
        return Decision.REJOINED;
    }

    Decision rejoin(ServerState me, ServerState winner, String why) {
        if (a.rejoiner == null || a.rejoinAttemptsLeft <= 0) {
            return Decision.FENCED;
        }
        if (!me.inRecovery() && winner.timeline() <= me.timeline()) {
            a.reasonOverride = "fenced: rejoin needs the winner on a higher timeline (winner " + winner.timeline()
                    + ", here " + me.timeline() + "); an administrator must decide";
            LOG.warn("Not rejoining: {}", a.reasonOverride);
            a.rejoinAttemptsLeft = 0;
            return Decision.FENCED;
        }
        a.rejoinAttemptsLeft--;
        LOG.info("{}: rewinding this server from {} and restarting it as its standby", why, a.partnerAddress());
        long start = a.nanoTime.getAsLong();
        String failure = a.rejoiner.rejoin(a.partnerAddress());
        if (failure != null) {
            a.reasonOverride = "rejoin failed: " + failure;
            LOG.error("Rejoin failed after {} ms: {}; the server stays fenced ({} attempt(s) left)", a.millisSince(start),
                    failure, a.rejoinAttemptsLeft);
            return Decision.FENCED;
        }
        a.reasonOverride = "rejoined as a standby of " + a.partnerAddress();
        LOG.info("Rejoined as a standby of {} in {} ms", a.partnerAddress(), a.millisSince(start));
        recordOnWinner("rejoined", winner, a.name() + " rewound and restarted as a standby");
        a.notify("rejoined", me);
        a.keeper.partnerWatch().reset(true, winner.lsnBytes());
        a.keeper.setLocalRole("standby");
        a.keeper.republishName(); // pg_rewind copied the winner's postgresql.auto.conf, with its keeper.node_name
        a.rejoinAttemptsLeft = 3;
        return Decision.REJOINED;
    }

    /** A real demotion where keeper can restart the server; the read-only fence where it cannot. */
    Decision demote(ServerState me, String why, ServerState winner) {
        a.keeper.permission().revoke();
        long start = a.nanoTime.getAsLong();
        if (a.demoter != null) {
            LOG.warn("Demoting this server (immediate shutdown, restart as a standby of {}): {}", a.partnerAddress(), why);
            String failure = a.demoter.demote(why);
            if (failure == null) {
                a.demotedForReal = true;
                LOG.info("Demoted in {} ms: the server runs as a standby, read-only for every session", a.millisSince(start));
                a.keeper.setLocalRole("standby");
            } else {
                LOG.error("Demotion failed after {} ms: {}; falling back to the read-only fence", a.millisSince(start),
                        failure);
            }
        }
        if (!a.demotedForReal) {
            if (a.demoter == null) {
                LOG.warn("Fencing this server read-only (keeper cannot restart it here, so a session that asks for"
                        + " read-write could still write): {}", why);
            }
            try {
                a.local.fence(why);
            } catch (ServerActionException e) {
                a.reasonOverride = "fencing failed: " + e.getMessage();
                LOG.error("Fencing failed: {}; trying again on the next run", e.getMessage());
                return Decision.WATCHING;
            }
            LOG.info("Fenced in {} ms", a.millisSince(start));
        }
        a.reasonOverride = why;
        if (winner != null) {
            recordOnWinner("fenced", winner, a.name() + " " + (a.demotedForReal ? "demoted" : "fenced") + ": " + why);
        }
        a.notify("fenced", me);
        return Decision.FENCED;
    }

    Decision markSuperseded(ServerState me, ServerState winner, String why) {
        LOG.warn("This demoted server stays a standby: {}", why);
        try {
            a.local.markFenced(why);
        } catch (ServerActionException e) {
            a.reasonOverride = "recording the new reason failed: " + e.getMessage();
            LOG.error("{}", a.reasonOverride);
            return Decision.FENCED;
        }
        recordOnWinner("fenced", winner, a.name() + " demoted: " + why);
        return Decision.FENCED;
    }

    /** The lease watchdog's first step: stop taking writes now, without waiting for anything. */
    void stopAtOnce(String why) {
        long start = a.nanoTime.getAsLong();
        a.watchdogActedNanos = start;
        if (a.demoter != null) {
            String failure = a.demoter.stopNow();
            if (failure == null) {
                LOG.warn("Server stopped (immediate) {} ms after the write permission ran out: {}", a.millisSince(start),
                        why);
                return;
            }
            LOG.error("Immediate shutdown failed: {}; falling back to the read-only fence", failure);
        }
        try {
            a.local.fence(why);
        } catch (ServerActionException e) {
            LOG.error("Fencing failed: {}", e.getMessage());
        }
    }

    /** The lease watchdog's second step, under the action lock: restart the stopped server as a standby. */
    void finishWatchdogDemotion(String why) {
        a.keeper.permission().revoke();
        if (a.demoter != null) {
            String failure = a.demoter.demote(why);
            if (failure != null) {
                LOG.error("Restarting the stopped server as a standby failed: {}; it stays down", failure);
            } else {
                LOG.info("Demoted: the server runs as a standby");
                a.keeper.setLocalRole("standby");
            }
        }
        ServerState last = a.lastLocal;
        if (last != null) {
            a.notify("fenced", last);
        }
    }

    Decision liftFence(ServerState me, String why) {
        LOG.info("Lifting the fence: {}", why);
        try {
            a.local.unfence();
        } catch (ServerActionException e) {
            a.reasonOverride = "lifting the fence failed: " + e.getMessage();
            LOG.error("{}", a.reasonOverride);
            return Decision.FENCED;
        }
        a.notify("unfenced", me);
        return Decision.UNFENCED;
    }

    void recordOnWinner(String event, ServerState winner, String why) {
        try {
            a.partner.recordEvent(winner.nodeName().isEmpty() ? a.partnerAddress() : winner.nodeName(), event, winner,
                    a.name(), why);
        } catch (ServerActionException e) {
            LOG.warn("Could not write the {} row to the winner's failover_log: {}", event, e.getMessage());
        }
    }
}
