package io.keeper.lease;

import java.time.Duration;

/**
 * The arbiter's lease: at most one node of a pair holds it at a time, and only its holder may take writes.
 * Every change is a compare-and-set evaluated on the arbiter with the arbiter's own clock, so the two nodes'
 * wall clocks never matter. Implementations: {@link WitnessLease} (a table on a PostgreSQL witness) and
 * {@link EtcdLease} (keys and an etcd lease in an etcd cluster); {@link Arbiters} opens the configured one.
 */
public interface Lease extends AutoCloseable {

    /**
     * Extends the lease by {@code ttl} when {@code node} holds it (whatever its expiry: nobody took it meanwhile),
     * or creates it for {@code node} at term 1 when the cluster has no lease yet. Also records whether the holder
     * released synchronous replication, which keeps the standby from taking the lease.
     *
     * @return the lease after the call: held by {@code node} when the renewal worked, else by whoever holds it
     */
    LeaseView renew(long cluster, String node, Duration ttl, boolean syncReleased) throws LeaseException;

    /**
     * Takes the lease for {@code node} when it has expired by the arbiter's clock and its holder did not release
     * synchronous replication; the term goes up by one. A cluster without a lease gets one held by nobody that
     * expires after {@code ttl}, so a replaced arbiter cannot hand the lease out at once.
     *
     * @return the lease after the call: held by {@code node} when it was taken
     */
    LeaseView acquire(long cluster, String node, Duration ttl) throws LeaseException;

    /**
     * A planned switchover: the holder {@code from}, whose server has stopped writing, gives the lease to {@code to}
     * at once (term + 1, lasting {@code ttl}) instead of letting it expire. Only while {@code from} still holds it.
     *
     * @return the lease after the call: held by {@code to} when the handover worked
     */
    LeaseView handOver(long cluster, String from, String to, Duration ttl) throws LeaseException;

    /** The lease as it is now (holder and term), without changing it; {@link LeaseView#NONE} when there is none. */
    LeaseView read(long cluster) throws LeaseException;

    /** Where the lease lives, for logs (never with a password): "witness host:port". */
    String describe();

    /**
     * For status and metrics: each endpoint of the arbiter and how it answered just now ("ok, leader", "unreachable:
     * connection refused"), in configuration order; empty where the arbiter has a single address (a witness, whose
     * reachability the heartbeat already shows).
     */
    default java.util.Map<String, String> endpointHealth(Duration timeout) {
        return java.util.Map.of();
    }

    /** How long one call may take from now on (keepalive_time changed on reload). */
    default void setDeadline(Duration deadline) {
    }

    /** Releases what the lease holds open (threads, sessions it owns); the default holds nothing. */
    @Override
    default void close() {
    }
}
