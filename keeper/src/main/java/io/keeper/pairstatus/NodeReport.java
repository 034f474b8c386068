package io.keeper.pairstatus;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;

/**
 * What one server of the pair answered to `keeper status`, never a password.
 *
 * @param name the node_name its keeper published, else its address
 * @param address host:port
 * @param probe the probe's result (role, timeline, LSN, keeper's settings on the server)
 * @param keeperActivity the rule its keeper last decided by, as published in pg_stat_activity; null when no keeper
 *                       session of this node is connected to its server
 * @param keeperIdleSeconds seconds since that session last ran a query, null when none
 * @param replayLagSeconds on a primary: the largest replay_lag of its streaming standbys (0 when caught up), else null
 * @param latest its newest failover_log row, null when none or unreadable
 */
public record NodeReport(String name, String address, ProbeResult probe, String keeperActivity,
                         Double keeperIdleSeconds, Double replayLagSeconds, FailoverLogEntry latest) {

    /** The prefix of the application_name keeper's session on its own server shows: "keeper node1: ". */
    public static String activityPrefix(String nodeName) {
        return "keeper " + nodeName + ": ";
    }

    public boolean reachable() {
        return probe.answered();
    }

    /** The state, null when the server did not answer. */
    public ServerState state() {
        return probe.answered() ? probe.state() : null;
    }

    public boolean isPrimary() {
        return probe.isPrimary();
    }

    public boolean isStandby() {
        return probe.isStandby();
    }
}
