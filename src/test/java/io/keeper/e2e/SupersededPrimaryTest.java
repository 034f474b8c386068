package io.keeper.e2e;

import static io.keeper.e2e.SplitBrainChecks.DETECTION_WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An old primary that boots again after a failover (no witness): keeper guard, run before PostgreSQL starts,
 * sees the partner on a newer timeline and makes it boot as a standby, so it never takes a write. It then streams
 * from the new primary by itself when its history allows, or stays a demoted standby (on_superseded = fence)
 * until pg_rewind rejoins it (on_superseded = rejoin).
 */
class SupersededPrimaryTest {
    /** The fields of GET /status. */
    private static final List<String> STATUS_FIELDS = List.of("nodeName", "role", "localReachable", "fenced",
            "superseded", "walReceiverStreaming", "timeline", "lsn", "partnerAddress", "partnerState", "witnessState",
            "consecutiveFailures", "keepaliveCount", "lastDecision", "lastReason", "lease", "term", "leaseValid",
            "rule");

    /**
     * Crashes node1, waits until node2 takes writes, runs {@code whileNode1IsDown}, boots node1's host again and
     * writes to it every 50 ms from the moment its server answers; returns that recorder.
     */
    private static WriteRecorder failOverAndBootTheOldPrimaryAgain(PgPair pair, Runnable whileNode1IsDown) {
        FailoverTest.awaitStandbyKeeperWatching(pair);
        pair.node1().killHost();
        FailoverTest.awaitWritable(pair.node2(), System.nanoTime());
        whileNode1IsDown.run();
        pair.node1().startHostAgain();
        return WriteRecorder.start(pair.node1(), Duration.ofMillis(50));
    }

    @Test
    void anOldPrimaryBootingAfterAFailoverNeverTakesAWrite() throws Exception {
        try (PgPair pair = PgPair.start(node -> KeeperConf.defaults(node).withHttp())) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            SplitBrainChecks.createProbeTable(node1);
            long booted;
            try (WriteRecorder writes1 = failOverAndBootTheOldPrimaryAgain(pair, () -> { })) {
                booted = System.nanoTime();
                Await.until("node1's keeper to start again", Duration.ofSeconds(60),
                        () -> Sql.count(node1.keeperLog(), "Start completed.") >= 2);
                Thread.sleep(DETECTION_WINDOW.toMillis());
                List<WriteRecorder.Attempt> accepted = writes1.attempts().stream()
                        .filter(WriteRecorder.Attempt::accepted).toList();
                System.out.printf("[measure] old primary booted after failover through keeper guard: %s, %d ms"
                        + " watched%n", writes1, Duration.ofNanos(System.nanoTime() - booted).toMillis());
                assertEquals(List.of(), accepted, "the rebooted old primary took writes");
                assertTrue(writes1.attempts().size() >= 20, writes1.toString());
            }
            String guard = node1.keeperLog().lines().filter(l -> l.startsWith("keeper guard: ")).findFirst()
                    .orElseThrow();
            assertTrue(guard.contains("starts as a standby [partner-newer]: superseded by node2"), guard);
            assertTrue(node1.isInRecovery());
            SplitBrainChecks.assertOnlyWritablePrimary(node2, node1);
            Await.until("the guard's fenced row in node2's failover_log", Duration.ofSeconds(30),
                    () -> Sql.failoverLog(node2).stream().anyMatch(row -> "fenced".equals(row.get("event"))));
            assertEquals("fenced", FailoverTest.afterCommandEnv(node1, "fenced").get("KEEPER_EVENT"),
                    "the guard runs after_command before PostgreSQL starts");
            assertEquals(200, node1.http("/health"));
            assertEquals(503, node1.http("/primary"));
            // It either streams from node2 already (its history had not forked) or waits, demoted, for a human.
            String fenced = node1.status("fenced");
            assertTrue(fenced.startsWith("superseded by node2") || node1.status("walReceiverStreaming").equals("true"),
                    node1.status().toString());

            JsonNode status = node1.status();
            List<String> missing = STATUS_FIELDS.stream().filter(field -> !status.has(field)).toList();
            assertTrue(missing.isEmpty(), "/status lacks the fields " + missing + ": " + status);
        }
    }

    @Test
    void anOldPrimaryWithOnSupersededRejoinBecomesTheNewPrimarysStandby() throws Exception {
        try (PgPair pair = PgPair.start(node -> node.equals("node1")
                ? KeeperConf.defaults(node).withHttp().withString("on_superseded", "rejoin")
                : KeeperConf.defaults(node).withHttp())) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            SplitBrainChecks.createProbeTable(node1);
            Sql.execute(node1, "CREATE TABLE notes (id int PRIMARY KEY, note text)");
            // node1 writes a row node2 never receives, so their histories fork and only pg_rewind can rejoin it.
            FailoverTest.awaitStandbyKeeperWatching(pair);
            Sql.execute(node2, "ALTER SYSTEM SET primary_conninfo = ''");
            Sql.execute(node2, "SELECT pg_reload_conf()");
            Await.until("node2's WAL receiver to stop", Duration.ofSeconds(30),
                    () -> Sql.value(node1, "SELECT count(*) FROM pg_stat_replication"), "0"::equals);
            Sql.execute(node1, "INSERT INTO notes VALUES (0, 'only on node1')");
            long booted;
            try (WriteRecorder writes1 = failOverAndBootTheOldPrimaryAgain(pair,
                    () -> Sql.execute(node2, "INSERT INTO notes VALUES (1, 'written on node2 after the failover')"))) {
                booted = System.nanoTime();
                Await.until("node1 to be in recovery after the rejoin", Duration.ofSeconds(120), node1::isInRecovery);
                String node1Address = node2.exec("getent", "ahostsv4", "node1").strip().split("\\s+")[0];
                Map<String, String> walsender = Await.until("node2 to stream WAL to node1", Duration.ofSeconds(60),
                        () -> Sql.rows(node2, "SELECT application_name, state, host(client_addr) AS addr"
                                + " FROM pg_stat_replication WHERE host(client_addr) = '" + node1Address + "'"),
                        rows -> rows.size() == 1 && "streaming".equals(rows.get(0).get("state"))).get(0);
                System.out.printf("[measure] on_superseded = rejoin: node1 streams from node2 %d ms after its host"
                        + " booted again; %s%n", Duration.ofNanos(System.nanoTime() - booted).toMillis(), writes1);
                assertEquals(List.of(), writes1.attempts().stream().filter(WriteRecorder.Attempt::accepted).toList(),
                        "the rebooted old primary took writes");
                // pg_rewind copies node2's postgresql.conf (cluster_name = 'node2'); synchronous_standby_names
                // and the monitoring need the rejoined standby to still call itself node1.
                assertEquals("node1", walsender.get("application_name"), "application_name of node1's WAL receiver");
            }
            Await.until("the row written on node2 after the failover to be on node1", Duration.ofSeconds(30),
                    () -> Sql.value(node1, "SELECT note FROM notes WHERE id = 1"),
                    "written on node2 after the failover"::equals);
            assertEquals("0", Sql.value(node1, "SELECT count(*) FROM notes WHERE id = 0"), "the forked row is gone");
            Sql.execute(node2, "INSERT INTO notes VALUES (2, 'written on node2 after the rejoin')");
            Await.until("the row written after the rejoin to be on node1", Duration.ofSeconds(30),
                    () -> Sql.value(node1, "SELECT count(*) FROM notes"), "2"::equals);

            SplitBrainChecks.assertOnlyWritablePrimary(node2, node1);
            Await.until("node1's /replica to answer 200", Duration.ofSeconds(30), () -> node1.http("/replica") == 200);
            Await.until("a 'rejoined' row in node2's failover_log", Duration.ofSeconds(30),
                    () -> Sql.failoverLog(node2).stream().anyMatch(row -> "rejoined".equals(row.get("event"))));
            assertEquals("rejoined", FailoverTest.afterCommandEnv(node1, "rejoined").get("KEEPER_EVENT"));
            assertTrue(node1.keeperLog().contains("Rejoined as a standby of"), node1.keeperLog());
        }
    }
}
