package io.keeper.role;

/** What one heartbeat run decided; the engine logs the why, tests assert on the what. */
public enum Decision {
    /** Nothing to do: the pair looks healthy, or a failure was counted below the threshold. */
    WATCHING,
    /** The local server could not be reached; keeper does not act blind. */
    LOCAL_UNAVAILABLE,
    /** The partner stopped answering for keepalive_count probes, but was never seen as primary. */
    PROMOTION_BLOCKED,
    /** This standby was promoted. */
    PROMOTED,
    /** Promotion was attempted and failed; it is tried again on the next run. */
    PROMOTION_FAILED,
    /** The primary cleared synchronous_standby_names because the standby is gone. */
    SYNC_DISABLED,
    /** The primary put synchronous_standby_names back because the standby streams again. */
    SYNC_RESTORED,
    /** Both servers are primaries and this one is the rightful primary; the partner's keeper fences its server. */
    BOTH_PRIMARY,
    /** This server was demoted or fenced: superseded by the partner, or isolated from partner and witness. */
    FENCED,
    /** A demotion or fence keeper had set was lifted: this node still holds the lease, nobody was promoted. */
    UNFENCED,
    /** This superseded primary was rewound and restarted as the winner's standby, or now streams from it. */
    REJOINED,
    /** A promotion whose failover_log row and event had not been written (keeper stopped midway) was recorded. */
    RECORDED,
    /** A planned switchover finished: the partner is the primary, this server its standby. */
    SWITCHED_OVER,
    /** A planned switchover did not finish (undone, or left to the rules); the reason says why. */
    SWITCHOVER_FAILED,
    /** A maintenance pause holds: keeper did not act (the reason says what it held back). */
    PAUSED,
    /** The run was interrupted because keeper is stopping. */
    STOPPING
}
