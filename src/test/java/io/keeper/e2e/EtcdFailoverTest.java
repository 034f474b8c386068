package io.keeper.e2e;

import static io.keeper.e2e.SplitBrainChecks.DETECTION_WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.e2e.WriteRecorder.Attempt;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Failovers of a pair whose arbiter is a three-member etcd cluster, one after the other on the same pair (both nodes
 * rejoin as standbys with pg_rewind when superseded): first node1, the primary, cut off from node2 and from every etcd
 * member under synchronous replication (it fences itself before node2 takes writes); then node2, now the primary,
 * crashes (node1 takes over within the window) and boots back through keeper guard without taking a write.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EtcdFailoverTest {

    private static PgPair pair;
    private static PgNode node1;
    private static PgNode node2;

    @BeforeAll
    static void pairWithEtcd() {
        pair = EtcdArbiterTest.startWithEtcd(node -> KeeperConf.defaults(node).withHttp()
                .withString("on_superseded", "rejoin"));
        node1 = pair.node1();
        node2 = pair.node2();
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    private static long term(PgNode node) {
        return Long.parseLong(node.status("term"));
    }

    @Test
    @Order(1)
    void aPrimaryCutOffFromItsStandbyAndFromEtcdFencesItselfBeforeTheStandbyTakesWrites() throws Exception {
        long termBefore = term(node1);
        SplitBrainChecks.cutOffThePrimaryFromStandbyAndArbiter(node1, node2,
                "primary cut off from standby and etcd (synchronous)", "etcd1", "etcd2", "etcd3");
        assertTrue(node1.keeperLog().contains("Demoted"), "the demotion is logged");

        node1.heal();
        pair.awaitStreaming(node2, node1, Duration.ofSeconds(120));
        SplitBrainChecks.assertOnlyWritablePrimary(node2, node1);
        Map<String, String> row = Sql.failoverLog(node2).stream()
                .filter(r -> "promoted".equals(r.get("event"))).findFirst().orElseThrow();
        long termAfter = Long.parseLong(row.get("term"));
        assertTrue(termAfter > termBefore, "the promotion took a new etcd term: " + termAfter + " > " + termBefore);
        assertEquals(termAfter, term(node2), "failover_log and keeper agree on the term");
    }

    @Test
    @Order(2)
    void aCrashedPrimaryIsReplacedWithinTheWindowAndBootsBackThroughTheGuardWithoutTakingAWrite() throws Exception {
        PgNode primary = node1.isInRecovery() ? node2 : node1;
        PgNode standby = primary == node1 ? node2 : node1;
        pair.awaitStreaming(primary, standby, Duration.ofSeconds(120));
        Await.until(standby + "'s keeper to watch the primary", Duration.ofSeconds(30),
                () -> standby.status("lease"), l -> l.startsWith("held by " + primary.name()));
        Sql.execute(primary, "CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, note text)");
        long fault = System.nanoTime();
        primary.killHost();
        long writableMs = FailoverTest.awaitWritable(standby, fault);
        System.out.printf("[measure] primary host crash with etcd: fault-to-writable %d ms (window %d ms)%n",
                writableMs, DETECTION_WINDOW.toMillis());
        Sql.execute(standby, "INSERT INTO notes VALUES (1, 'written on " + standby + " after the failover')");
        Await.until(standby + " to hold the lease", Duration.ofSeconds(10), () -> standby.status("lease"),
                l -> l.startsWith("held by " + standby.name()));

        long booted = System.nanoTime();
        primary.startHostAgain();
        try (WriteRecorder writes = WriteRecorder.start(primary, Duration.ofMillis(50))) {
            Await.until(primary + " to stream from " + standby, Duration.ofSeconds(120),
                    () -> Sql.value(standby, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"),
                    "1"::equals);
            Thread.sleep(1000);
            List<Attempt> accepted = writes.attempts().stream().filter(Attempt::accepted).toList();
            System.out.printf("[measure] old primary booted through keeper guard (etcd): streams from %s %d ms after"
                    + " the boot; %s%n", standby, Duration.ofNanos(System.nanoTime() - booted).toMillis(), writes);
            assertEquals(List.of(), accepted, "the rebooted old primary took writes");
        }
        assertTrue(primary.keeperLog().contains("keeper guard: /var/lib/postgresql/data starts as a standby"),
                primary.keeperLog());
        Await.until(standby + "'s row to reach " + primary, Duration.ofSeconds(30),
                () -> Sql.value(primary, "SELECT note FROM notes WHERE id = 1"),
                ("written on " + standby + " after the failover")::equals);
        SplitBrainChecks.assertOnlyWritablePrimary(standby, primary);
    }
}
