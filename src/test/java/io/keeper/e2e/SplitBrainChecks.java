package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import io.keeper.e2e.WriteRecorder.Attempt;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.testcontainers.containers.Container.ExecResult;

/** Which server of a pair takes writes, read from the servers themselves, keeper primary and GET /primary. */
final class SplitBrainChecks {
    /** SQLSTATE read_only_sql_transaction: what a fenced primary (or a standby) answers to an INSERT. */
    static final String READ_ONLY = "25006";
    /** keepalive_time × keepalive_count of {@link KeeperConf#defaults}. */
    static final Duration DETECTION_WINDOW = Duration.ofSeconds(3);

    private SplitBrainChecks() {
    }

    /** e2e_probe, created on the primary before any fault so a fenced server need not create it. */
    static void createProbeTable(PgNode primary) {
        Sql.execute(primary, "CREATE TABLE IF NOT EXISTS e2e_probe (at timestamptz DEFAULT clock_timestamp(), node text)");
    }

    /** True when an INSERT on {@code node} fails because the server is read-only. */
    static boolean refusesWritesAsReadOnly(PgNode node) {
        return node.tryWrite().map(SQLException::getSQLState).filter(READ_ONLY::equals).isPresent();
    }

    /**
     * Waits until {@code node} refuses writes as read-only and keeper reports the fence done; returns the ms
     * from {@code sinceNanos} to the first refusal.
     */
    static long awaitReadOnly(PgNode node, Duration max, long sinceNanos) {
        Await.until(node + " to refuse writes as read-only (SQLSTATE 25006)", max,
                () -> refusesWritesAsReadOnly(node));
        long refusedMs = Duration.ofNanos(System.nanoTime() - sinceNanos).toMillis();
        // keeper ends the client sessions after the reload that makes the server read-only: a session opened
        // in between is terminated (57P01). /status shows the fence once that step is done too.
        Await.until(node + "'s keeper to report the fence", Duration.ofSeconds(30),
                () -> node.status("fenced"), fenced -> !fenced.isEmpty());
        return refusedMs;
    }

    /** The INSERT on {@code node} fails with 25006 and PostgreSQL's own message for a read-only transaction. */
    static void assertRefusesWrites(PgNode node) {
        Optional<SQLException> error = node.tryWrite();
        assertTrue(error.isPresent(), node + " accepted a write");
        assertEquals(READ_ONLY, error.get().getSQLState(), node + ": " + error.get().getMessage());
        assertTrue(error.get().getMessage().contains("cannot execute INSERT in a read-only transaction"),
                error.get().getMessage());
    }

    /**
     * {@code winner} alone takes writes, and everything a client or a load balancer can ask says so:
     * {@code keeper primary} on both hosts prints the winner, GET /primary is 200 there and 503 on the loser.
     */
    static void assertOnlyWritablePrimary(PgNode winner, PgNode loser) {
        assertEquals(Optional.empty(), winner.tryWrite(), winner + " must accept writes");
        assertRefusesWrites(loser);
        for (PgNode host : new PgNode[] {winner, loser}) {
            ExecResult primary = host.keeperPrimary();
            assertEquals(0, primary.getExitCode(), "keeper primary on " + host + ": " + primary.getStderr());
            assertEquals(winner.name(), primary.getStdout().strip(), "keeper primary on " + host);
        }
        Await.until("GET /primary to answer 200 on " + winner + " and 503 on " + loser, Duration.ofSeconds(10),
                () -> winner.http("/primary") + " " + loser.http("/primary"), "200 503"::equals);
    }

    /**
     * Readies a freshly started pair with an arbiter: the probe table, node2's keeper watching, and both keepers
     * seeing node1 hold the lease. Returns the pair.
     */
    static PgPair awaitLeaseOfNode1(PgPair started) {
        createProbeTable(started.node1());
        FailoverTest.awaitStandbyKeeperWatching(started);
        for (PgNode node : List.of(started.node1(), started.node2())) {
            Await.until(node + "'s keeper to see the lease", Duration.ofSeconds(30),
                    () -> node.status("lease"), lease -> lease.startsWith("held by node1"));
        }
        return started;
    }

    /** Waits until {@code standby} streams from {@code primary} and the primary holds the lease with writes allowed. */
    static void awaitStreamingUnderLease(PgPair pair, PgNode primary, PgNode standby) {
        pair.awaitStreaming(primary, standby, Duration.ofSeconds(60));
        Await.until(primary + " to be the lease holder with writes allowed", Duration.ofSeconds(30),
                () -> primary.status("leaseValid") + " " + primary.status("lease"),
                s -> s.startsWith("true held by " + primary.name()));
    }

    /**
     * Under synchronous replication and a write load, cuts the primary node1 off from node2 and from every host of
     * the arbiter ({@code arbiterHosts}), while the test process still reaches it; waits until node2 takes writes.
     * Asserts that node1 took its last write before node2 took its first and that no acknowledged commit is missing
     * on node2, and prints the figures under {@code label}.
     */
    static void cutOffThePrimaryFromStandbyAndArbiter(PgNode node1, PgNode node2, String label,
                                                      String... arbiterHosts) throws Exception {
        // A healthy pair first: a primary's keeper that has not yet seen its standby counts it dead, and with
        // synchronous replication switched on it would release it (sync_released) before the fault.
        Await.until("node1's keeper to see node2 answer as its standby", Duration.ofSeconds(60),
                () -> node1.status("partnerState"), "standby"::equals);
        Sql.execute(node1, "ALTER SYSTEM SET synchronous_standby_names = 'node2'");
        Sql.execute(node1, "SELECT pg_reload_conf()");
        List<String> hosts = new ArrayList<>(List.of("node2"));
        hosts.addAll(List.of(arbiterHosts));
        long cut;
        AckedWriter writer = AckedWriter.start(Duration.ofMillis(100), node1, node2);
        WriteRecorder writes1 = WriteRecorder.start(node1, Duration.ofMillis(100));
        WriteRecorder writes2 = WriteRecorder.start(node2, Duration.ofMillis(100));
        try (writer; writes1; writes2) {
            writer.awaitMoreAcks(5, Duration.ofSeconds(10));
            cut = System.nanoTime();
            node1.cutOffFrom(hosts.toArray(String[]::new));
            Await.until("node2 to take a write", Duration.ofSeconds(60),
                    () -> writes2.first(Attempt::accepted).isPresent());
            writer.awaitMoreAcks(10, Duration.ofSeconds(30));
            Thread.sleep(2000); // both recorders keep going: a late write on node1 would show now
        }
        Attempt lastOnNode1 = writes1.last(a -> a.accepted() && a.sentNanos() > 0).orElseThrow();
        Attempt firstOnNode2 = writes2.first(Attempt::accepted).orElseThrow();
        long gapMs = Duration.ofNanos(firstOnNode2.sentNanos() - lastOnNode1.returnedNanos()).toMillis();
        long writableMs = Duration.ofNanos(firstOnNode2.returnedNanos() - cut).toMillis();
        Attempt firstRefusal = writes1.first(a -> a.sentNanos() > lastOnNode1.sentNanos()).orElseThrow();
        long stoppedMs = Duration.ofNanos(firstRefusal.returnedNanos() - cut).toMillis();
        List<Long> lost = writer.lostOn(node2);
        System.out.printf("[measure] %s: node1 stopped taking writes %d ms after the cut, node2 took writes %d ms after"
                + " it; gap %d ms; acknowledged commits lost: %d (%s)%n", label, stoppedMs, writableMs, gapMs,
                lost.size(), writer);
        assertTrue(lastOnNode1.returnedNanos() < firstOnNode2.sentNanos(),
                "node1 took a write until " + -gapMs + " ms after node2 took its first: two writable primaries");
        assertEquals(List.of(), lost, "acknowledged commits missing on the new primary");
    }
}
