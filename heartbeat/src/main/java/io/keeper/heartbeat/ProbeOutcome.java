package io.keeper.heartbeat;

/** How a server answered one probe; only UNREACHABLE counts toward a failover. */
public enum ProbeOutcome {
    /** Connected and answered the status query. */
    ANSWERED(false),
    /**
     * The server answered but would not serve us: wrong password, too many connections, starting up,
     * missing database. It is alive, so this never counts toward promotion.
     */
    REFUSED(false),
    /** No answer in time: connection refused, host unreachable or unknown, timed out, connection lost. */
    UNREACHABLE(true);

    private final boolean countsAsFailure;

    ProbeOutcome(boolean countsAsFailure) {
        this.countsAsFailure = countsAsFailure;
    }

    public boolean countsAsFailure() {
        return countsAsFailure;
    }
}
