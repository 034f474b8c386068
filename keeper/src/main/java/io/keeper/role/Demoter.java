package io.keeper.role;

/**
 * Takes writes away from the local server for real: an immediate shutdown, then a restart as the partner's
 * standby, marked with the reason (see io.keeper.rejoin.Demotion). Only where keeper runs on the database host
 * as the server's owner; elsewhere keeper falls back to the read-only fence.
 */
public interface Demoter {

    /** Stops the server at once, so it acknowledges no further commit; null on success, else why not. */
    String stopNow();

    /** Stops the server (if it still runs) and starts it as a standby marked with {@code reason}; null on success. */
    String demote(String reason);

    /**
     * A planned switchover: a fast shutdown (the standby receives every WAL record first), then a start as the
     * partner's standby marked with {@code reason}; null on success.
     */
    String demoteCleanly(String reason);
}
