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
 * The standby refuses to promote when the partner looks dead but promoting could fork history: its WAL
 * receiver still hears the primary, it lags too far behind, or the partner is another cluster.
 */
class PromotionGuardTest {

    @Test
    void doesNotPromoteWhileTheWalReceiverStreamsAlthoughTheHeartbeatPathIsCut() throws Exception {
        try (PgPair pair = PgPair.builder().heartbeatNetwork()
                .keepers(node -> KeeperConf.defaults(node).withHttp().withString("partner_conninfo",
                        KeeperConf.conninfo(PgPair.partnerOf(node) + PgNode.HEARTBEAT_ALIAS_SUFFIX)))
                .start()) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            SplitBrainChecks.createProbeTable(node1);
            Await.until("node2's keeper to see node1 as primary over the heartbeat network", Duration.ofSeconds(60),
                    () -> node2.keeperLog().contains("Partner node1-hb:5432 is primary"));

            try (WriteRecorder writes1 = WriteRecorder.start(node1, Duration.ofMillis(200))) {
                long cut = System.nanoTime();
                node2.cutOffFrom("node1" + PgNode.HEARTBEAT_ALIAS_SUFFIX); // replication uses "node1"
                Await.until("node2's keeper to refuse promotion because of its WAL receiver", Duration.ofSeconds(30),
                        () -> node2.status("lastReason"), reason -> reason.contains("WAL receiver"));
                long blockedMs = Duration.ofNanos(System.nanoTime() - cut).toMillis();
                Thread.sleep(2 * DETECTION_WINDOW.toMillis()); // more windows: a wrong promotion would show now
                System.out.printf("[measure] heartbeat path cut, replication flowing: promotion refused %d ms after"
                        + " the cut; reason: %s%n", blockedMs, node2.status("lastReason"));

                assertTrue(node2.status("partnerState").startsWith("unreachable"),
                        "the heartbeat path really is cut: " + node2.status());
                assertTrue(node2.isInRecovery(), "node2 must stay a standby");
                assertEquals("PROMOTION_BLOCKED", node2.status("lastDecision"));
                assertTrue(node2.status("lastReason").contains("WAL receiver"), node2.status("lastReason"));
                assertEquals(200, node2.http("/replica"));
                assertTrue(node2.keeperLog().contains("Not promoting: "), "the refusal is logged");
                List<Attempt> refused = writes1.attempts().stream().filter(a -> !a.accepted()).toList();
                assertTrue(refused.isEmpty(), "node1 kept taking writes: " + refused);
                String written = Sql.value(node1, "SELECT count(*) FROM e2e_probe WHERE node = 'node1'");
                Await.until("node1's writes to reach node2 while the heartbeat path is cut", Duration.ofSeconds(10),
                        () -> Long.parseLong(Sql.value(node2, "SELECT count(*) FROM e2e_probe WHERE node = 'node1'"))
                                >= Long.parseLong(written));
            }
        }
    }

    @Test
    void doesNotPromoteAStandbyLaggingBeyondMaximumLagOnFailover() throws Exception {
        try (PgPair pair = PgPair.start(node -> KeeperConf.defaults(node).withHttp()
                .with("maximum_lag_on_failover", "'16MB'"))) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            Sql.execute(node1, "CREATE TABLE filler (id int, payload text)");
            FailoverTest.awaitStandbyKeeperWatching(pair);

            Sql.execute(node2, "ALTER SYSTEM SET primary_conninfo = ''");
            Sql.execute(node2, "SELECT pg_reload_conf()");
            Await.until("node2's WAL receiver to stop", Duration.ofSeconds(30),
                    () -> Sql.value(node1, "SELECT count(*) FROM pg_stat_replication"), "0"::equals);
            String received = Sql.value(node2, "SELECT pg_last_wal_receive_lsn()");
            Sql.execute(node1, "INSERT INTO filler SELECT g, repeat('x', 1000) FROM generate_series(1, 40000) g");
            long lagBytes = Long.parseLong(Sql.value(node1,
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + received + "')::bigint"));
            assertTrue(lagBytes > 16L * 1024 * 1024, "the test needs more than 16MB of lag, has " + lagBytes);
            // node2's keeper has seen the primary's new position once its own lag figure covers the filler
            Await.until("node2's keeper to see the lag", Duration.ofSeconds(30),
                    () -> node2.metrics().get("keeper_replication_lag_bytes"), lag -> lag != null && lag >= lagBytes);

            long fault = System.nanoTime();
            node1.killHost();
            String reason = Await.until("node2's keeper to refuse promotion because of the lag", Duration.ofSeconds(30),
                    () -> node2.status("lastReason"), r -> r.contains("maximum_lag_on_failover"));
            long blockedMs = Duration.ofNanos(System.nanoTime() - fault).toMillis();
            Thread.sleep(2 * DETECTION_WINDOW.toMillis()); // more windows: a wrong promotion would show now
            System.out.printf("[measure] standby %d bytes behind: promotion refused %d ms after the primary died;"
                    + " reason: %s%n", lagBytes, blockedMs, reason);

            assertTrue(node2.isInRecovery(), "a standby lagging beyond maximum_lag_on_failover must not promote");
            assertEquals("PROMOTION_BLOCKED", node2.status("lastDecision"));
            assertTrue(reason.matches(".*\\d.*"), "the reason gives the numbers: " + reason);
            assertTrue(node2.keeperLog().lines().anyMatch(line -> line.contains("Not promoting: ")
                    && line.contains("maximum_lag_on_failover") && line.matches(".*\\d.*")), node2.keeperLog());
            assertTrue(Sql.failoverLog(node2).isEmpty());
        }
    }

    @Test
    void neverPromotesAgainstAPartnerFromADifferentCluster() throws Exception {
        try (PgPair pair = PgPair.builder().standalone("other")
                .keepers(node -> node.equals("node2")
                        ? KeeperConf.defaults(node).withHttp().withString("partner_conninfo", KeeperConf.conninfo("other"))
                        : null)
                .start()) {
            PgNode node2 = pair.node2();
            Await.until("node2's keeper to notice that other is a different cluster", Duration.ofSeconds(60),
                    () -> node2.keeperLog().contains("different cluster"));

            long fault = System.nanoTime();
            pair.standalone("other").killHost();
            Await.until("node2's keeper to count the dead partner's failed probes", Duration.ofSeconds(30),
                    () -> Integer.parseInt(node2.status("consecutiveFailures")) >= 3);
            long sinceFault = Duration.ofNanos(System.nanoTime() - fault).toMillis();
            Thread.sleep(Math.max(0, 2 * DETECTION_WINDOW.toMillis() - sinceFault)); // two windows since the fault
            System.out.printf("[measure] partner from a different cluster died: %d 'different cluster' lines in all,"
                    + " still a standby %d ms after the fault%n", Sql.count(node2.keeperLog(), "different cluster"),
                    Duration.ofNanos(System.nanoTime() - fault).toMillis());

            assertTrue(node2.isInRecovery(), "node2 must never promote against another cluster's server");
            assertFalse(Sql.hasTable(node2, "failover_log"), "no keeper ever wrote a row: a promotion would have");
            assertTrue(node2.status("lastReason").contains("different cluster"), node2.status("lastReason"));
            assertTrue(pair.node1().acceptsWrites(), "node1, the real primary, is untouched");
        }
    }
}
