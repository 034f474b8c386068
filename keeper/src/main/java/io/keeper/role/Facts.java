package io.keeper.role;

/**
 * Everything one heartbeat run observed that the role rules decide on, as plain values: the rules are pure
 * functions of this record, so a unit test of a rule is one Facts in, one Verdict out.
 *
 * @param localAnswered the local server answered this run's look
 * @param standby the local server is in recovery
 * @param fence why keeper took writes away from the local server (keeper.fenced), NONE when it did not
 * @param fenceReason the stored reason, "" when not fenced
 * @param partnerAnswered the partner answered this run's probe
 * @param partnerPrimary the partner answered as a primary
 * @param partnerStandby the partner answered as a standby
 * @param partnerForeign the partner once answered with another system_identifier
 * @param partnerTimelineNotAhead the partner answered with a timeline no higher than the local one
 * @param partnerWinsElection both are primaries and the election rule names the partner
 * @param failures consecutive unreachable probes of the partner
 * @param keepaliveCount how many of those make the partner dead
 * @param partnerSeenAsPrimary the partner answered as a primary at least once since keeper started
 * @param heardFromPrimaryMs on a standby: ms since WAL last arrived from the primary, null when never since start
 * @param windowMs the detection window in ms
 * @param silenceMs how long no WAL may have arrived before a promotion: the window, less a tolerance of an eighth
 *                  of the lease margin so that a run landing a few ms early does not wait a whole keepalive_time
 * @param lagBytes on a standby: how far the primary was last seen ahead of what arrived here, null when unknown
 * @param maxLagBytes maximum_lag_on_failover, -1 = no limit
 * @param streamingFromPartner on a standby: its WAL receiver streams (data within the detection window)
 * @param lease what the lease means for this node after this run
 * @param writeAllowed on a primary with a witness: the lease or the failsafe still allows writes
 * @param synchronous synchronous_standby_names is set
 * @param syncSaved keeper saved synchronous_standby_names when it cleared it
 * @param standbyStreams on a primary: a WAL sender is streaming
 * @param pendingEvent a promotion (or lifted demotion) whose failover_log row and event are not written yet
 * @param rejoin on_superseded = rejoin and rejoin attempts are left
 * @param paused a maintenance pause (`keeper pause`) holds, recorded on this server or on the partner
 * @param switchoverFromMe `keeper switchover` asked this primary to hand over to the partner: the same valid request
 *                         is recorded on both servers
 * @param switchoverToMe a valid request naming this node as the new primary is recorded on either server
 * @param partnerFollows on a primary: the partner is an unfenced standby whose WAL receiver gets this primary's
 *                       timeline (not a demoted server streaming its diverged old timeline)
 * @param text the names and numbers the reasons quote
 */
public record Facts(boolean localAnswered, boolean standby, Fence fence, String fenceReason,
                    boolean partnerAnswered, boolean partnerPrimary, boolean partnerStandby, boolean partnerForeign,
                    boolean partnerTimelineNotAhead, boolean partnerWinsElection, int failures, int keepaliveCount,
                    boolean partnerSeenAsPrimary, Long heardFromPrimaryMs, long windowMs, long silenceMs, Long lagBytes,
                    long maxLagBytes, boolean streamingFromPartner, LeaseState lease, boolean writeAllowed,
                    boolean synchronous, boolean syncSaved, boolean standbyStreams, boolean pendingEvent,
                    boolean rejoin, boolean paused, boolean switchoverFromMe,
                    boolean switchoverToMe, boolean partnerFollows, Text text) {

    /**
     * Names and numbers for the reasons; never a password.
     *
     * @param partner host:port of the partner
     * @param partnerName the partner's node_name (or its address when it published none)
     * @param lastFailure why the last partner probe failed
     * @param unreachableMs ms since the first of the current run of failed probes
     * @param local what the local look found ("standby, timeline 2, lsn ...", or why it failed)
     * @param lease the lease as the witness answered, or why it could not be asked
     * @param permission on a primary: until when writes are allowed and by what
     * @param election both primaries: the numbers the election compared
     * @param lag on a standby: where it is and where the primary was last seen
     * @param pause the pause that holds ("paused until ..., set ... by ..."), or ""
     * @param switchover the valid switchover request ("switchover 3f2a9c1e from node1 to node2"), or ""
     */
    public record Text(String partner, String partnerName, String lastFailure, long unreachableMs, String local,
                       String lease, String permission, String election, String lag, String pause,
                       String switchover) {
    }

    /** The same facts without the pause: what keeper would decide if it were not paused. */
    public Facts unpaused() {
        return new Facts(localAnswered, standby, fence, fenceReason, partnerAnswered, partnerPrimary, partnerStandby,
                partnerForeign, partnerTimelineNotAhead, partnerWinsElection, failures, keepaliveCount,
                partnerSeenAsPrimary, heardFromPrimaryMs, windowMs, silenceMs, lagBytes, maxLagBytes,
                streamingFromPartner, lease, writeAllowed, synchronous, syncSaved, standbyStreams, pendingEvent, rejoin,
                false, switchoverFromMe, switchoverToMe, partnerFollows, text);
    }

    /** A primary with a witness whose write permission ran out: its fence is the lease's, which no pause holds. */
    public boolean permissionLost() {
        return arbiter() && !standby && fence == Fence.NONE && !writeAllowed;
    }

    public boolean arbiter() {
        return lease != LeaseState.NO_ARBITER;
    }

    public boolean partnerDead() {
        return failures >= keepaliveCount;
    }
}
