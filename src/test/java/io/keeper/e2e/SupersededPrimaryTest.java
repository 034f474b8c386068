package io.keeper.e2e;

import static io.keeper.e2e.SplitBrainChecks.DETECTION_WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An old primary that boots again after a failover finds a partner on a newer timeline: its keeper
 * makes it read-only (on_superseded = fence) or turns it into the new primary's standby (rejoin).
 */
class SupersededPrimaryTest {
    /** The fields of GET /status, as the issue names them. */
    private static final List<String> STATUS_FIELDS = List.of("nodeName", "role", "localReachable", "fenced",
            "superseded", "walReceiverStreaming", "timeline", "lsn", "partnerAddress", "partnerState", "witnessState",
            "consecutiveFailures", "keepaliveCount", "lastDecision", "lastReason");

    /** Crashes node1, waits until node2 takes writes, returns once node1's host is booted again. */
    private static void failOverAndBootTheOldPrimaryAgain(PgPair pair, Runnable whileNode1IsDown) {
        FailoverTest.awaitStandbyKeeperWatching(pair);
        pair.node1().killHost();
        FailoverTest.awaitWritable(pair.node2(), System.nanoTime());
        whileNode1IsDown.run();
        pair.node1().startHostAgain();
    }

    /** Waits for keeper's n-th "Start completed." on {@code node}; returns when it was seen (nanoTime). */
    private static long awaitKeeperStart(PgNode node, int n) {
        Await.until(node + "'s keeper to start (start number " + n + ")", Duration.ofSeconds(60),
                () -> Sql.count(node.keeperLog(), "Start completed.") >= n);
        return System.nanoTime();
    }

    @Test
    void anOldPrimaryBootingAfterAFailoverIsFencedWithinOneDetectionWindow() throws Exception {
        try (PgPair pair = PgPair.start(node -> KeeperConf.defaults(node).withHttp())) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            SplitBrainChecks.createProbeTable(node1);
            failOverAndBootTheOldPrimaryAgain(pair, () -> { });

            long keeperStarted = awaitKeeperStart(node1, 2);
            long fencedMs = SplitBrainChecks.awaitReadOnly(node1, Duration.ofSeconds(30), keeperStarted);
            System.out.printf("[measure] old primary booted after failover: read-only %d ms after its keeper's"
                    + " 'Start completed.' was seen (detection window %d ms)%n", fencedMs, DETECTION_WINDOW.toMillis());
            assertTrue(fencedMs <= DETECTION_WINDOW.plusSeconds(1).toMillis(),
                    "read-only within one detection window (+1 s of polling) of keeper's start, took " + fencedMs + " ms");

            SplitBrainChecks.assertOnlyWritablePrimary(node2, node1);
            assertEquals("on", Sql.value(node1, "SHOW default_transaction_read_only"));
            assertFalse(Sql.value(node1, "SELECT current_setting('keeper.fenced', true)").isBlank(),
                    "keeper.fenced names the reason");
            assertEquals(200, node1.http("/health"));
            assertEquals("true", node1.status("superseded"));
            Await.until("a 'fenced' row in node2's failover_log", Duration.ofSeconds(30),
                    () -> Sql.failoverLog(node2).stream().anyMatch(row -> "fenced".equals(row.get("event"))));
            assertEquals("fenced", FailoverTest.afterCommandEnv(node1, "fenced").get("KEEPER_EVENT"));

            Thread.sleep(DETECTION_WINDOW.toMillis()); // a superseded primary never lifts its own fence
            SplitBrainChecks.assertRefusesWrites(node1);
            assertFalse(node2.isInRecovery());

            JsonNode status = node1.status();
            List<String> missing = STATUS_FIELDS.stream().filter(field -> !status.has(field)).toList();
            assertTrue(missing.isEmpty(), "/status lacks the fields " + missing + " named in the issue: " + status);
        }
    }

    @Test
    void anOldPrimaryWithOnSupersededRejoinBecomesTheNewPrimarysStandby() {
        try (PgPair pair = PgPair.start(node -> node.equals("node1")
                ? KeeperConf.defaults(node).withHttp().withString("on_superseded", "rejoin")
                : KeeperConf.defaults(node).withHttp())) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            SplitBrainChecks.createProbeTable(node1);
            Sql.execute(node1, "CREATE TABLE notes (id int PRIMARY KEY, note text)");
            failOverAndBootTheOldPrimaryAgain(pair,
                    () -> Sql.execute(node2, "INSERT INTO notes VALUES (1, 'written on node2 after the failover')"));
            long booted = System.nanoTime();

            Await.until("node1 to be in recovery after the rejoin", Duration.ofSeconds(120), node1::isInRecovery);
            String node1Address = node2.exec("getent", "ahostsv4", "node1").strip().split("\\s+")[0];
            Map<String, String> walsender = Await.until("node2 to stream WAL to node1", Duration.ofSeconds(60),
                    () -> Sql.rows(node2, "SELECT application_name, state, host(client_addr) AS addr"
                            + " FROM pg_stat_replication WHERE host(client_addr) = '" + node1Address + "'"),
                    rows -> rows.size() == 1 && "streaming".equals(rows.get(0).get("state"))).get(0);
            long rejoinedMs = Duration.ofNanos(System.nanoTime() - booted).toMillis();
            System.out.printf("[measure] on_superseded = rejoin: node1 streams from node2 %d ms after its host"
                    + " booted again%n", rejoinedMs);

            Await.until("the row written on node2 after the failover to be on node1", Duration.ofSeconds(30),
                    () -> Sql.value(node1, "SELECT note FROM notes WHERE id = 1"),
                    "written on node2 after the failover"::equals);
            Sql.execute(node2, "INSERT INTO notes VALUES (2, 'written on node2 after the rejoin')");
            Await.until("the row written after the rejoin to be on node1", Duration.ofSeconds(30),
                    () -> Sql.value(node1, "SELECT count(*) FROM notes"), "2"::equals);

            SplitBrainChecks.assertOnlyWritablePrimary(node2, node1);
            assertEquals(200, node1.http("/replica"));
            Await.until("a 'rejoined' row in node2's failover_log", Duration.ofSeconds(30),
                    () -> Sql.failoverLog(node2).stream().anyMatch(row -> "rejoined".equals(row.get("event"))));
            assertEquals("rejoined", FailoverTest.afterCommandEnv(node1, "rejoined").get("KEEPER_EVENT"));
            assertTrue(node1.keeperLog().contains("Rejoined as a standby of"), node1.keeperLog());
            // pg_rewind copies node2's postgresql.conf (cluster_name = 'node2'); synchronous_standby_names
            // and the monitoring need the rejoined standby to still call itself node1.
            assertEquals("node1", walsender.get("application_name"), "application_name of node1's WAL receiver");
        }
    }
}
