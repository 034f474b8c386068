package io.keeper.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.config.ConfigFile;
import io.keeper.config.KeeperConfig;
import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ProbeOutcome;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import io.keeper.lease.LeaseTiming;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Both keepers of a pair and one witness lease, driven on a fake clock: node1 runs at every whole second, node2
 * half a second later, and the witness's clock may run at another rate than the nodes' (clock-rate drift). Each
 * test cuts links and checks who may write when.
 */
class KeeperLeaseTest {

    private static final Duration T = Duration.ofSeconds(1);
    private static final int K = 3;
    private static final Duration WINDOW = T.multipliedBy(K);
    private static final LeaseTiming TIMING = LeaseTiming.forWindow(WINDOW);
    /**
     * How long after its deadline the watchdog may still let writes through, as the README's timing argument
     * assumes: one last renewal attempt (a quarter of the margin) and the immediate shutdown (half of it).
     */
    private static final Duration STOP_BUDGET = TIMING.margin().dividedBy(4).plus(TIMING.margin().dividedBy(2));
    /** The clock-rate difference between a node and the witness the README documents as tolerated. */
    private static final double DOCUMENTED_DRIFT = 0.06;
    private static final ProbeResult DEAD = new ProbeResult(ProbeOutcome.UNREACHABLE, null, "connect timed out", null,
            Duration.ofMillis(1000));

    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);
    private double witnessRate = 1.0;
    private final long witnessEpoch = clock.get();
    private final FakeLease lease = new FakeLease(
            () -> witnessEpoch + (long) ((clock.get() - witnessEpoch) * witnessRate));
    private boolean nodesLinked = true;

    /** One node: its server, its view of the partner, its link to the witness, its keeper. */
    private final class Node {
        final String name;
        final FakeLocalServer server;
        final FakePartner partner = new FakePartner(DEAD);
        final FakeLease.Link link = lease.link();
        final FakeDemoter demoter;
        final List<String> events = new ArrayList<>();
        final Keeper keeper;
        Node other;

        Node(String name, FakeLocalServer server, String... extra) throws Exception {
            this.name = name;
            this.server = server;
            this.demoter = new FakeDemoter(server);
            List<ConfigFile.Entry> entries = new ArrayList<>(List.of(
                    new ConfigFile.Entry("node_name", name, 1),
                    new ConfigFile.Entry("my_conninfo", "host=127.0.0.1 port=5432", 2),
                    new ConfigFile.Entry("partner_conninfo", "host=" + (name.equals("node1") ? "node2" : "node1")
                            + " port=5432", 3),
                    new ConfigFile.Entry("witness_conninfo", "host=witness port=5432", 4),
                    new ConfigFile.Entry("keepalive_time", "1s", 5),
                    new ConfigFile.Entry("keepalive_count", String.valueOf(K), 6)));
            for (int i = 0; i < extra.length; i += 2) {
                entries.add(new ConfigFile.Entry(extra[i], extra[i + 1], 7 + i));
            }
            server.nodeName = name;
            partner.dynamic = () -> nodesLinked && other != null && other.server.reachable
                    ? ProbeResult.answered(other.server.status().state(), Duration.ofMillis(2)) : DEAD;
            keeper = new Keeper(KeeperConfig.fromEntries(Path.of("test.conf"), entries), server, partner, link, null,
                    demoter, (event, env) -> {
                        if (!event.equals("primary") && !event.equals("standby")) {
                            events.add(event); // the start announcements are KeeperTest's subject
                        }
                    }, clock::get, null);
        }

        Decision run() {
            return keeper.runOnce();
        }

        /** Monotonic time until which this node may write, or null when it may not (or is no primary). */
        Long writableUntil() {
            Long ms = keeper.permission().remainingMs();
            return ms == null || ms <= 0 || server.inRecovery ? null : clock.get() + Duration.ofMillis(ms).toNanos();
        }
    }

    private Node node1;
    private Node node2;

    /** A healthy pair: node1 primary, node2 streaming from it (it receives everything node1 writes). */
    private void healthyPair() throws Exception {
        node1 = new Node("node1", FakeLocalServer.primary());
        node2 = new Node("node2", FakeLocalServer.standby());
        node1.other = node2;
        node2.other = node1;
        node2.server.walReceiverAgeMs = 100L;
        for (int i = 0; i < 3; i++) {
            second();
        }
    }

    /**
     * One second of the pair: node1 runs, then half a second later node2, whose server has received whatever
     * node1 wrote while the nodes are linked.
     */
    private List<Decision> second() {
        Decision d1 = node1.run();
        advance(Duration.ofMillis(500));
        if (nodesLinked && node1.server.reachable && !node1.server.inRecovery) {
            node2.server.receivedLsn = ServerState.formatLsn(node1.server.walLsn);
        }
        if (!nodesLinked) {
            node2.server.walReceiverAgeMs = null;
        }
        Decision d2 = node2.run();
        advance(Duration.ofMillis(500));
        return List.of(d1, d2);
    }

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void thePrimaryTakesTheLeaseAndRenewsItAtEveryRunWhileTheStandbyOnlyReadsIt() throws Exception {
        healthyPair();
        assertEquals("node1", lease.holder);
        assertEquals(1, lease.term);
        assertTrue(node1.keeper.permission().allowedNow());
        assertEquals(1L, node1.server.term, "the term is recorded on the primary");
        assertEquals(List.of(Decision.WATCHING, Decision.WATCHING), second());
        assertEquals("held by node1, term 1, expires in 2500 ms", node2.keeper.status().lease());
    }

    @Test
    void aCutBetweenTheNodesAloneNeverPromotesAndThePrimaryKeepsWriting() throws Exception {
        healthyPair();
        nodesLinked = false;
        for (int i = 0; i < 10; i++) {
            List<Decision> d = second();
            assertEquals(Decision.WATCHING, d.get(0), "node1 keeps writing under its renewed lease");
            assertTrue(node1.keeper.permission().allowedNow());
        }
        assertEquals(Decision.PROMOTION_BLOCKED, second().get(1));
        assertTrue(node2.keeper.status().lastReason().startsWith("the lease is held by node1, term 1, expires in"),
                node2.keeper.status().lastReason());
        assertEquals(0, node2.server.promotions);
        nodesLinked = true;
        node2.server.walReceiverAgeMs = 50L;
        assertEquals(List.of(Decision.WATCHING, Decision.WATCHING), second());
    }

    /** Cut node1 off from node2 and the witness; returns {node1's last writable moment, node2's promotion}. */
    private long[] isolateThePrimary() {
        nodesLinked = false;
        node1.link.up = false;
        node2.server.walReceiverAgeMs = null; // the receiver's connection to node1 is gone too
        long lastWritable = 0;
        Long promotedAt = null;
        for (int i = 0; i < 12 && promotedAt == null; i++) {
            Long until = node1.writableUntil();
            if (until != null) {
                lastWritable = Math.max(lastWritable, until);
            }
            Decision d1 = node1.run();
            until = node1.writableUntil();
            if (until != null) {
                lastWritable = Math.max(lastWritable, until);
            }
            if (d1 == Decision.FENCED) {
                assertTrue(node1.server.inRecovery, "demoted for real: a standby now");
            }
            advance(Duration.ofMillis(500));
            long before = clock.get();
            if (node2.run() == Decision.PROMOTED) {
                promotedAt = before;
            }

            advance(Duration.ofMillis(500));
        }
        assertNotNull(promotedAt, "node2 was promoted");
        return new long[] {lastWritable, promotedAt};
    }

    @Test
    void aPrimaryCutOffFromBothStopsWritingBeforeTheStandbyTakesTheLease() throws Exception {
        healthyPair();
        long cut = clock.get();
        long[] t = isolateThePrimary();
        long gapMs = Duration.ofNanos(t[1] - (t[0] + STOP_BUDGET.toNanos())).toMillis();
        assertTrue(gapMs > 0, "node1 stopped writing (plus the demotion's budget) " + gapMs + " ms before node2's"
                + " promotion");
        assertEquals("node2", lease.holder);
        assertEquals(2, lease.term);
        assertTrue(node1.server.fenced.startsWith("isolated"), node1.server.fenced);
        long failoverMs = Duration.ofNanos(t[1] - cut).toMillis();
        assertTrue(failoverMs <= WINDOW.plusSeconds(1).toMillis(), "promoted " + failoverMs + " ms after the cut");
        assertEquals(List.of("promoted"), node2.events);
        assertEquals(2L, node2.server.rows.get(0).term(), "the failover_log row carries the new term");
        assertEquals(2L, node2.server.term, "and the server records it");
    }

    /**
     * The case where only the lease stands between the two: the link between the nodes fails first (the standby
     * counts its failures, its WAL stops), then the primary loses the witness too. node2 runs every 100 ms, the
     * worst case; returns {node1's last writable moment, node2's promotion} on the nodes' clock.
     */
    private long[] cutTheLinkThenTheWitness() {
        nodesLinked = false;
        for (int i = 0; i < 5; i++) {
            second();
        }
        assertEquals(0, node2.server.promotions, "the lease alone holds node2 back");
        node1.link.up = false;
        long lastWritable = 0;
        Long promotedAt = null;
        for (int step = 0; step < 80 && promotedAt == null; step++) {
            if (step % 10 == 0) {
                node1.run();
            }
            Long until = node1.writableUntil();
            if (until != null) {
                lastWritable = Math.max(lastWritable, until);
            }
            if (node2.run() == Decision.PROMOTED) {
                promotedAt = clock.get();
            }
            advance(Duration.ofMillis(100));
        }
        assertNotNull(promotedAt, "node2 was promoted");
        return new long[] {lastWritable, promotedAt};
    }

    @Test
    void whenOnlyTheLeaseHoldsTheStandbyBackThePrimaryStillStopsFirst() throws Exception {
        healthyPair();
        long[] t = cutTheLinkThenTheWitness();
        long gapMs = Duration.ofNanos(t[1] - (t[0] + STOP_BUDGET.toNanos())).toMillis();
        assertTrue(gapMs >= 0, "node1 stopped writing (plus the demotion's budget) " + gapMs + " ms before node2's"
                + " promotion");
    }

    @Test
    void theMarginHoldsAtTheDocumentedClockRateDifference() throws Exception {
        witnessRate = 1 + DOCUMENTED_DRIFT; // the witness's clock runs fast: its lease expires early in real time
        healthyPair();
        long[] t = cutTheLinkThenTheWitness();
        assertTrue(t[0] + STOP_BUDGET.toNanos() <= t[1], "node1 stops writing before node2 is promoted, with the"
                + " witness's clock " + (int) (DOCUMENTED_DRIFT * 100) + " % fast");
    }

    @Test
    void beyondTheDocumentedDriftTheMarginIsNotEnough() throws Exception {
        witnessRate = 1.3; // far beyond any real clock: shows the check above measures something
        healthyPair();
        long[] t = cutTheLinkThenTheWitness();
        assertFalse(t[0] + STOP_BUDGET.toNanos() <= t[1], "at 30 % drift the margin cannot cover the stop");
    }

    @Test
    void aCrashedPrimaryIsReplacedWithinTheWindowPlusOneSecondEvenWhenEachProbeWaitsItsWholeDeadline()
            throws Exception {
        healthyPair();
        node1.run(); // the crash comes right after node1 renewed the lease: the worst case for the lease
        advance(Duration.ofMillis(50));
        long crash = clock.get();
        node1.server.reachable = false;
        node2.server.walReceiverAgeMs = null;
        // A dead host does not refuse connections: each probe waits for its whole deadline, and the witness
        // answered node2's read at the start of the run (the probe only returns after it).
        int[] readsBefore = new int[1];
        node2.partner.dynamic = () -> {
            long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (node2.link.reads.get() <= readsBefore[0] && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            // The read is counted before the lease watch notes when it answered: let it finish, or on a busy
            // machine the clock moves first and the lease looks a whole keepalive_time fresher than it is.
            pauseBriefly();
            advance(T);
            return DEAD;
        };
        Long promotedAt = null;
        for (int i = 0; i < 8 && promotedAt == null; i++) {
            readsBefore[0] = node2.link.reads.get();
            if (node2.run() == Decision.PROMOTED) {
                promotedAt = clock.get();
            }
        }
        assertNotNull(promotedAt, "node2 was promoted");
        long ms = Duration.ofNanos(promotedAt - crash).toMillis();
        // The promotion itself takes no time here; on real servers it adds a few hundred ms to reach W + 1 s.
        assertTrue(ms <= WINDOW.plus(T.dividedBy(2)).toMillis(), "promoted " + ms + " ms after the crash");
    }

    private static void pauseBriefly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void withAWitnessWalThatArrivedWithoutAReceiverIsDatedAtTheLaterLookSoTheFailsafeHolds() throws Exception {
        healthyPair();
        node1.server.reachable = false; // a postmaster crash: the receiver's connection is reset at once
        node2.server.walReceiverAgeMs = null;
        node2.server.receivedLsn = ServerState.formatLsn(node1.server.walLsn + 0x100); // its last WAL arrived
        for (int i = 0; i < K; i++) {
            advance(T);
            node2.run();
        }
        String reason = node2.keeper.status().lastReason();
        assertTrue(reason.contains("got data from the primary 2000 ms ago"),
                "dated at the look that saw it (2 s ago), not at the look before (3 s ago): " + reason);
    }

    @Test
    void theFailsafeLooksAgainWhenItsProbeRacedThisRunsHeartbeat() throws Exception {
        healthyPair();
        node1.link.up = false;
        long[] previous = {node1.server.walLsn};
        int[] probes = {0};
        // The standby flushes what it receives before it reports it: the first probe of each run still shows the
        // previous run's heartbeat, a look a moment later shows this run's.
        node1.partner.dynamic = () -> {
            long lsn = probes[0]++ % 2 == 0 ? previous[0] : node1.server.walLsn;
            return ProbeResult.answered(new ServerState(true, 1, ServerState.formatLsn(lsn), 7L, "", "", 0, "node2",
                    "", 80L, false, null), Duration.ofMillis(2));
        };
        for (int i = 0; i < 3; i++) {
            previous[0] = node1.server.walLsn;
            assertEquals(Decision.WATCHING, node1.run());
            long ms = node1.keeper.permission().remainingMs();
            assertEquals(TIMING.writeAllowance().toMillis(), ms, "a whole allowance past this run's heartbeat");
            advance(T);
        }
    }

    @Test
    void anArbiterThatHangsForItsWholeDeadlineDoesNotHoldBackTheFailsafe() throws Exception {
        healthyPair();
        node1.link.up = false; // the arbiter lost its quorum: every call waits, then fails
        node1.partner.dynamic = () -> ProbeResult.answered(new ServerState(true, 1,
                ServerState.formatLsn(node1.server.walLsn), 7L, "", "", 0, "node2", "", 80L, false, null),
                Duration.ofMillis(2));
        java.util.concurrent.CountDownLatch inCall = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        node1.link.hangOnce = () -> {
            inCall.countDown();
            try {
                release.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        advance(T);
        java.util.concurrent.ExecutorService runner = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<Decision> run = runner.submit(node1::run);
            assertTrue(inCall.await(5, java.util.concurrent.TimeUnit.SECONDS), "the run called the arbiter");
            String thisRunsProof = "up to " + ServerState.formatLsn(node1.server.walLsn);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!node1.keeper.permission().describe().contains(thisRunsProof) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            String during = node1.keeper.permission().describe();
            release.countDown();
            assertEquals(Decision.WATCHING, run.get(10, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(during.contains("failsafe") && during.contains(thisRunsProof),
                    "while the arbiter call still hangs, this run's proof extends the permission: " + during);
        } finally {
            release.countDown();
            runner.shutdownNow();
        }
        assertEquals(0, node1.demoter.demotions);
    }

    @Test
    void whenOnlyTheWitnessIsDownThePairCarriesOnUnderTheFailsafe() throws Exception {
        healthyPair();
        node1.link.up = false;
        node2.link.up = false;
        for (int i = 0; i < 20; i++) {
            assertEquals(List.of(Decision.WATCHING, Decision.WATCHING), second());
            assertTrue(node1.keeper.permission().allowedNow(), "writes allowed by the failsafe, run " + i);
        }
        assertEquals(0, node1.demoter.demotions);
        assertTrue(node1.keeper.permission().describe().contains("failsafe"), node1.keeper.permission().describe());
        assertTrue(node1.keeper.status().isRightfulPrimary());
    }

    @Test
    void withTheWitnessAndThePrimaryGoneTheStandbyDoesNotPromoteAndSaysWhy() throws Exception {
        healthyPair();
        node2.link.up = false;
        node1.server.reachable = false; // the primary's host died
        for (int i = 0; i < 8; i++) {
            advance(Duration.ofMillis(500));
            node2.server.walReceiverAgeMs = null;
            node2.run();
            advance(Duration.ofMillis(500));
        }
        assertEquals(Decision.PROMOTION_BLOCKED, node2.run());
        assertTrue(node2.keeper.status().lastReason().startsWith("the lease cannot be taken"),
                node2.keeper.status().lastReason());
        assertEquals(0, node2.server.promotions);
    }

    @Test
    void aPrimaryThatLostOnlyTheWitnessButNotTheStandbyKeepsWritingAndWhoeverLosesBothDemotes() throws Exception {
        healthyPair();
        node1.link.up = false;
        for (int i = 0; i < 6; i++) {
            assertEquals(Decision.WATCHING, second().get(0));
        }
        nodesLinked = false; // now the standby is gone too: nothing allows writes any more
        Decision last = Decision.WATCHING;
        for (int i = 0; i < 4 && last != Decision.FENCED; i++) {
            last = second().get(0);
        }
        assertEquals(Decision.FENCED, last);
        assertTrue(node1.server.inRecovery);
    }

    @Test
    void synchronousCommitsAreReleasedOnlyUnderTheLeaseAndThenTheStandbyMayNotTakeIt() throws Exception {
        healthyPair();
        node1.server.syncNames = "node2";
        nodesLinked = false;
        Decision released = Decision.WATCHING;
        for (int i = 0; i < 5 && released != Decision.SYNC_DISABLED; i++) {
            released = second().get(0);
        }
        assertEquals(Decision.SYNC_DISABLED, released);
        assertTrue(lease.syncReleased, "the witness knows the standby may lack commits");
        node1.server.reachable = false; // and now the primary dies
        for (int i = 0; i < 6; i++) {
            second();
        }
        assertEquals(Decision.PROMOTION_BLOCKED, second().get(1));
        assertTrue(node2.keeper.status().lastReason().contains("released synchronous replication"),
                node2.keeper.status().lastReason());
        assertEquals(0, node2.server.promotions);
    }

    @Test
    void synchronousCommitsKeepWaitingWhenTheLeaseCannotBeRenewed() throws Exception {
        healthyPair();
        node1.server.syncNames = "node2";
        node1.link.up = false;
        nodesLinked = false;
        for (int i = 0; i < 4 && !node1.server.inRecovery; i++) {
            second();
            assertEquals("node2", node1.server.syncNames, "never released without a renewed lease");
        }
        assertTrue(node1.server.inRecovery, "and demoted once the permission ran out");
    }

    @Test
    void aStandbyThatAlreadyHoldsTheLeaseFinishesThePromotionAfterAKeeperRestart() throws Exception {
        Node standby = new Node("node2", FakeLocalServer.standby());
        lease.heldBy("node2", WINDOW);
        lease.term = 5;
        assertEquals(Decision.PROMOTED, standby.run());
        assertEquals(5L, standby.server.term);
        assertEquals(List.of("promoted"), standby.events);
    }

    @Test
    void aPromotionWhoseRowAndEventWereNotRecordedIsRecordedExactlyOnce() throws Exception {
        FakeLocalServer promoted = FakeLocalServer.primary();
        promoted.timeline = 2;
        promoted.pendingEvent = "promoted"; // keeper died after pg_promote
        promoted.term = 3;
        lease.heldBy("node2", WINDOW);
        lease.term = 3;
        Node node = new Node("node2", promoted);
        assertEquals(Decision.RECORDED, node.run());
        assertEquals(1, promoted.rows.size());
        assertEquals("promoted", promoted.rows.get(0).event());
        assertEquals(3L, promoted.rows.get(0).term());
        assertEquals(List.of("promoted"), node.events);
        assertEquals("", promoted.pendingEvent);
        advance(T);
        assertEquals(Decision.WATCHING, node.run());
        assertEquals(1, promoted.rows.size());
        assertEquals(1, node.events.size());
    }

    @Test
    void aRowWrittenBeforeKeeperDiedIsNotWrittenTwiceButTheEventStillFires() throws Exception {
        FakeLocalServer promoted = FakeLocalServer.primary();
        promoted.timeline = 2;
        promoted.pendingEvent = "promoted";
        promoted.rows.add(new io.keeper.failoverlog.FailoverLogEntry(1L, "node2", "promoted", 2, "0/1", "x", "r", 3L));
        Node node = new Node("node2", promoted);
        assertEquals(Decision.RECORDED, node.run());
        assertEquals(1, promoted.rows.size());
        assertEquals(List.of("promoted"), node.events);
    }

    @Test
    void aServerDemotedAtBootIsPromotedAgainWhileItStillHoldsTheLease() throws Exception {
        FakeLocalServer booted = FakeLocalServer.standby();
        booted.fenced = "guard: booted as a standby";
        lease.heldBy("node1", Duration.ofMillis(-1)); // expired while the host rebooted, nobody took it
        Node node = new Node("node1", booted);
        assertEquals(Decision.UNFENCED, node.run());
        assertFalse(booted.inRecovery);
        assertEquals("", booted.fenced);
        assertEquals(List.of("unfenced"), node.events);
        assertEquals("unfenced", booted.rows.get(0).event());
        assertTrue(node.keeper.permission().allowedNow());
    }

    @Test
    void aServerDemotedAtBootStaysAStandbyWhenThePartnerHoldsTheLease() throws Exception {
        FakeLocalServer booted = FakeLocalServer.standby();
        booted.fenced = "guard: booted as a standby";
        lease.heldBy("node2", Duration.ofMillis(-1));
        Node node = new Node("node1", booted);
        assertEquals(Decision.FENCED, node.run());
        assertTrue(booted.inRecovery);
        assertEquals(0, booted.promotions);
    }

    @Test
    void aDemotedServerThatStreamsFromTheNewPrimaryBecomesAnOrdinaryStandby() throws Exception {
        healthyPair();
        long[] t = isolateThePrimary();
        assertTrue(t[1] > 0);
        nodesLinked = true;
        node1.link.up = true;
        node1.server.walReceiverAgeMs = 40L;
        node1.server.receivedTimeline = 1; // its WAL diverged: the receiver streams the old timeline, again and again
        assertEquals(Decision.FENCED, node1.run(), "a receiver stuck on the old timeline does not follow");
        assertTrue(!node1.server.fenced.isEmpty());
        node1.server.receivedTimeline = 2; // node1's WAL receiver follows node2's new timeline
        Decision d = node1.run();
        assertEquals(Decision.REJOINED, d);
        assertEquals("", node1.server.fenced);
        assertTrue(node1.events.contains("rejoined"), node1.events.toString());
        List<FailoverLogEntry> rows = node2.partner.rows.isEmpty() ? node1.partner.rows : node2.partner.rows;
        assertEquals("rejoined", rows.get(rows.size() - 1).event(), rows.toString());
    }

    @Test
    void aPrimaryWhosePartnerTookTheLeaseIsSupersededAndDemoted() throws Exception {
        Node primary = new Node("node1", FakeLocalServer.primary());
        lease.heldBy("node2", WINDOW);
        lease.term = 4;
        assertEquals(Decision.FENCED, primary.run());
        assertTrue(primary.server.inRecovery);
        assertTrue(primary.server.fenced.startsWith("superseded by"), primary.server.fenced);
        assertEquals(Map.of(), Map.of());
    }

    /** A valid request recorded on both servers, and node1's probes of node2 showing every WAL record node1 wrote. */
    private void requestSwitchover() {
        String request = "id=3f2a9c1e from=node1 to=node2 until=2100-01-01T00:00:00Z";
        node1.server.switchover = request;
        node2.server.switchover = request;
        node1.partner.dynamic = () -> {
            node2.server.receivedLsn = FakeLocalServer.lsn(node1.server.walLsn);
            return ProbeResult.answered(node2.server.status().state(), Duration.ofMillis(2));
        };
        node1.partner.onSwitchoverPromotion = (event, term) -> {
            node2.server.inRecovery = false;
            node2.server.timeline++;
            node2.server.pendingEvent = event;
            node2.server.term = term;
        };
    }

    @Test
    void aSwitchoverStopsThePrimaryHandsOverTheLeaseAndPromotesTheStandbyWhichRecordsIt() throws Exception {
        healthyPair();
        requestSwitchover();
        assertEquals(Decision.SWITCHED_OVER, node1.run());
        assertEquals(1, node1.demoter.cleanDemotions);
        assertTrue(node1.server.inRecovery);
        assertTrue(node1.server.fenced.startsWith("switchover 3f2a9c1e to node2: promoting"), node1.server.fenced);
        assertEquals("node2", lease.holder);
        assertEquals(List.of("switchover 2"), node1.partner.switchoverPromotions);
        assertTrue(node1.events.contains("switchover_demoted"), node1.events.toString());
        assertEquals("", node1.server.switchover, "a done request is removed");
        assertEquals(1, node1.partner.switchoverForgotten);

        assertEquals(Decision.RECORDED, node2.run(), "node2's keeper records the switchover");
        assertTrue(node2.events.contains("switchover"), node2.events.toString());
        FailoverLogEntry row = node2.server.rows.get(node2.server.rows.size() - 1);
        assertEquals("switchover", row.event());
        assertEquals(2L, row.term());
        assertEquals(Decision.FENCED, node1.run(), "node1 waits to stream, no rewind");
        node1.server.walReceiverAgeMs = 30L;
        node1.server.receivedTimeline = node2.server.timeline;
        assertEquals(Decision.REJOINED, node1.run());
        assertEquals("", node1.server.fenced);
        assertEquals(0, node1.demoter.demotions, "never an immediate shutdown");
    }

    @Test
    void aSwitchoverToAStandbyThatDoesNotConfirmTheFinalWalIsUndone() throws Exception {
        healthyPair();
        requestSwitchover();
        node1.partner.dynamic = () -> ProbeResult.answered(node2.server.status().state(), Duration.ofMillis(2));
        node1.server.walLsn += 4096; // written after node2 last received anything
        node1.partner.failForget = true; // node2 died: the request stays on its server
        Duration before = Switchovers.confirmWait;
        Switchovers.confirmWait = Duration.ofMillis(100);
        try {
            assertEquals(Decision.SWITCHOVER_FAILED, node1.run());
        } finally {
            Switchovers.confirmWait = before;
        }
        assertFalse(node1.server.inRecovery, "promoted again");
        assertEquals("", node1.server.fenced);
        assertEquals("node1", lease.holder);
        assertTrue(node1.partner.switchoverPromotions.isEmpty());
        assertTrue(node2.server.inRecovery);
        assertEquals("", node1.server.switchover, "removed from this server although the partner's removal failed");

        // node2 comes back and streams everything, still holding the request; and even were it back on node1's
        // server too, an undone switchover never runs again.
        requestSwitchover();
        node2.server.receivedTimeline = node1.server.timeline;
        assertEquals(Decision.WATCHING, node1.run());
        assertEquals(1, node1.demoter.cleanDemotions, "not stopped a second time");
        assertFalse(node1.server.inRecovery);
    }

    @Test
    void aSwitchoverWhoseTargetDiesBeforeConfirmingIsUndoneOneDetectionWindowLater() throws Exception {
        healthyPair();
        requestSwitchover();
        var alive = node1.partner.dynamic;
        node1.partner.dynamic = () -> { // node2 dies once node1 stopped; each probe then waits out its deadline
            if (node1.demoter.cleanDemotions == 0) {
                return alive.get();
            }
            clock.addAndGet(Duration.ofMillis(500).toNanos());
            return DEAD;
        };
        Duration before = Switchovers.confirmWait;
        Switchovers.confirmWait = Duration.ofMinutes(10);
        long started = System.nanoTime();
        try {
            assertEquals(Decision.SWITCHOVER_FAILED, node1.run());
        } finally {
            Switchovers.confirmWait = before;
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 60, "did not wait out confirmWait");
        assertFalse(node1.server.inRecovery, "promoted again");
        assertEquals("node1", lease.holder);
        assertTrue(node1.partner.switchoverPromotions.isEmpty());
        assertTrue(node1.keeper.status().lastReason().contains("node2 did not answer for the detection window"),
                node1.keeper.status().lastReason());
    }
}
