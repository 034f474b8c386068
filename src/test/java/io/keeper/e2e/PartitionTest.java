package io.keeper.e2e;

import static io.keeper.e2e.SplitBrainChecks.DETECTION_WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.e2e.WriteRecorder.Attempt;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Network partitions between the two nodes, with and without a witness: at no moment do two servers
 * take writes when a witness is configured, and without one the old primary is fenced once it sees
 * the new primary again.
 */
class PartitionTest {

    /** A pair whose keepers serve HTTP and, with {@code witness} true, use the standalone server "witness". */
    private static PgPair startPair(boolean witness) {
        PgPair.Builder builder = PgPair.builder();
        if (witness) {
            builder.standalone("witness").keepers(node -> KeeperConf.defaults(node).withHttp()
                    .withString("witness_conninfo", KeeperConf.conninfo("witness")));
        } else {
            builder.keepers(node -> KeeperConf.defaults(node).withHttp());
        }
        PgPair pair = builder.start();
        SplitBrainChecks.createProbeTable(pair.node1());
        FailoverTest.awaitStandbyKeeperWatching(pair);
        if (witness) {
            for (PgNode node : List.of(pair.node1(), pair.node2())) {
                Await.until(node + "'s keeper to reach the witness", Duration.ofSeconds(30),
                        () -> node.status("witnessState"), "reachable"::equals);
            }
        }
        return pair;
    }

    @Test
    void withoutAWitnessTheOldPrimaryIsFencedOnceThePartitionHeals() {
        try (PgPair pair = startPair(false)) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            long cut = System.nanoTime();
            node1.disconnectFromNetwork();
            long promotedMs = FailoverTest.awaitWritable(node2, cut);
            System.out.printf("[measure] partition without witness: node2 takes writes %d ms after the cut%n",
                    promotedMs);

            long healed = System.nanoTime();
            node1.reconnect();
            long fencedMs = SplitBrainChecks.awaitReadOnly(node1, Duration.ofSeconds(30), healed);
            System.out.printf("[measure] partition without witness healed: node1 read-only %d ms after the"
                    + " reconnect%n", fencedMs);

            SplitBrainChecks.assertOnlyWritablePrimary(node2, node1);
            assertFalse(node2.isInRecovery());
        }
    }

    @Test
    void withAWitnessTheCutOffPrimaryFencesItselfBeforeTheStandbyTakesWrites() throws Exception {
        try (PgPair pair = startPair(true)) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            long cut;
            WriteRecorder writes1 = WriteRecorder.start(node1, Duration.ofMillis(100));
            WriteRecorder writes2 = WriteRecorder.start(node2, Duration.ofMillis(100));
            try (writes1; writes2) {
                Await.until("node1 to take the recorder's writes", Duration.ofSeconds(10),
                        () -> writes1.first(Attempt::accepted).isPresent());
                cut = System.nanoTime();
                node1.cutOffFrom("node2", "witness"); // the test process still reaches node1
                Await.until("node2 to take a write", Duration.ofSeconds(60),
                        () -> writes2.first(Attempt::accepted).isPresent());
                Await.until("node1 to refuse writes as read-only", Duration.ofSeconds(60),
                        () -> writes1.last(Attempt::refusedAsReadOnly).filter(a -> a.sentNanos() > cut).isPresent());
                Thread.sleep(2000); // both recorders keep going: a late write on node1 would show now
            }

            Attempt lastOnNode1 = writes1.last(Attempt::accepted).orElseThrow();
            Attempt firstOnNode2 = writes2.first(Attempt::accepted).orElseThrow();
            Attempt firstRefusalOnNode1 = writes1.first(a -> a.sentNanos() > lastOnNode1.sentNanos()).orElseThrow();
            long readOnlyMs = Duration.ofNanos(firstRefusalOnNode1.returnedNanos() - cut).toMillis();
            long writableMs = Duration.ofNanos(firstOnNode2.returnedNanos() - cut).toMillis();
            long gapMs = Duration.ofNanos(firstOnNode2.sentNanos() - lastOnNode1.returnedNanos()).toMillis();
            System.out.printf("[measure] partition with witness: node1 read-only %d ms after the cut, node2 takes"
                    + " writes %d ms after the cut; gap between node1's last and node2's first write %d ms"
                    + " (%s; %s)%n", readOnlyMs, writableMs, gapMs, writes1, writes2);
            assertTrue(lastOnNode1.returnedNanos() < firstOnNode2.sentNanos(),
                    "node1 took a write until " + -gapMs + " ms after node2 took its first: two writable primaries");
            assertTrue(firstRefusalOnNode1.refusedAsReadOnly(),
                    "node1 refuses as read-only: " + firstRefusalOnNode1);
            // About one window; two windows of slack for the tick phase and a loaded 2-core machine.
            assertTrue(readOnlyMs <= 2 * DETECTION_WINDOW.toMillis(),
                    "node1 read-only within about one detection window of the cut, took " + readOnlyMs + " ms");
            assertFalse(node1.status("fenced").isEmpty(), "node1's /status names the fence");

            long healed = System.nanoTime();
            node1.heal();
            Await.until("node1's keeper to see node2 as the rightful primary", Duration.ofSeconds(30),
                    () -> node1.status("superseded"), "true"::equals);
            Thread.sleep(DETECTION_WINDOW.toMillis()); // a superseded primary must not lift its fence
            System.out.printf("[measure] partition with witness healed: node1 still read-only %d ms later%n",
                    Duration.ofNanos(System.nanoTime() - healed).toMillis());
            SplitBrainChecks.assertOnlyWritablePrimary(node2, node1);
        }
    }

    @Test
    void anIsolatedPrimaryLiftsItsFenceWhenContactReturnsAndNobodyWasPromoted() {
        try (PgPair pair = startPair(true)) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            node2.cutOffFrom("witness"); // so that node2 must not promote
            Await.until("node2's keeper to lose the witness", Duration.ofSeconds(30),
                    () -> node2.status("witnessState"), state -> state.startsWith("unreachable"));
            long cut = System.nanoTime();
            node1.cutOffFrom("node2", "witness");
            long fencedMs = SplitBrainChecks.awaitReadOnly(node1, Duration.ofSeconds(30), cut);
            Await.until("node2's keeper to refuse promotion because of the witness", Duration.ofSeconds(30),
                    () -> node2.status("lastReason"), reason -> reason.contains("witness"));
            assertTrue(node2.isInRecovery());

            // node1's link first: node2 then sees its primary again before it can reach the witness. Healing both
            // at once races: a tick whose partner probe timed out just before and whose witness probe succeeds
            // just after would promote node2 (a real failover, node1 being fenced; not what this test is about).
            long healed = System.nanoTime();
            node1.heal();
            Await.until("node1 to take writes again", Duration.ofSeconds(30), () -> node1.tryWrite().isEmpty());
            long liftedMs = Duration.ofNanos(System.nanoTime() - healed).toMillis();
            System.out.printf("[measure] isolated primary, nobody promoted: read-only %d ms after the cut, writable"
                    + " again %d ms after the heal%n", fencedMs, liftedMs);
            node2.heal();

            assertEquals("off", Sql.value(node1, "SHOW default_transaction_read_only"));
            assertEquals("", node1.status("fenced"));
            assertTrue(node1.keeperLog().contains("Lifting the fence"), "the lift is logged");
            pair.awaitStreaming(node1, node2, Duration.ofSeconds(60));
            assertTrue(node2.isInRecovery());
            SplitBrainChecks.assertOnlyWritablePrimary(node1, node2);
        }
    }

    @Test
    void aStandbyThatReachesNeitherThePrimaryNorTheWitnessDoesNotPromote() throws Exception {
        try (PgPair pair = startPair(true)) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            try (WriteRecorder writes1 = WriteRecorder.start(node1, Duration.ofMillis(200))) {
                long cut = System.nanoTime();
                node2.cutOffFrom("node1", "witness");
                Await.until("node2's keeper to refuse promotion because of the witness", Duration.ofSeconds(30),
                        () -> node2.status("lastReason"), reason -> reason.contains("witness"));
                long blockedMs = Duration.ofNanos(System.nanoTime() - cut).toMillis();
                Thread.sleep(3 * DETECTION_WINDOW.toMillis()); // more windows: a wrong promotion would show now
                System.out.printf("[measure] standby cut off from primary and witness: promotion refused %d ms after"
                        + " the cut, still a standby %d ms after it%n", blockedMs,
                        Duration.ofNanos(System.nanoTime() - cut).toMillis());

                assertTrue(node2.isInRecovery(), "node2 must stay a standby");
                assertEquals("PROMOTION_BLOCKED", node2.status("lastDecision"));
                assertTrue(node2.keeperLog().contains("Not promoting: "), "the refusal is logged");
                List<Attempt> refused = writes1.attempts().stream().filter(a -> !a.accepted()).toList();
                assertTrue(refused.isEmpty(), "node1 refused writes while it reached the witness: " + refused);
                assertTrue(writes1.attempts().size() >= 20, writes1.toString());
                assertEquals(200, node1.http("/primary"));
                assertEquals("", node1.status("fenced"));
            }

            node2.heal();
            pair.awaitStreaming(node1, node2, Duration.ofSeconds(60));
            assertTrue(node2.isInRecovery());
            assertTrue(node1.acceptsWrites());
        }
    }
}
