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
            new ServerState(true, 1, "0/3000060", 7L, "", "", 0), Duration.ofMillis(3));
    private static final ProbeResult PARTNER_DEAD = new ProbeResult(ProbeOutcome.UNREACHABLE, null,
            "Connection refused", "08001", Duration.ofMillis(2));
    private static final ProbeResult PARTNER_WRONG_PASSWORD = new ProbeResult(ProbeOutcome.REFUSED, null,
            "password authentication failed for user \"postgres\"", "28P01", Duration.ofMillis(2));

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private ProbeResult partner = PARTNER_PRIMARY;
    private final List<Map<String, String>> events = new ArrayList<>();
    private FakeLocalServer local;
    private Keeper keeper;

    private void start(FakeLocalServer server, int count) throws Exception {
        local = server;
        KeeperConfig config = KeeperConfig.fromEntries(Path.of("test.conf"), List.of(
                new ConfigFile.Entry("node_name", "node2", 1),
                new ConfigFile.Entry("my_conninfo", "host=127.0.0.1 port=5432", 2),
                new ConfigFile.Entry("partner_conninfo", "host=node1 port=5432 password=secret", 3),
                new ConfigFile.Entry("keepalive_time", "1s", 4),
                new ConfigFile.Entry("keepalive_count", String.valueOf(count), 5)));
        keeper = new Keeper(config, local, () -> partner, (event, env) -> events.add(env), clock::get);
    }

    /** One scheduled run: time moves by one interval, and the run itself takes a few milliseconds. */
    private Decision tick(ProbeResult partnerNow) {
        partner = partnerNow;
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

    @Test
    void reportsThePromotionToAfterCommandWithoutThePartnersPassword() throws Exception {
        start(FakeLocalServer.standby(), 1);
        tick(PARTNER_PRIMARY);
        tick(PARTNER_DEAD);
        assertEquals(1, events.size());
        Map<String, String> env = events.get(0);
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
    void doesNotActWhileTheLocalServerIsUnavailable() throws Exception {
        start(FakeLocalServer.standby(), 2);
        tick(PARTNER_PRIMARY);
        local.reachable = false;
        assertEquals(Decision.LOCAL_UNAVAILABLE, tick(PARTNER_DEAD));
        assertEquals(Decision.LOCAL_UNAVAILABLE, tick(PARTNER_DEAD));
        assertEquals(Decision.LOCAL_UNAVAILABLE, tick(PARTNER_DEAD));
        assertEquals(0, local.promotions);
        local.reachable = true;
        assertEquals(Decision.PROMOTED, tick(PARTNER_DEAD));
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
        assertTrue(events.isEmpty());
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
        assertEquals(List.of("sync_disabled", "sync_restored"),
                events.stream().map(e -> e.get("KEEPER_EVENT")).toList());
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

    @Test
    void twoPrimariesAreReportedAndNotActedOn() throws Exception {
        start(FakeLocalServer.primary(), 1);
        assertEquals(Decision.BOTH_PRIMARY, tick(PARTNER_PRIMARY));
        assertEquals(0, local.promotions);
    }
}
