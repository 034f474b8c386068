package io.keeper.role;

import io.keeper.lease.Lease;
import io.keeper.lease.LeaseException;
import io.keeper.lease.LeaseView;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The witness lease in memory, with the same compare-and-set rules as WitnessLease, on the witness's own clock:
 * tests give the witness a clock of its own to check the timing argument against clock-rate drift.
 */
final class FakeLease implements Lease {

    private final LongSupplier witnessNanos;
    boolean reachable = true;
    String holder = "";
    long term;
    long expiresNanos;
    boolean syncReleased;
    boolean exists;
    int acquisitions;

    FakeLease(LongSupplier witnessNanos) {
        this.witnessNanos = witnessNanos;
    }

    /** A lease held by {@code node} (term 1) for {@code ttl} from now, by the witness's clock. */
    FakeLease heldBy(String node, Duration ttl) {
        exists = true;
        holder = node;
        term = Math.max(1, term);
        expiresNanos = witnessNanos.getAsLong() + ttl.toNanos();
        return this;
    }

    private void check() throws LeaseException {
        if (!reachable) {
            throw new LeaseException("reading the lease on witness witness:5432 failed: Connection refused", "08001",
                    null);
        }
    }

    private LeaseView view() {
        if (!exists) {
            return LeaseView.NONE;
        }
        return new LeaseView(holder, term, Duration.ofNanos(expiresNanos - witnessNanos.getAsLong()), syncReleased);
    }

    @Override
    public LeaseView renew(long cluster, String node, Duration ttl, boolean released) throws LeaseException {
        check();
        if (!exists || holder.equals(node) || holder.isEmpty()) {
            exists = true;
            holder = node;
            term = Math.max(term, 1);
            expiresNanos = witnessNanos.getAsLong() + ttl.toNanos();
            syncReleased = released;
        }
        return view();
    }

    @Override
    public LeaseView acquire(long cluster, String node, Duration ttl) throws LeaseException {
        check();
        if (!exists) {
            exists = true;
            holder = "";
            expiresNanos = witnessNanos.getAsLong() + ttl.toNanos();
            return view();
        }
        if (!holder.equals(node) && expiresNanos - witnessNanos.getAsLong() <= 0 && !syncReleased) {
            holder = node;
            term++;
            acquisitions++;
            expiresNanos = witnessNanos.getAsLong() + ttl.toNanos();
        }
        return view();
    }

    @Override
    public LeaseView handOver(long cluster, String from, String to, Duration ttl) throws LeaseException {
        check();
        if (exists && holder.equals(from) && expiresNanos - witnessNanos.getAsLong() > 0) {
            holder = to;
            term++;
            syncReleased = false;
            expiresNanos = witnessNanos.getAsLong() + ttl.toNanos();
        }
        return view();
    }

    @Override
    public LeaseView read(long cluster) throws LeaseException {
        check();
        return view();
    }

    @Override
    public String describe() {
        return "witness witness:5432";
    }

    /** The lease as one node reaches it: cutting {@link Link#up} cuts only that node off from the witness. */
    Link link() {
        return new Link();
    }

    /** One node's link to the witness. */
    final class Link implements Lease {
        boolean up = true;
        final java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
        /** Run once by the next call before it answers, on the caller's thread: an arbiter that hangs. */
        volatile Runnable hangOnce;

        private void check() throws LeaseException {
            Runnable hang = hangOnce;
            if (hang != null) {
                hangOnce = null;
                hang.run();
            }
            if (!up) {
                throw new LeaseException("renewing the lease on witness witness:5432 failed: connect timed out",
                        null, null);
            }
        }

        @Override
        public LeaseView renew(long cluster, String node, Duration ttl, boolean released) throws LeaseException {
            check();
            return FakeLease.this.renew(cluster, node, ttl, released);
        }

        @Override
        public LeaseView acquire(long cluster, String node, Duration ttl) throws LeaseException {
            check();
            return FakeLease.this.acquire(cluster, node, ttl);
        }

        @Override
        public LeaseView handOver(long cluster, String from, String to, Duration ttl) throws LeaseException {
            check();
            return FakeLease.this.handOver(cluster, from, to, ttl);
        }

        @Override
        public LeaseView read(long cluster) throws LeaseException {
            check();
            LeaseView view = FakeLease.this.read(cluster);
            reads.incrementAndGet();
            return view;
        }

        @Override
        public String describe() {
            return FakeLease.this.describe();
        }
    }
}
