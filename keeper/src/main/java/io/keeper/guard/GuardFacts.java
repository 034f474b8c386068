package io.keeper.guard;

/**
 * What keeper guard found before the server starts.
 *
 * @param node this node's node_name
 * @param bootsInRecovery standby.signal or recovery.signal is there: the server boots as a standby anyway
 * @param fenced keeper.fenced in postgresql.auto.conf (a demotion keeper did not finish), or ""
 * @param timeline the data directory's timeline (pg_controldata), -1 when unknown
 * @param term the lease term keeper recorded here (keeper.term), 0 when none
 * @param partnerAnswered the partner's server answered
 * @param partnerPrimary it answered as a primary of the same cluster
 * @param partnerStandby it answered as a standby of the same cluster
 * @param partnerForeign it answered with another system_identifier
 * @param partnerTimeline its timeline, -1 when unknown
 * @param partnerName its node_name (or address)
 * @param partnerSeen what the probe found, for the reason
 * @param arbiter a witness is configured
 * @param witnessAnswered the witness answered
 * @param leaseHolder node_name of the lease holder, "" for nobody
 * @param leaseExists the pair has a lease row on the witness
 * @param leaseTerm the lease's term
 * @param leaseSeen what the witness said, for the reason
 */
public record GuardFacts(String node, boolean bootsInRecovery, String fenced, int timeline, long term,
                         boolean partnerAnswered, boolean partnerPrimary, boolean partnerStandby,
                         boolean partnerForeign, int partnerTimeline, String partnerName, String partnerSeen,
                         boolean arbiter, boolean witnessAnswered, String leaseHolder, boolean leaseExists,
                         long leaseTerm, String leaseSeen) {

    /** The partner holds the lease. */
    public boolean leaseIsPartners() {
        return witnessAnswered && !leaseHolder.isEmpty() && !leaseHolder.equals(node);
    }
}
