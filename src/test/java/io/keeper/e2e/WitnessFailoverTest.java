package io.keeper.e2e;

import static io.keeper.e2e.SplitBrainChecks.DETECTION_WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.e2e.WriteRecorder.Attempt;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Failovers of a pair with a witness, each on a fresh pair: the primary cut off from everyone (it demotes itself
 * before the standby takes the lease), a crash, an old primary booting again through keeper guard, keeper killed in
 * the middle of a promotion, and witness and primary gone together.
 */
class WitnessFailoverTest {

    private static KeeperConf withHttp(String node) {
        return KeeperConf.defaults(node).withHttp();
    }

    @Test
    void aPrimaryCutOffFromBothDemotesItselfBeforeTheStandbyTakesWritesAndLosesNoSynchronousCommit()
            throws Exception {
        try (PgPair pair = WitnessLeaseTest.startWithWitness(WitnessFailoverTest::withHttp)) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            SplitBrainChecks.cutOffThePrimaryFromStandbyAndArbiter(node1, node2,
                    "primary cut off from standby and witness (synchronous)", "witness");

            // The demoted old primary refuses even a session that asks for read-write explicitly.
            Await.until("node1 to be a demoted standby", Duration.ofSeconds(30), node1::isInRecovery);
            SQLException refused = readWriteTransaction(node1);
            assertTrue(List.of("0A000", "25006").contains(refused.getSQLState()), refused.getMessage());
            assertTrue(node1.keeperLog().contains("Demoted"), "the demotion is logged");
            assertTrue(node1.status("fenced").startsWith("isolated"), node1.status().toString());

            node1.heal();
            Await.until("node1's keeper to see node2 as the rightful primary", Duration.ofSeconds(30),
                    () -> node1.status("superseded"), "true"::equals);
            SplitBrainChecks.assertOnlyWritablePrimary(node2, node1);
            Map<String, String> row = Sql.failoverLog(node2).stream()
                    .filter(r -> "promoted".equals(r.get("event"))).findFirst().orElseThrow();
            assertEquals("2", row.get("term"), "the promotion took the lease's second term");
        }
    }

    /** BEGIN READ WRITE; INSERT; COMMIT on {@code node}: returns the error it must end with. */
    private static SQLException readWriteTransaction(PgNode node) {
        try (Connection c = node.connect(); Statement st = c.createStatement()) {
            st.execute("BEGIN READ WRITE");
            st.execute("INSERT INTO e2e_probe (node) VALUES ('read-write session')");
            st.execute("COMMIT");
        } catch (SQLException e) {
            return e;
        }
        throw new AssertionError(node + " committed a write in a BEGIN READ WRITE session");
    }

    @Test
    void aCrashedPrimaryIsReplacedWithinTheWindowAndBootsBackThroughTheGuardWithoutTakingAWrite()
            throws Exception {
        try (PgPair pair = WitnessLeaseTest.startWithWitness(node -> node.equals("node1")
                ? withHttp(node).withString("on_superseded", "rejoin") : withHttp(node))) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            Sql.execute(node1, "CREATE TABLE notes (id int PRIMARY KEY, note text)");
            long fault = System.nanoTime();
            node1.killHost();
            long writableMs = FailoverTest.awaitWritable(node2, fault);
            System.out.printf("[measure] primary host crash with a witness: fault-to-writable %d ms (window %d ms)%n",
                    writableMs, DETECTION_WINDOW.toMillis());
            Sql.execute(node2, "INSERT INTO notes VALUES (1, 'written on node2 after the failover')");
            assertEquals("node2", Sql.value(pair.standalone("witness"), "SELECT holder FROM keeper_lease"));

            long booted;
            try (WriteRecorder writes1 = startRecorderWhenUp(node1)) {
                booted = System.nanoTime();
                Await.until("node1 to stream from node2", Duration.ofSeconds(120),
                        () -> Sql.value(node2, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"),
                        "1"::equals);
                Thread.sleep(1000);
                List<Attempt> accepted = writes1.attempts().stream().filter(Attempt::accepted).toList();
                System.out.printf("[measure] old primary booted through keeper guard: streams from node2 %d ms after"
                        + " the boot; %s%n", Duration.ofNanos(System.nanoTime() - booted).toMillis(), writes1);
                assertEquals(List.of(), accepted, "the rebooted old primary took writes");
                assertTrue(writes1.attempts().size() >= 5, writes1.toString());
            }
            assertTrue(node1.keeperLog().contains("keeper guard: /var/lib/postgresql/data starts as a standby"),
                    node1.keeperLog());
            Await.until("node2's row to reach node1", Duration.ofSeconds(30),
                    () -> Sql.value(node1, "SELECT note FROM notes WHERE id = 1"),
                    "written on node2 after the failover"::equals);
            SplitBrainChecks.assertOnlyWritablePrimary(node2, node1);
            assertTrue(Sql.failoverLog(node2).stream().anyMatch(r -> "fenced".equals(r.get("event"))),
                    "the guard's demotion is in the winner's failover_log");
        }
    }

    /** Writes to {@code node} every 50 ms from the moment its host boots again, before PostgreSQL is up. */
    private static WriteRecorder startRecorderWhenUp(PgNode node) {
        node.startHostAgain();
        return WriteRecorder.start(node, Duration.ofMillis(50));
    }

    @Test
    void keeperKilledRightAfterItStartedThePromotionRecordsItOnceWhenItComesBack() throws Exception {
        try (PgPair pair = WitnessLeaseTest.startWithWitness(node -> withHttp(node).withString("after_command",
                "echo $KEEPER_EVENT >> /tmp/events.log"))) {
            PgNode node2 = pair.node2();
            // Inside node2: SIGKILL keeper as soon as it logs that it is promoting (node.sh restarts it after 1 s).
            node2.exec("bash", "-c", "setsid bash -c 'tail -n0 -F /var/log/keeper.log | grep -m1 -q \"Promoting node2\""
                    + " && pkill -9 -f keeper.jar' </dev/null >/dev/null 2>&1 &");
            pair.node1().killHost();
            Await.until("node2 to be promoted", Duration.ofSeconds(60), () -> !node2.isInRecovery());
            Await.until("keeper to start again on node2", Duration.ofSeconds(60),
                    () -> Sql.count(node2.keeperLog(), "Start completed.") >= 2);
            Await.until("a promoted row on node2", Duration.ofSeconds(30),
                    () -> Sql.failoverLog(node2).stream().anyMatch(r -> "promoted".equals(r.get("event"))));
            Thread.sleep(3 * 1000); // three more runs: a second row or event would show now
            List<Map<String, String>> promoted = Sql.failoverLog(node2).stream()
                    .filter(r -> "promoted".equals(r.get("event"))).toList();
            String events = node2.readFile("/tmp/events.log").orElse("");
            System.out.printf("[measure] keeper SIGKILLed while promoting: %d promoted row(s), events fired: %s;"
                    + " the new keeper said: %s%n", promoted.size(), events.replace('\n', ' '),
                    node2.keeperLog().lines().filter(l -> l.contains("keeper stopped") || l.contains("Promoting"))
                            .toList());
            assertEquals(1, promoted.size(), "one promoted row: " + promoted);
            assertEquals(1, Sql.count(events, "promoted"), "one promoted event: " + events);
            assertEquals("2", promoted.get(0).get("timeline"));
            assertFalse(node2.status("lastDecision").equals("PROMOTION_FAILED"));
            assertTrue(node2.acceptsWrites());
        }
    }

    @Test
    void withTheWitnessAndThePrimaryGoneTheStandbyDoesNotPromoteAndSaysWhy() throws Exception {
        try (PgPair pair = WitnessLeaseTest.startWithWitness(WitnessFailoverTest::withHttp)) {
            PgNode node2 = pair.node2();
            long fault = System.nanoTime();
            pair.standalone("witness").killHost();
            pair.node1().killHost();
            String reason = Await.until("node2's keeper to refuse promotion", Duration.ofSeconds(60),
                    () -> node2.status("lastReason"), r -> r.startsWith("the lease cannot be taken"));
            Thread.sleep(3 * DETECTION_WINDOW.toMillis());
            System.out.printf("[measure] witness and primary gone: node2 refuses %d ms after the fault: %s%n",
                    Duration.ofNanos(System.nanoTime() - fault).toMillis(), reason);
            assertTrue(node2.isInRecovery(), "no promotion without the lease");
            assertEquals("PROMOTION_BLOCKED", node2.status("lastDecision"));
            assertTrue(node2.keeperLog().contains("Not promoting: the lease cannot be taken"), "logged with the reason");
            assertTrue(Sql.failoverLog(node2).isEmpty());
        }
    }
}
