package io.keeper.role;

/**
 * Why keeper took writes away from this server, read back from keeper.fenced on the server itself (so it
 * survives keeper and server restarts). The prefix of the stored reason names the kind.
 */
public enum Fence {
    /** Not fenced. */
    NONE(""),
    /** The partner is the rightful primary (newer timeline, or the lease). Never lifted by keeper. */
    SUPERSEDED("superseded"),
    /** This primary lost contact with partner and witness and gave up writing before its lease ran out. */
    ISOLATED("isolated"),
    /** The boot guard started this former primary as a standby; keeper promotes it again under the lease. */
    GUARD("guard"),
    /** This primary stopped for a planned switchover and runs as the partner's standby; undone if it never finished. */
    SWITCHOVER("switchover");

    private final String prefix;

    Fence(String prefix) {
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** The kind of a stored reason; an unknown non-empty reason counts as SUPERSEDED (the safe reading). */
    public static Fence of(String reason) {
        if (reason == null || reason.isEmpty()) {
            return NONE;
        }
        for (Fence f : values()) {
            if (f != NONE && reason.startsWith(f.prefix)) {
                return f;
            }
        }
        return SUPERSEDED;
    }

    /** Keeper may lift this fence by itself once it holds the lease again (nobody was promoted meanwhile). */
    public boolean liftableUnderLease() {
        return this == ISOLATED || this == GUARD || this == SWITCHOVER;
    }
}
