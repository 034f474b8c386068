package io.keeper.e2e;

import static io.keeper.e2e.SplitBrainChecks.DETECTION_WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.e2e.WriteRecorder.Attempt;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults a pair with a witness must ride out without any promotion: the link between the nodes cut while both
 * reach the witness (with asynchronous and with synchronous replication), the witness killed, the standby cut
 * off from both. One pair serves every test; each test heals what it broke and leaves the pair streaming.
 */
class WitnessLeaseTest {

    private static PgPair pair;
    private static PgNode node1;
    private static PgNode node2;
    private static PgNode witness;

    @BeforeAll
    static void pairWithAWitness() {
        pair = startWithWitness(node -> KeeperConf.defaults(node).withHttp());
        node1 = pair.node1();
        node2 = pair.node2();
        witness = pair.standalone("witness");
    }

    /** A pair whose keepers use the standalone server "witness" as arbiter; returns once both hold their view. */
    static PgPair startWithWitness(java.util.function.Function<String, KeeperConf> conf) {
        return SplitBrainChecks.awaitLeaseOfNode1(PgPair.builder().standalone("witness")
                .keepers(node -> conf.apply(node).withString("witness_conninfo", KeeperConf.conninfo("witness")))
                .start());
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    @BeforeEach
    void healthy() {
        SplitBrainChecks.awaitStreamingUnderLease(pair, node1, node2);
    }

    @AfterEach
    void heal() {
        node1.heal();
        node2.heal();
        if (!witness.isRunning()) {
            witness.startHostAgain();
        }
    }

    /** Cuts node1 from node2 for three detection windows under load; returns the writer's view. */
    private AckedWriter cutTheLinkUnderLoad(String label) throws Exception {
        AckedWriter writer = AckedWriter.start(Duration.ofMillis(100), node1, node2);
        try (WriteRecorder writes1 = WriteRecorder.start(node1, Duration.ofMillis(200));
             WriteRecorder writes2 = WriteRecorder.start(node2, Duration.ofMillis(200))) {
            writer.awaitMoreAcks(5, Duration.ofSeconds(10));
            long cut = System.nanoTime();
            node1.cutOffFrom("node2");
            String reason = Await.until("node2's keeper to refuse promotion: the lease is node1's",
                    Duration.ofSeconds(30), () -> node2.status("lastReason"), r -> r.startsWith("the lease is held by"));
            Thread.sleep(2 * DETECTION_WINDOW.toMillis()); // more windows: a wrong promotion would show now
            assertTrue(node2.isInRecovery(), "node2 must stay a standby");
            long healed = System.nanoTime();
            node1.heal();
            pair.awaitStreaming(node1, node2, Duration.ofSeconds(60));
            writer.awaitMoreAcks(10, Duration.ofSeconds(20));
            System.out.printf("[measure] %s: promotion refused %d ms after the cut (%s); pair streams again %d ms after"
                            + " the heal; %s; %s; %s%n", label, Duration.ofNanos(healed - cut).toMillis(), reason,
                    Duration.ofNanos(System.nanoTime() - healed).toMillis(), writer, writes1, writes2);
            List<Attempt> acceptedOnNode2 = writes2.attempts().stream().filter(Attempt::accepted).toList();
            assertTrue(acceptedOnNode2.isEmpty(), "node2 never took a write: " + acceptedOnNode2);
            List<Attempt> refusedOnNode1 = writes1.attempts().stream().filter(a -> !a.accepted()).toList();
            assertTrue(refusedOnNode1.isEmpty(), "node1 kept taking writes: " + refusedOnNode1);
        } finally {
            writer.close();
        }
        return writer;
    }

    @Test
    void aCutBetweenTheNodesWhileBothReachTheWitnessPromotesNobodyAndLosesNothing() throws Exception {
        AckedWriter writer = cutTheLinkUnderLoad("link cut, both reach the witness, asynchronous");
        assertEquals(List.of(), writer.lostOn(node1), "acknowledged commits missing on the primary");
        assertTrue(writer.acks().stream().allMatch(a -> a.node().equals("node1")), writer.toString());
        assertTrue(Sql.failoverLog(node1).stream().noneMatch(r -> "promoted".equals(r.get("event"))));
    }

    @Test
    void withSynchronousReplicationTheCutReleasesCommitsOnlyUnderTheLeaseAndLosesNothing() throws Exception {
        Sql.execute(node1, "ALTER SYSTEM SET synchronous_standby_names = 'node2'");
        Sql.execute(node1, "SELECT pg_reload_conf()");
        try {
            Await.until("node2 to be node1's synchronous standby", Duration.ofSeconds(30),
                    () -> Sql.value(node1, "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'node2'"),
                    "sync"::equals);
            AckedWriter writer = cutTheLinkUnderLoad("link cut, both reach the witness, synchronous");
            assertEquals(List.of(), writer.lostOn(node1), "acknowledged commits missing on the primary");
            List<Map<String, String>> witnessRow = Sql.rows(witness, "SELECT holder, sync_released FROM keeper_lease");
            assertEquals("node1", witnessRow.get(0).get("holder"));
            assertTrue(node1.keeperLog().contains("clearing synchronous_standby_names"), "released during the cut");
            Await.until("synchronous_standby_names restored once node2 streams again", Duration.ofSeconds(30),
                    () -> Sql.value(node1, "SHOW synchronous_standby_names"), "node2"::equals);
            Await.until("the witness to clear sync_released once node2 caught up", Duration.ofSeconds(30),
                    () -> Sql.value(witness, "SELECT sync_released FROM keeper_lease"), "f"::equals);
            System.out.printf("[measure] synchronous link cut: longest wait for an acknowledged commit %d ms%n",
                    writer.longestGapMs());
        } finally {
            Sql.execute(node1, "ALTER SYSTEM RESET synchronous_standby_names");
            Sql.execute(node1, "SELECT pg_reload_conf()");
        }
    }

    @Test
    void theWitnessKilledWhileThePairIsHealthyChangesNothing() throws Exception {
        int warnings = Sql.count(node1.keeperLog(), "failed: ");
        try (AckedWriter writer = AckedWriter.start(Duration.ofMillis(100), node1, node2)) {
            writer.awaitMoreAcks(5, Duration.ofSeconds(10));
            long killed = System.nanoTime();
            witness.killHost();
            Await.until("node1's keeper to notice the witness is gone", Duration.ofSeconds(30),
                    () -> node1.status("witnessState"), s -> s.startsWith("unreachable"));
            Thread.sleep(3 * DETECTION_WINDOW.toMillis());
            int failedBefore = writer.acks().size();
            writer.awaitMoreAcks(10, Duration.ofSeconds(10));
            System.out.printf("[measure] witness killed, pair healthy: %d ms later node1 still takes writes (%s);"
                    + " node1 says: %s%n", Duration.ofNanos(System.nanoTime() - killed).toMillis(), writer,
                    node1.status("lastReason"));
            assertTrue(writer.acks().size() > failedBefore);
            assertTrue(writer.acks().stream().allMatch(a -> a.node().equals("node1")), writer.toString());
            assertTrue(writer.longestGapMs() < 1500, "no pause in writes: " + writer);
            assertEquals("true", node1.status("leaseValid"), "the failsafe keeps node1 writable");
            assertEquals(200, node1.http("/primary"));
            assertTrue(node2.isInRecovery());
            assertEquals(warnings + 1, Sql.count(node1.keeperLog(), "failed: "), "one WARN per state change: "
                    + node1.keeperLog());
        }
        witness.startHostAgain();
        Await.until("node1's keeper to renew the lease again", Duration.ofSeconds(60),
                () -> node1.status("witnessState"), "reachable"::equals);
    }

    @Test
    void aStandbyCutOffFromThePrimaryAndTheWitnessDoesNotPromote() throws Exception {
        try (WriteRecorder writes1 = WriteRecorder.start(node1, Duration.ofMillis(200))) {
            long cut = System.nanoTime();
            node2.cutOffFrom("node1", "witness");
            Await.until("node2's keeper to refuse promotion because of the witness", Duration.ofSeconds(30),
                    () -> node2.status("lastReason"), reason -> reason.startsWith("the lease cannot be taken"));
            long blockedMs = Duration.ofNanos(System.nanoTime() - cut).toMillis();
            Thread.sleep(3 * DETECTION_WINDOW.toMillis()); // more windows: a wrong promotion would show now
            System.out.printf("[measure] standby cut off from primary and witness: promotion refused %d ms after"
                    + " the cut, still a standby %d ms after it%n", blockedMs,
                    Duration.ofNanos(System.nanoTime() - cut).toMillis());

            assertTrue(node2.isInRecovery(), "node2 must stay a standby");
            assertEquals("PROMOTION_BLOCKED", node2.status("lastDecision"));
            assertTrue(node2.keeperLog().contains("Not promoting: "), "the refusal is logged");
            List<Attempt> refused = writes1.attempts().stream().filter(a -> !a.accepted()).toList();
            assertTrue(refused.isEmpty(), "node1 refused writes while it held the lease: " + refused);
            assertTrue(writes1.attempts().size() >= 20, writes1.toString());
            assertEquals(200, node1.http("/primary"));
            assertEquals("", node1.status("fenced"));
        }
        node2.heal();
    }
}
