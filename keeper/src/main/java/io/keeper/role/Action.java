package io.keeper.role;

/** What the role rules tell keeper to do in this run; {@link #outcome()} is the run's Decision when it works. */
public enum Action {
    WATCH(Decision.WATCHING),
    /** A maintenance pause holds: nothing is done; the reason says what would have been. */
    PAUSED(Decision.PAUSED),
    WAIT_FOR_LOCAL(Decision.LOCAL_UNAVAILABLE),
    REFUSE_PROMOTION(Decision.PROMOTION_BLOCKED),
    STAY_FENCED(Decision.FENCED),
    /** Take the lease (with a witness), then promote the local standby. */
    PROMOTE(Decision.PROMOTED),
    /** Promote a server keeper demoted, because it still holds the lease. */
    REPROMOTE(Decision.UNFENCED),
    /** A demoted server streams from the primary: clear keeper.fenced, it is an ordinary standby now. */
    ACCEPT_AS_STANDBY(Decision.REJOINED),
    /** pg_rewind from the partner and restart as its standby. */
    REJOIN(Decision.REJOINED),
    DEMOTE_SUPERSEDED(Decision.FENCED),
    /** A server demoted for isolation (or at boot) learns the partner won: keeper.fenced says superseded now. */
    MARK_SUPERSEDED(Decision.FENCED),
    DEMOTE_ISOLATED(Decision.FENCED),
    /** Lift a read-only fence keeper set where it could not restart the server. */
    LIFT_FENCE(Decision.UNFENCED),
    /** A primary takes over the expired lease of a partner that is a standby now. */
    TAKE_LEASE(Decision.WATCHING),
    BOTH_PRIMARY(Decision.BOTH_PRIMARY),
    /** Write the failover_log row and fire the event of a promotion keeper did not finish recording. */
    RECORD_EVENT(Decision.RECORDED),
    /** The planned switchover: stop, restart as the partner's standby, hand over the lease, promote the partner. */
    SWITCH_OVER(Decision.SWITCHED_OVER),
    RESTORE_SYNC(Decision.SYNC_RESTORED),
    RELEASE_SYNC(Decision.SYNC_DISABLED);

    private final Decision outcome;

    Action(Decision outcome) {
        this.outcome = outcome;
    }

    public Decision outcome() {
        return outcome;
    }
}
