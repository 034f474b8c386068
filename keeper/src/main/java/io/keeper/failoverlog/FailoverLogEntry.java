package io.keeper.failoverlog;

/**
 * One row of failover_log.
 *
 * @param unixtime seconds since the epoch, by the server's clock, when the row was written
 * @param host node_name of the node that wrote it (the new primary, for a promotion)
 * @param event what happened: promoted
 * @param timeline the writer's timeline after the event
 * @param lsn the writer's WAL position after the event
 * @param previousPrimary the address of the node that was primary before
 * @param reason why keeper acted
 * @param term the lease term after the event (with a witness), or null
 */
public record FailoverLogEntry(long unixtime, String host, String event, Integer timeline, String lsn,
                               String previousPrimary, String reason, Long term) {

    /** A row without a lease term (a pair without a witness, or a table from before keeper 1.1). */
    public FailoverLogEntry(long unixtime, String host, String event, Integer timeline, String lsn,
                            String previousPrimary, String reason) {
        this(unixtime, host, event, timeline, lsn, previousPrimary, reason, null);
    }
}
