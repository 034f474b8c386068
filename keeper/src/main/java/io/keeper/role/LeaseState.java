package io.keeper.role;

/** What the lease means for this node after this run's renewal or read; NO_ARBITER without a witness. */
public enum LeaseState {
    /** No witness_conninfo: keeper runs without a lease, as keeper 1.0 did. */
    NO_ARBITER,
    /** This node holds the lease and renewed (or took) it in this run. */
    MINE,
    /** The partner holds the lease and it has not expired. */
    PARTNERS,
    /** The partner holds an expired lease: it may be taken. */
    PARTNERS_EXPIRED,
    /** The lease expired but its holder released synchronous replication: the standby may lack commits. */
    SYNC_RELEASED,
    /** Nobody holds the lease and it is free now (or there is none yet). */
    FREE,
    /** A new arbiter's placeholder: nobody holds it, free after one lease time. */
    NOT_YET_FREE,
    /** The witness could not be asked in this run. */
    UNREACHABLE;

    /** A standby may take the lease in this state. */
    public boolean takeable() {
        return this == PARTNERS_EXPIRED || this == FREE;
    }
}
