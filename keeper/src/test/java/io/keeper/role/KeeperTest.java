package io.keeper.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.config.ConfigFile;
import io.keeper.config.KeeperConfig;
import io.keeper.heartbeat.ProbeOutcome;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The role state machine driven step by step with a fake clock, a fake partner and a fake local server. */
class KeeperTest {

    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final ProbeResult PARTNER_PRIMARY = ProbeResult.answered(
            new ServerState(false, 1, "0/3000060", 7L, "", "", 1), Duration.ofMillis(3));
    private static final ProbeResult PARTNER_STANDBY = ProbeResult.answered(
            new ServerState(true, 1, "0/3000060", 7L, "", "", 0, "", "", 120L, false, "0/3000060", 0L, "", ""),
            Duration.ofMillis(3));
    private static final ProbeResult PARTNER_DEAD = new ProbeResult(ProbeOutcome.UNREACHABLE, null,
            "Connection refused", "08001", Duration.ofMillis(2));
    private static final ProbeResult PARTNER_WRONG_PASSWORD = new ProbeResult(ProbeOutcome.REFUSED, null,
            "password authentication failed for user \"postgres\"", "28P01", Duration.ofMillis(2));

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final FakePartner partner = new FakePartner(PARTNER_PRIMARY);
    private final List<Map<String, String>> events = new ArrayList<>();
    private FakeLocalServer local;
    private Keeper keeper;

    private void start(FakeLocalServer server, int count) throws Exception {
        startWith(server, null, null, "node_name", "node2",
                "partner_conninfo", "host=node1 port=5432 password=secret",
                "keepalive_time", "1s", "keepalive_count", String.valueOf(count));
    }

    /** A keeper on server with these settings ("key", "value", ...), my_conninfo added. */
    private void startWith(FakeLocalServer server, FakeLease witness, Rejoiner rejoiner,
                           String... keyValues) throws Exception {
        local = server;
        List<ConfigFile.Entry> entries = new ArrayList<>();
        entries.add(new ConfigFile.Entry("my_conninfo", "host=127.0.0.1 port=5432", 1));
        for (int i = 0; i < keyValues.length; i += 2) {
            entries.add(new ConfigFile.Entry(keyValues[i], keyValues[i + 1], i + 2));
        }
        keeper = new Keeper(KeeperConfig.fromEntries(Path.of("test.conf"), entries), local, partner, witness,
                rejoiner, null, (event, env) -> events.add(env), clock::get, null);
    }

    /** One scheduled run: time moves by one interval, and the run itself takes a few milliseconds. */
    private Decision tick(ProbeResult partnerNow) {
        partner.next = partnerNow;
        clock.addAndGet(INTERVAL.toNanos());
        return keeper.runOnce();
    }

    @Test
    void promotesAfterConsecutiveFailuresOfAPartnerSeenAsPrimary() throws Exception {
        start(FakeLocalServer.standby(), 3);
        assertEquals(Decision.WATCHING, tick(PARTNER_PRIMARY));
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
        assertEquals(1, local.promotions);
        assertEquals(1, local.rows.size());
        assertEquals("node2", local.rows.get(0).host());
        assertEquals("promoted", local.rows.get(0).event());
        assertEquals("node1:5432", local.rows.get(0).previousPrimary());
        assertTrue(local.rows.get(0).reason().contains("3 consecutive probes"), local.rows.get(0).reason());
    }

    private List<String> eventNames() {
        return events.stream().map(e -> e.get("KEEPER_EVENT")).toList();
    }

    @Test
    void keepersStartIsReportedOnceWithTheRoleItFound() throws Exception {
        start(FakeLocalServer.standby(), 3);
        local.reachable = false;
        assertEquals(Decision.LOCAL_UNAVAILABLE, tick(PARTNER_PRIMARY));
        assertTrue(events.isEmpty(), "nothing to tell before the local server answers");
        local.reachable = true;
        for (int i = 0; i < 5; i++) {
            assertEquals(Decision.WATCHING, tick(PARTNER_PRIMARY));
        }
        assertEquals(List.of("standby"), eventNames());
        assertEquals("node2", events.get(0).get("KEEPER_NODE_NAME"));
        assertEquals("0/3000060", events.get(0).get("KEEPER_LSN"));

        events.clear();
        start(FakeLocalServer.primary(), 3);
        tick(PARTNER_STANDBY);
        tick(PARTNER_STANDBY);
        assertEquals(List.of("primary"), eventNames(), "a new keeper (a restart) tells again");
    }

    /** keepalive_count 3: the partner seen as primary, then two probes timed out. */
    private void startAndMissTwoProbesOfThePrimary() throws Exception {
        start(FakeLocalServer.standby(), 3);
        for (ProbeResult p : List.of(PARTNER_PRIMARY, PARTNER_DEAD, PARTNER_DEAD)) {
            assertEquals(Decision.WATCHING, tick(p));
        }
    }

    @Test
    void probesAnsweredLateNoLongerCountAndAPartnerDyingAfterwardsIsPromotedOverOneWindowLater() throws Exception {
        startAndMissTwoProbesOfThePrimary();
        long woke = clock.get(); // the stalled partner wakes and answers the two timed-out probes
        partner.lastAnswer = () -> woke;
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD), "only this run's failure, after the answer, counts");
        assertEquals(1, keeper.consecutiveFailures());
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
        assertEquals(1, local.promotions);
    }

    @Test
    void aLateAnswerBetweenTheLookAndThePromotionStopsThePromotion() throws Exception {
        startAndMissTwoProbesOfThePrimary();
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        partner.lastAnswer = () -> asked.getAndIncrement() == 0 ? Long.MIN_VALUE : clock.get();

        assertEquals(Decision.PROMOTION_BLOCKED, tick(PARTNER_DEAD), "the partner answered after this run's look");
        assertEquals(0, local.promotions);
        assertTrue(keeper.status().lastReason().contains("stalled, not dead"), keeper.status().lastReason());
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD), "the failures before the answer no longer count");
        assertEquals(1, keeper.consecutiveFailures());
    }

    @Test
    void aPauseHoldsThePromotionBackAndAResumeCountsTheFailuresAfresh() throws Exception {
        start(FakeLocalServer.standby(), 3);
        assertEquals(Decision.WATCHING, tick(PARTNER_PRIMARY));
        local.paused = "until=none set=2026-12-01T06:00:00Z by=dba@db1";
        for (int i = 0; i < 6; i++) {
            assertEquals(Decision.PAUSED, tick(PARTNER_DEAD));
        }
        assertEquals(0, local.promotions);
        assertEquals("paused", keeper.status().rule());
        assertTrue(keeper.status().paused().startsWith("paused until resumed, set 2026-12-01T06:00:00Z by dba@db1"),
                keeper.status().paused());
        assertTrue(keeper.status().lastReason().contains("holding back promote"), keeper.status().lastReason());

        local.paused = "";
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD), "the failures seen while paused do not count");
        assertEquals(1, keeper.consecutiveFailures());
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD), "one detection window after the resume");
        assertEquals("", keeper.status().paused());
    }

    @Test
    void aPauseRecordedOnlyOnThePartnerHoldsAndAnEndedPauseDoesNot() throws Exception {
        start(FakeLocalServer.standby(), 2);
        ProbeResult pausedPrimary = ProbeResult.answered(new ServerState(false, 1, "0/3000060", 7L, "", "", 1, "node1",
                "", null, false, null, 0L, "", "until=none set=2026-12-01T06:00:00Z by=dba@db1"), Duration.ofMillis(3));
        assertEquals(Decision.PAUSED, tick(pausedPrimary));
        assertTrue(keeper.status().paused().endsWith("(on the partner's server)"), keeper.status().paused());

        local.paused = "until=2000-01-01T00:00:00Z set=1999-12-31T23:00:00Z by=dba@db1";
        assertEquals(Decision.WATCHING, tick(PARTNER_PRIMARY), "a pause whose end has passed no longer holds");
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
    }

    @Test
    void reportsThePromotionToAfterCommandWithoutThePartnersPassword() throws Exception {
        start(FakeLocalServer.standby(), 1);
        tick(PARTNER_PRIMARY);
        tick(PARTNER_DEAD);
        assertEquals(List.of("standby", "promoted"), eventNames());
        Map<String, String> env = events.get(1);
        assertEquals("promoted", env.get("KEEPER_EVENT"));
        assertEquals("node2", env.get("KEEPER_NODE_NAME"));
        assertEquals("node1:5432", env.get("KEEPER_PARTNER"));
        assertEquals("2", env.get("KEEPER_TIMELINE"));
        assertEquals("0/3000060", env.get("KEEPER_LSN"));
        assertTrue(env.values().stream().noneMatch(v -> v.contains("secret")));
    }

    @Test
    void anAnswerInBetweenResetsTheFailureCount() throws Exception {
        start(FakeLocalServer.standby(), 3);
        tick(PARTNER_PRIMARY);
        tick(PARTNER_DEAD);
        tick(PARTNER_DEAD);
        tick(PARTNER_PRIMARY);
        assertEquals(0, keeper.consecutiveFailures());
        tick(PARTNER_DEAD);
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(0, local.promotions);
    }

    @Test
    void aPartnerThatRefusesUsIsAliveAndNeverCountsTowardPromotion() throws Exception {
        start(FakeLocalServer.standby(), 2);
        tick(PARTNER_PRIMARY);
        for (int i = 0; i < 10; i++) {
            assertEquals(Decision.WATCHING, tick(PARTNER_WRONG_PASSWORD));
        }
        assertEquals(0, keeper.consecutiveFailures());
        assertEquals(0, local.promotions);
    }

    @Test
    void doesNotPromoteWhenThePartnerWasNeverSeenAliveAsPrimary() throws Exception {
        start(FakeLocalServer.standby(), 2);
        tick(PARTNER_DEAD);
        assertEquals(Decision.PROMOTION_BLOCKED, tick(PARTNER_DEAD));
        assertEquals(Decision.PROMOTION_BLOCKED, tick(PARTNER_DEAD));
        assertEquals(0, local.promotions);
    }

    @Test
    void aPartnerSeenOnlyAsStandbyDoesNotEnablePromotion() throws Exception {
        start(FakeLocalServer.standby(), 1);
        tick(PARTNER_STANDBY);
        assertEquals(Decision.PROMOTION_BLOCKED, tick(PARTNER_DEAD));
    }

    @Test
    void aLateRunIsNotCountedAsAPartnerFailure() throws Exception {
        start(FakeLocalServer.standby(), 2);
        tick(PARTNER_PRIMARY);
        tick(PARTNER_DEAD);
        clock.addAndGet(Duration.ofSeconds(30).toNanos());
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(1, keeper.consecutiveFailures());
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
    }

    @Test
    void doesNotActNorCountPartnerFailuresWhileTheLocalServerIsUnavailable() throws Exception {
        start(FakeLocalServer.standby(), 2);
        tick(PARTNER_PRIMARY);
        local.reachable = false;
        assertEquals(Decision.LOCAL_UNAVAILABLE, tick(PARTNER_DEAD));
        assertEquals(Decision.LOCAL_UNAVAILABLE, tick(PARTNER_DEAD));
        assertEquals(Decision.LOCAL_UNAVAILABLE, tick(PARTNER_DEAD));
        assertEquals(0, keeper.consecutiveFailures(), "a run that could not see its own server counts nothing");
        local.reachable = true;
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
        assertEquals(1, local.promotions);
    }

    @Test
    void aFailedPromotionIsTriedAgainOnTheNextRun() throws Exception {
        start(FakeLocalServer.standby(), 1);
        tick(PARTNER_PRIMARY);
        local.failPromotion = true;
        assertEquals(Decision.PROMOTION_FAILED, tick(PARTNER_DEAD));
        local.failPromotion = false;
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
        assertEquals(2, local.promotions);
        assertEquals(1, local.rows.size());
    }

    @Test
    void afterPromotionItCarriesOnAsThePrimarysKeeper() throws Exception {
        start(FakeLocalServer.standby(), 1);
        tick(PARTNER_PRIMARY);
        tick(PARTNER_DEAD);
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(1, local.promotions);
    }

    @Test
    void aPrimaryCreatesTheFailoverLogTableOnce() throws Exception {
        start(FakeLocalServer.primary(), 3);
        tick(PARTNER_STANDBY);
        tick(PARTNER_STANDBY);
        assertEquals(1, local.failoverLogCreations);
    }

    @Test
    void aPrimaryNeverPromotesOrChangesAnythingWithoutSynchronousReplication() throws Exception {
        start(FakeLocalServer.primary(), 2);
        tick(PARTNER_STANDBY);
        for (int i = 0; i < 5; i++) {
            assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        }
        assertEquals(0, local.promotions);
        assertEquals(List.of("primary"), eventNames(), "only keeper's start beside the primary");
    }

    @Test
    void aPrimaryReleasesSynchronousCommitsWhenTheStandbyIsGoneAndRestoresThemWhenItStreams() throws Exception {
        FakeLocalServer primary = FakeLocalServer.primary();
        primary.syncNames = "node2";
        primary.streaming = 1;
        start(primary, 2);
        tick(PARTNER_STANDBY);
        primary.streaming = 0;
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(Decision.SYNC_DISABLED, tick(PARTNER_DEAD));
        assertEquals("", primary.syncNames);
        assertEquals("node2", primary.savedSyncNames);
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(Decision.WATCHING, tick(PARTNER_STANDBY));
        primary.streaming = 1;
        assertEquals(Decision.SYNC_RESTORED, tick(PARTNER_STANDBY));
        assertEquals("node2", primary.syncNames);
        assertEquals("", primary.savedSyncNames);
        assertEquals(List.of("primary", "sync_disabled", "sync_restored"), eventNames());
    }

    @Test
    void aSavedSettingFromAnEarlierRunIsRestoredAfterAKeeperRestart() throws Exception {
        FakeLocalServer primary = FakeLocalServer.primary();
        primary.savedSyncNames = "node2";
        primary.streaming = 1;
        start(primary, 2);
        assertEquals(Decision.SYNC_RESTORED, tick(PARTNER_STANDBY));
        assertEquals("node2", primary.syncNames);
    }

    @Test
    void anAdministratorsNewSettingWinsOverTheSavedOne() throws Exception {
        FakeLocalServer primary = FakeLocalServer.primary();
        primary.savedSyncNames = "node2";
        primary.syncNames = "other";
        primary.streaming = 1;
        start(primary, 2);
        assertEquals(Decision.WATCHING, tick(PARTNER_STANDBY));
        assertEquals("other", primary.syncNames);
        assertEquals("", primary.savedSyncNames);
    }

    private static ProbeResult partnerPrimaryOn(int timeline, String name) {
        return ProbeResult.answered(new ServerState(false, timeline, "0/5000000", 7L, "", "", 0, name, "", null,
                false, null), Duration.ofMillis(3));
    }

    @Test
    void aPrimaryOnTheOlderTimelineIsSupersededAndFencesItself() throws Exception {
        start(FakeLocalServer.primary(), 3);
        assertEquals(Decision.FENCED, tick(partnerPrimaryOn(2, "node1")));
        assertEquals(1, local.fences);
        assertTrue(local.fenced.startsWith("superseded by node1"), local.fenced);
        assertEquals(1, partner.rows.size(), "the winner's failover_log records the fence");
        assertEquals("node1", partner.rows.get(0).host());
        assertEquals("fenced", partner.rows.get(0).event());
        assertEquals("fenced", events.get(0).get("KEEPER_EVENT"));
        assertTrue(keeper.status().superseded());
        assertEquals(Decision.FENCED, tick(partnerPrimaryOn(2, "node1")));
        assertEquals(1, local.fences, "fenced once, stays fenced");
    }

    @Test
    void theRightfulPrimaryKeepsWritingWhenThePartnerIsAlsoPrimary() throws Exception {
        FakeLocalServer primary = FakeLocalServer.primary();
        primary.timeline = 3;
        start(primary, 1);
        assertEquals(Decision.BOTH_PRIMARY, tick(partnerPrimaryOn(2, "node1")));
        assertEquals(0, local.fences);
        assertTrue(keeper.status().isRightfulPrimary());
    }

    @Test
    void onEqualTimelinesTheNewerFailoverLogRowWins() throws Exception {
        FakeLocalServer primary = FakeLocalServer.primary();
        start(primary, 1);
        partner.rows.add(new io.keeper.failoverlog.FailoverLogEntry(1_800_000_000L, "node1", "promoted", 1,
                "0/1", "x", "r"));
        assertEquals(Decision.FENCED, tick(partnerPrimaryOn(1, "node1")));
    }

    @Test
    void aPartnerFromAnotherClusterBlocksPromotionForGood() throws Exception {
        start(FakeLocalServer.standby(), 1);
        ProbeResult foreign = ProbeResult.answered(new ServerState(false, 1, "0/3000060", 99L, "", "", 0),
                Duration.ofMillis(2));
        assertEquals(Decision.WATCHING, tick(foreign));
        assertEquals(Decision.PROMOTION_BLOCKED, tick(PARTNER_DEAD));
        assertTrue(keeper.status().lastReason().contains("different cluster"), keeper.status().lastReason());
        tick(PARTNER_PRIMARY);
        assertEquals(Decision.PROMOTION_BLOCKED, tick(PARTNER_DEAD));
        assertEquals(0, local.promotions);
    }

    @Test
    void doesNotPromoteUntilAWholeWindowPassedWithoutWalFromThePrimary() throws Exception {
        start(FakeLocalServer.standby(), 2);
        tick(PARTNER_PRIMARY);
        local.walReceiverAgeMs = 400L;
        tick(PARTNER_DEAD);
        assertEquals(Decision.PROMOTION_BLOCKED, tick(PARTNER_DEAD));
        assertTrue(keeper.status().lastReason().contains("WAL receiver got data from the primary 400 ms ago"),
                keeper.status().lastReason());
        local.walReceiverAgeMs = null; // the receiver gave up: WAL last arrived 400 ms before the previous run
        assertEquals(Decision.PROMOTION_BLOCKED, tick(PARTNER_DEAD));
        assertTrue(keeper.status().lastReason().contains("1400 ms ago"), keeper.status().lastReason());
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
    }

    @Test
    void walThatArrivedWithoutAReceiverToDateItIsDatedAtKeepersPreviousLook() throws Exception {
        start(FakeLocalServer.standby(), 2);
        tick(PARTNER_PRIMARY);
        tick(PARTNER_DEAD);
        local.receivedLsn = "0/3000100"; // more WAL arrived since the previous look, and the receiver is gone
        assertEquals(Decision.PROMOTION_BLOCKED, tick(PARTNER_DEAD));
        assertTrue(keeper.status().lastReason().contains("1000 ms ago"), keeper.status().lastReason());
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
    }

    @Test
    void doesNotPromoteWhenTheStandbyLagsBeyondTheLimit() throws Exception {
        start(FakeLocalServer.standby(), 1);
        tick(partnerPrimaryOn(1, "node1")); // primary seen at 0/5000000
        local.receivedLsn = "0/3000000"; // 32 MiB behind, default limit 16MB
        assertEquals(Decision.PROMOTION_BLOCKED, tick(PARTNER_DEAD));
        String why = keeper.status().lastReason();
        assertTrue(why.contains("lag 33554432 bytes exceeds maximum_lag_on_failover 16MB"), why);
        local.receivedLsn = "0/4F00000"; // the rest had arrived before the previous look
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
    }

    @Test
    void aPausedReplayIsResumedBeforePromotion() throws Exception {
        start(FakeLocalServer.standby(), 1);
        tick(PARTNER_PRIMARY);
        local.replayPaused = true;
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
        assertEquals(1, local.resumes);
    }

    @Test
    void withRejoinASupersededPrimaryIsRewoundAndCarriesOnAsTheWinnersStandby() throws Exception {
        List<String> rejoinedFrom = new ArrayList<>();
        startWith(FakeLocalServer.primary(), null, winner -> {
            rejoinedFrom.add(winner);
            local.inRecovery = true;
            local.fenced = "";
            local.receivedLsn = "0/5000000"; // streaming from the winner, caught up
            return null;
        },
                "node_name", "node1",
                "partner_conninfo", "host=node2 port=5432",
                "on_superseded", "rejoin",
                "keepalive_count", "2");
        assertEquals(Decision.FENCED, tick(partnerPrimaryOn(2, "node2")));
        assertEquals(Decision.REJOINED, tick(partnerPrimaryOn(2, "node2")));
        assertEquals(List.of("node2:5432"), rejoinedFrom);
        assertEquals(List.of("fenced", "rejoined"), partner.rows.stream().map(r -> r.event()).toList());
        assertEquals(List.of("fenced", "rejoined"), events.stream().map(e -> e.get("KEEPER_EVENT")).toList());
        assertEquals(Decision.WATCHING, tick(partnerPrimaryOn(2, "node2")));
        assertEquals(Decision.WATCHING, tick(PARTNER_DEAD));
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD), "a rejoined standby guards its new primary");
    }

    @Test
    void rejoinIsRefusedWhenTheWinnerIsNotOnAHigherTimeline() throws Exception {
        FakeLocalServer primary = FakeLocalServer.primary();
        primary.timeline = 2;
        startWith(primary, null, winner -> {
            throw new AssertionError("must not rejoin");
        },
                "node_name", "node2",
                "partner_conninfo", "host=node1 port=5432",
                "on_superseded", "rejoin");
        partner.rows.add(new io.keeper.failoverlog.FailoverLogEntry(1_900_000_000L, "node1", "promoted", 2, "0/1",
                "x", "r"));
        assertEquals(Decision.FENCED, tick(partnerPrimaryOn(2, "node1")));
        assertEquals(Decision.FENCED, tick(partnerPrimaryOn(2, "node1")));
        assertTrue(keeper.status().lastReason().contains("higher timeline"), keeper.status().lastReason());
    }

    @Test
    void aNewPrimaryWithSynchronousStandbysReleasesThemAtOnceBecauseItsOnlyStandbyIsTheDeadOldPrimary()
            throws Exception {
        FakeLocalServer standby = FakeLocalServer.standby();
        standby.syncNames = "*";
        start(standby, 2);
        tick(PARTNER_PRIMARY);
        tick(PARTNER_DEAD);
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
        assertEquals("", standby.syncNames);
        assertEquals("*", standby.savedSyncNames);
        assertEquals(List.of("standby", "promoted", "sync_disabled"), eventNames());
    }

    @Test
    void aTwelveHourOutageWritesFewLinesWhileTheStatusStaysExact() throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.keeper");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        root.addAppender(lines);
        try {
            start(FakeLocalServer.standby(), 3);
            // Seen as primary far ahead of this standby: maximum_lag_on_failover blocks the promotion at every run.
            tick(ProbeResult.answered(new ServerState(false, 1, "0/9000000", 7L, "", "", 1), Duration.ofMillis(3)));
            int runs = 12 * 3600;
            for (int i = 1; i <= runs; i++) {
                assertEquals(i < 3 ? Decision.WATCHING : Decision.PROMOTION_BLOCKED, tick(PARTNER_DEAD));
            }
            assertEquals(runs, keeper.status().consecutiveFailures(), "the status counts every probe");
            assertTrue(keeper.status().lastReason().contains("maximum_lag_on_failover"), keeper.status().lastReason());
            long warnings = lines.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN).count();
            System.out.printf("[measure] 12 h of a dead partner at 1 s probes, promotion blocked: %d log lines (%d WARN)%n",
                    lines.list.size(), warnings);
            assertTrue(lines.list.size() < 1000, lines.list.size() + " lines");
            assertTrue(lines.list.stream().anyMatch(e -> e.getFormattedMessage().startsWith("Not promoting: ")));
            assertTrue(lines.list.stream().anyMatch(e -> e.getFormattedMessage().contains("still unreachable (")
                    && e.getFormattedMessage().contains("more time(s) since the last line")));
            lines.list.clear();
            tick(PARTNER_PRIMARY);
            tick(PARTNER_DEAD);
            assertTrue(lines.list.stream().anyMatch(e -> e.getFormattedMessage().contains("answered again after "
                    + runs + " failed probe(s)")), "the end of the outage is told at once");
        } finally {
            root.detachAppender(lines);
        }
    }
}
