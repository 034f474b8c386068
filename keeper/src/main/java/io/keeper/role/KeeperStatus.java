package io.keeper.role;

import java.time.Instant;

/**
 * What keeper knows after its latest heartbeat run, for /status and the HTTP checks; immutable.
 *
 * @param nodeName this node's node_name
 * @param role "primary", "standby" or "unknown" (local server not reachable)
 * @param localReachable whether the local server answered the last look
 * @param fenced the reason keeper fenced the local server (read-only), or "" when not fenced
 * @param superseded true when the partner is the rightful primary and this primary lost
 * @param walReceiverStreaming a standby whose WAL receiver got data within the detection window
 * @param timeline local timeline, or -1
 * @param lsn local WAL position, or ""
 * @param partnerAddress host:port of the partner
 * @param partnerState "primary", "standby", "refused: ...", "unreachable: ..."
 * @param witnessState "", or "reachable" / "unreachable: ..." when an arbiter (witness or etcd) is configured
 * @param arbiter where the lease lives ("witness host:port", "etcd URL,... (prefix /keeper)"), "" without one
 * @param consecutiveFailures consecutive unreachable probes of the partner
 * @param keepaliveCount the threshold
 * @param lastDecision the last heartbeat's decision (a Decision name)
 * @param lastReason why, in words, with the numbers behind it
 * @param lease the witness lease as last seen ("held by node1, term 3, expires in 2400 ms"), "" without a witness
 * @param term the lease term last seen, 0 without a witness
 * @param leaseValid false when this primary's write permission (lease or failsafe) ran out; true otherwise
 * @param rule the role rule that decided the last run (see `keeper rules`)
 * @param paused the maintenance pause that holds ("paused until ..., set ... by ..."), "" when none
 * @param leaseHolder the node_name holding the witness lease as last seen, "" when none or without a witness
 * @param updatedAt when the last heartbeat ended
 */
public record KeeperStatus(String nodeName, String role, boolean localReachable, String fenced, boolean superseded,
                           boolean walReceiverStreaming, int timeline, String lsn, String partnerAddress,
                           String partnerState, String witnessState, String arbiter, int consecutiveFailures, int keepaliveCount,
                           String lastDecision, String lastReason, String lease, long term, boolean leaseValid,
                           String rule, String paused, String leaseHolder, Instant updatedAt) {

    /** The status before the first heartbeat has run. */
    public static KeeperStatus starting(String nodeName, String partnerAddress, int keepaliveCount) {
        return new KeeperStatus(nodeName, "unknown", false, "", false, false, -1, "", partnerAddress, "not probed yet",
                "", "", 0, keepaliveCount, "STARTING", "no heartbeat has run yet", "", 0, true, "", "", "", Instant.now());
    }

    /** A primary that may take writes: reachable, not fenced, not superseded. */
    public boolean isRightfulPrimary() {
        return localReachable && "primary".equals(role) && fenced.isEmpty() && !superseded && leaseValid;
    }

    /** A standby that streams from its primary. */
    public boolean isHealthyReplica() {
        return localReachable && "standby".equals(role) && walReceiverStreaming;
    }
}
