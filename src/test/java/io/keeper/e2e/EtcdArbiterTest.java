package io.keeper.e2e;

import static io.keeper.e2e.SplitBrainChecks.DETECTION_WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keeper.e2e.WriteRecorder.Attempt;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;

/**
 * A pair whose arbiter is a real three-member etcd cluster, through faults that must change nothing: one etcd member
 * (the leader) killed, the etcd majority lost while the pair is healthy (the failsafe), the link between the nodes
 * cut while both reach etcd; and the operations that touch the lease: `keeper status`, /metrics, a maintenance pause
 * and a switchover there and back. One pair serves every test; each test heals what it broke.
 */
class EtcdArbiterTest {

    private static PgPair pair;
    private static PgNode node1;
    private static PgNode node2;
    private static EtcdCluster etcd;

    /** A pair whose keepers use the pair's etcd cluster; returns once both see node1 holding the lease. */
    static PgPair startWithEtcd(java.util.function.Function<String, KeeperConf> conf) {
        return SplitBrainChecks.awaitLeaseOfNode1(PgPair.builder().etcd(3)
                .keepers(node -> conf.apply(node).withString("etcd_endpoints",
                        "http://etcd1:2379,http://etcd2:2379,http://etcd3:2379"))
                .start());
    }

    @BeforeAll
    static void pairWithEtcd() {
        pair = startWithEtcd(node -> KeeperConf.defaults(node).withHttp());
        node1 = pair.node1();
        node2 = pair.node2();
        etcd = pair.etcd();
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    @BeforeEach
    void healthy() {
        PgNode primary = node1.isInRecovery() ? node2 : node1;
        SplitBrainChecks.awaitStreamingUnderLease(pair, primary, primary == node1 ? node2 : node1);
    }

    @AfterEach
    void heal() {
        node1.heal();
        node2.heal();
        etcd.startAllAgain();
    }

    @Test
    void statusAndMetricsShowTheArbiterItsEndpointsAndTheLease() throws Exception {
        ExecResult status = Await.until("keeper status to call the pair healthy", Duration.ofSeconds(30),
                () -> node2.keeper("status"), r -> r.getExitCode() == 0);
        System.out.println(status.getStdout());
        assertTrue(status.getStdout().contains("arbiter: etcd http://etcd1:2379,http://etcd2:2379,http://etcd3:2379"
                + " (prefix /keeper): lease held by node1, term "), status.getStdout());
        assertEquals(3, Sql.count(status.getStdout(), ":2379 ok (etcd 3."), status.getStdout());
        assertEquals(1, Sql.count(status.getStdout(), ", leader)"), status.getStdout());
        JsonNode arbiter = new ObjectMapper().readTree(node1.keeper("status", "--json").getStdout()).get("arbiter");
        assertEquals("node1", arbiter.get("holder").asText(), arbiter.toString());
        long term = arbiter.get("term").asLong();
        assertTrue(term > 0 && arbiter.get("expiresInMs").asLong() > 0, arbiter.toString());
        assertEquals(term, Long.parseLong(node1.status("term")), "keeper and keeper status see the same term");
        Map<String, Double> metrics = node1.metrics();
        assertEquals(1.0, metrics.get("keeper_arbiter_endpoint_up{endpoint=http://etcd2:2379}"), metrics.toString());
        assertEquals((double) term, metrics.get("keeper_lease_term"));
        assertTrue(metrics.get("keeper_lease_expires_in_seconds") > 0, metrics.toString());
        assertEquals(1.0, metrics.get("keeper_lease_holder{holder=node1}"));
        printFootprint(node1, metrics);

        etcd.kill(1);
        ExecResult degraded = node1.keeper("status");
        assertEquals(1, degraded.getExitCode(), degraded.getStdout());
        assertTrue(degraded.getStdout().contains("etcd endpoint http://etcd2:2379: unreachable: "),
                degraded.getStdout());
        Await.until("/metrics to show etcd2 down", Duration.ofSeconds(10), () -> node1.metrics()
                .get("keeper_arbiter_endpoint_up{endpoint=http://etcd2:2379}"), v -> v == 0.0);
    }

    /** RSS, and the time from the JVM's start to keeper's first look at its server, with the etcd arbiter. */
    private static void printFootprint(PgNode node, Map<String, Double> metrics) {
        java.util.regex.Matcher first = java.util.regex.Pattern.compile(
                "(?m)^(\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}) .*Local server 127\\.0\\.0\\.1:5432 is ")
                .matcher(node.keeperLog());
        assertTrue(first.find(), "keeper logged its first look at its server");
        long firstLookMs = java.time.LocalDateTime.parse(first.group(1).replace(' ', 'T'))
                .toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
        long startMs = Math.round(metrics.get("process_start_time_seconds") * 1000);
        System.out.printf("[measure] keeper with the etcd arbiter (JVM flags of conf/keeper.service): %.1f MiB"
                        + " resident, %.1f MiB heap used; JVM start to first look at its server %d ms%n",
                metrics.get("process_resident_memory_bytes") / 1048576.0,
                metrics.get("jvm_memory_used_bytes{area=heap}") / 1048576.0, firstLookMs - startMs);
    }

    @Test
    void theEtcdLeaderKilledChangesNothing() throws Exception {
        int warnings = Sql.count(node1.keeperLog(), "failed: ");
        try (AckedWriter writer = AckedWriter.start(Duration.ofMillis(100), node1, node2)) {
            writer.awaitMoreAcks(5, Duration.ofSeconds(10));
            int leader = etcd.leader();
            long killed = System.nanoTime();
            etcd.kill(leader);
            int newLeader = etcd.leader();
            long elected = System.nanoTime();
            Thread.sleep(3 * DETECTION_WINDOW.toMillis());
            writer.awaitMoreAcks(10, Duration.ofSeconds(10));
            System.out.printf("[measure] etcd leader %s killed, pair healthy: %s elected within %d ms; node1 says %s;"
                            + " %s%n", etcd.name(leader), etcd.name(newLeader),
                    Duration.ofNanos(elected - killed).toMillis(), node1.status("lease"), writer);
            assertTrue(node2.isInRecovery(), "node2 must stay a standby");
            assertTrue(writer.acks().stream().allMatch(a -> a.node().equals("node1")), writer.toString());
            assertTrue(writer.longestGapMs() < 1500, "no pause in writes: " + writer);
            assertEquals("true", node1.status("leaseValid"));
            assertTrue(node1.status("lease").startsWith("held by node1"), node1.status("lease"));
            assertTrue(Sql.count(node1.keeperLog(), "failed: ") - warnings <= 1,
                    "at most one warning for a renewal lost in the election: " + node1.keeperLog());
        }
    }

    @Test
    void theEtcdMajorityLostWhileThePairIsHealthyChangesNothing() throws Exception {
        try (AckedWriter writer = AckedWriter.start(Duration.ofMillis(100), node1, node2)) {
            writer.awaitMoreAcks(5, Duration.ofSeconds(10));
            long killed = System.nanoTime();
            etcd.kill(0);
            etcd.kill(1);
            Await.until("node1's keeper to notice etcd cannot answer", Duration.ofSeconds(30),
                    () -> node1.status("witnessState"), s -> s.startsWith("unreachable"));
            Thread.sleep(3 * DETECTION_WINDOW.toMillis());
            int before = writer.acks().size();
            writer.awaitMoreAcks(10, Duration.ofSeconds(10));
            System.out.printf("[measure] etcd majority lost, pair healthy: %d ms later node1 still takes writes (%s);"
                    + " node1 says: %s; node2 says: %s%n", Duration.ofNanos(System.nanoTime() - killed).toMillis(),
                    writer, node1.status("lastReason"), node2.status("lastReason"));
            assertTrue(writer.acks().size() > before);
            assertTrue(writer.acks().stream().allMatch(a -> a.node().equals("node1")), writer.toString());
            assertTrue(writer.longestGapMs() < 1500, "no pause in writes: " + writer);
            assertEquals("true", node1.status("leaseValid"), "the failsafe keeps node1 writable");
            assertEquals(200, node1.http("/primary"));
            assertTrue(node2.isInRecovery());
        }
        etcd.startAllAgain();
        Await.until("node1's keeper to renew the lease again", Duration.ofSeconds(60),
                () -> node1.status("witnessState"), "reachable"::equals);
    }

    @Test
    void aCutBetweenTheNodesWhileBothReachEtcdPromotesNobodyAndLosesNothing() throws Exception {
        AckedWriter writer = AckedWriter.start(Duration.ofMillis(100), node1, node2);
        try (WriteRecorder writes2 = WriteRecorder.start(node2, Duration.ofMillis(200))) {
            writer.awaitMoreAcks(5, Duration.ofSeconds(10));
            long cut = System.nanoTime();
            node1.cutOffFrom("node2");
            String reason = Await.until("node2's keeper to refuse promotion: the lease is node1's",
                    Duration.ofSeconds(30), () -> node2.status("lastReason"), r -> r.startsWith("the lease is held by"));
            Thread.sleep(2 * DETECTION_WINDOW.toMillis()); // more windows: a wrong promotion would show now
            assertTrue(node2.isInRecovery(), "node2 must stay a standby");
            node1.heal();
            pair.awaitStreaming(node1, node2, Duration.ofSeconds(60));
            writer.awaitMoreAcks(10, Duration.ofSeconds(20));
            System.out.printf("[measure] link cut, both reach etcd: promotion refused (%s) %d ms after the cut; %s%n",
                    reason, Duration.ofNanos(System.nanoTime() - cut).toMillis(), writer);
            List<Attempt> acceptedOnNode2 = writes2.attempts().stream().filter(Attempt::accepted).toList();
            assertTrue(acceptedOnNode2.isEmpty(), "node2 never took a write: " + acceptedOnNode2);
        } finally {
            writer.close();
        }
        assertEquals(List.of(), writer.lostOn(node1), "acknowledged commits missing on the primary");
        assertTrue(writer.acks().stream().allMatch(a -> a.node().equals("node1")), writer.toString());
        assertTrue(Sql.failoverLog(node1).stream().noneMatch(r -> "promoted".equals(r.get("event"))));
    }

    @Test
    void aPauseKeepsTheLeaseRenewedAndASwitchoverHandsItOverThereAndBack() throws Exception {
        long term = Long.parseLong(node1.status("term"));
        ExecResult paused = node1.keeper("pause", "--for", "10min");
        assertEquals(0, paused.getExitCode(), paused.getStderr());
        Thread.sleep(2 * DETECTION_WINDOW.toMillis()); // longer than the lease: only renewals keep it
        assertTrue(node2.status("lease").startsWith("held by node1, term " + term), node2.status("lease"));
        assertEquals("paused", node1.status("rule"));
        ExecResult refused = node1.keeper("switchover", "--yes");
        assertEquals(1, refused.getExitCode(), refused.getStdout());
        assertTrue(refused.getStderr().contains("paused"), refused.getStderr());
        assertEquals(0, node2.keeper("resume").getExitCode());

        try (AckedWriter writer = AckedWriter.start(Duration.ofMillis(50), node1, node2)) {
            writer.awaitMoreAcks(5, Duration.ofSeconds(20));
            ExecResult there = node1.keeper("switchover", "--to", "node2", "--yes");
            assertEquals(0, there.getExitCode(), there.getStdout() + there.getStderr());
            pair.awaitStreaming(node2, node1, Duration.ofSeconds(60));
            long handedOver = Long.parseLong(Await.until("node2 to hold the lease", Duration.ofSeconds(30),
                    () -> node2.status("lease"), l -> l.startsWith("held by node2")).replaceAll(".*term (\\d+).*", "$1"));
            assertTrue(handedOver > term, "the handover is a new term: " + handedOver + " > " + term);
            assertTrue(Sql.failoverLog(node2).stream().anyMatch(r -> "switchover".equals(r.get("event"))
                    && String.valueOf(handedOver).equals(r.get("term"))), "failover_log records the etcd term");
            writer.awaitMoreAcks(5, Duration.ofSeconds(20));
            ExecResult back = node2.keeper("switchover", "--to", "node1", "--yes");
            assertEquals(0, back.getExitCode(), back.getStdout() + back.getStderr());
            pair.awaitStreaming(node1, node2, Duration.ofSeconds(60));
            writer.awaitMoreAcks(5, Duration.ofSeconds(20));
            writer.close();
            System.out.printf("[measure] switchover there and back with etcd: %s%n", writer);
            assertEquals(List.of(), writer.lostOn(node1), "acknowledged commits lost");
        }
        assertFalse(node1.isInRecovery());
    }
}
