package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;

/**
 * Operating a real pair: `keeper status` on a healthy, paused and broken pair; `keeper pause` and `keeper resume`:
 * a pause recorded on both servers holds back the failover of a primary rebooted for maintenance and of one that
 * died, across restarts of keeper and PostgreSQL; a resume fails the dead primary over one detection window later.
 */
class PairOperationsTest {

    /** Comfortably longer than the detection window (1 s x 3) plus a promotion. */
    private static final Duration LONGER_THAN_A_FAILOVER = Duration.ofSeconds(10);

    @Test
    void aPausedPairDoesNotFailOverAndAResumeFailsADeadPrimaryOver() throws Exception {
        try (PgPair pair = PgPair.start(name -> KeeperConf.defaults(name).withHttp())) {
            PgNode primary = pair.node1();
            PgNode standby = pair.node2();
            FailoverTest.awaitStandbyKeeperWatching(pair);
            ExecResult healthy = Await.until("keeper status to call the pair healthy", Duration.ofSeconds(30),
                    () -> primary.keeper("status"), r -> r.getExitCode() == 0);
            String[] lines = healthy.getStdout().split("\n");
            assertTrue(lines[1].matches(
                    "node1 +127\\.0\\.0\\.1:5432 +primary +running +1 .* runs: primary-watching .*"),
                    healthy.getStdout());
            assertTrue(lines[2].matches("node2 +node2:5432 +standby +streaming +1 .* \\d+ B.* runs: watching .*"),
                    healthy.getStdout());
            assertEquals("pair: healthy", lines[lines.length - 1]);
            Map<String, Double> metrics = primary.metrics();
            assertEquals(1.0, metrics.get("keeper_role{role=primary}"), metrics.toString());
            assertEquals(0.0, metrics.get("keeper_paused"));
            assertEquals(1.0, metrics.get("keeper_timeline"));
            assertTrue(metrics.get("keeper_partner_probe_duration_seconds") >= 1, "probes were timed");
            assertTrue(metrics.get("keeper_seconds_since_last_run") < 5, metrics.toString());
            assertTrue(metrics.containsKey("process_resident_memory_bytes"), metrics.keySet().toString());
            JsonNode doc = new ObjectMapper().readTree(standby.keeper("status", "--json").getStdout());
            assertEquals("healthy", doc.get("health").asText());
            assertEquals("node2", doc.get("nodes").get(0).get("name").asText(), "this node first");

            ExecResult paused = standby.keeper("pause", "--for", "30min");
            assertEquals(0, paused.getExitCode(), paused.getStderr());
            assertTrue(paused.getStdout().startsWith("paused: paused until "), paused.getStdout());
            assertTrue(paused.getStdout().contains("node1:5432") && paused.getStdout().contains("127.0.0.1:5432"),
                    paused.getStdout());
            for (PgNode node : new PgNode[] {primary, standby}) {
                assertTrue(Sql.value(node, "SHOW keeper.paused").startsWith("until="), node + " records the pause");
                Await.until(node + "'s /status to show the pause", Duration.ofSeconds(30),
                        () -> node.status("paused").startsWith("paused until "));
                assertEquals("paused", node.status("rule"));
            }
            assertEquals(1.0, standby.metrics().get("keeper_paused"));
            ExecResult whilePaused = primary.keeper("status");
            assertEquals(1, whilePaused.getExitCode(), whilePaused.getStdout());
            assertTrue(whilePaused.getStdout().contains("pair: degraded: failover is paused: paused until "),
                    whilePaused.getStdout());

            // Planned maintenance: the primary's host reboots. Nobody fails over; the pause survives the reboot.
            primary.killHost();
            Await.until("node2's keeper to hold back a promotion", LONGER_THAN_A_FAILOVER.multipliedBy(3),
                    () -> standby.keeperLog().contains("holding back promote"));
            Thread.sleep(LONGER_THAN_A_FAILOVER.toMillis());
            assertTrue(standby.isInRecovery(), "a paused standby does not promote");
            primary.startHostAgain();
            pair.awaitStreaming(primary, standby, Duration.ofSeconds(60));
            assertFalse(primary.isInRecovery());
            assertTrue(Sql.value(primary, "SHOW keeper.paused").startsWith("until="), "the pause survives a reboot");

            // The standby's keeper restarts: it reads the pause from its server again.
            standby.killKeeper();
            Await.until("node2's keeper to start again, paused", Duration.ofSeconds(60),
                    () -> Sql.count(standby.keeperLog(), "Maintenance pause: ") >= 2);

            // The primary dies during the pause: still no promotion, until the resume.
            Await.until("node2's keeper to see node1 as primary again", Duration.ofSeconds(60),
                    () -> Sql.count(standby.keeperLog(), "Partner node1:5432 is primary") >= 2);
            primary.killHost();
            Thread.sleep(LONGER_THAN_A_FAILOVER.toMillis());
            assertTrue(standby.isInRecovery(), "a paused standby does not promote");
            ExecResult broken = standby.keeper("status");
            assertEquals(1, broken.getExitCode(), broken.getStdout());
            assertTrue(broken.getStdout().contains("node1:5432 unreachable: "), broken.getStdout());
            assertTrue(broken.getStdout().contains("runs: paused"), broken.getStdout());

            long resumed = System.nanoTime();
            ExecResult resume = standby.keeper("resume");
            assertEquals(1, resume.getExitCode(), "node1 is gone, so its pause could not be cleared");
            assertTrue(resume.getStdout().startsWith("resumed: the pause is cleared on this node's server"),
                    resume.getStdout());
            assertTrue(resume.getStderr().startsWith("keeper: could not clear the pause on the partner's server"
                    + " node1:5432: "), resume.getStderr());
            long writableMs = FailoverTest.awaitWritable(standby, resumed);
            System.out.printf("[measure] resume with the primary dead: node2 writable %d ms after `keeper resume`"
                    + " started (keepalive_time 1s x 3)%n", writableMs);
            assertTrue(standby.keeperLog().contains("Maintenance pause over: acting again"));
            assertEquals("", Sql.value(standby, "SELECT coalesce(current_setting('keeper.paused', true), '')"));
            assertEquals("promoted", FailoverTest.awaitFailoverLog(standby).get(0).get("event"));
            Map<String, Double> after = Await.until("node2's metrics to show the promotion", Duration.ofSeconds(10),
                    standby::metrics, m -> m.get("keeper_role{role=primary}") == 1.0);
            assertEquals(1.0, after.get("keeper_promotions_total"));
            assertEquals(0.0, after.get("keeper_paused"));
        }
    }
}
