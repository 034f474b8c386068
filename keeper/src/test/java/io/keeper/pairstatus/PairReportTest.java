package io.keeper.pairstatus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ProbeOutcome;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PairReportTest {

    private static final Instant NOW = Instant.parse("2026-12-01T06:00:00Z");
    private static final Duration STALE = Duration.ofSeconds(4);

    private static NodeReport primary(String paused, String activity, double idle) {
        ServerState s = new ServerState(false, 2, "0/5000100", 7L, "", "", 1, "node1", "", null, false, null, 3L, "",
                paused);
        return new NodeReport("node1", "10.0.0.1:5432", ProbeResult.answered(s, Duration.ofMillis(2)), activity, idle,
                0.25, new FailoverLogEntry(1_764_000_000L, "node1", "promoted", 2, "0/5000000", "10.0.0.2:5432",
                        "partner unreachable", 3L));
    }

    private static NodeReport standby(Long walReceiverAgeMs) {
        ServerState s = new ServerState(true, 2, "0/5000000", 7L, "", "", 0, "node2", "", walReceiverAgeMs, false,
                "0/5000000", 3L, "", "");
        return new NodeReport("node2", "10.0.0.2:5432", ProbeResult.answered(s, Duration.ofMillis(2)),
                "keeper node2: watching", 0.3, null, null);
    }

    private static NodeReport unreachable(String address) {
        return new NodeReport(address, address, new ProbeResult(ProbeOutcome.UNREACHABLE, null, "Connection refused",
                "08001", Duration.ZERO), null, null, null, null);
    }

    @Test
    void aPrimaryAStreamingStandbyAndTwoRunningKeepersAreHealthy() {
        PairReport r = PairReport.assess(List.of(primary("", "keeper node1: primary-watching", 0.4), standby(120L)),
                STALE, NOW);
        assertEquals(PairReport.Health.HEALTHY, r.health(), r.problems().toString());
        assertEquals(0, r.health().exitCode());
        PairReport.Line s = r.lines().get(1);
        assertEquals("streaming", s.state());
        assertEquals(0x100L, s.lagBytes());
        assertEquals(0.25, s.lagSeconds());
        assertEquals("watching", s.keeperRule());
        assertEquals("primary-watching", r.lines().get(0).keeperRule());
        assertEquals("promoted", r.latest().event());
    }

    @Test
    void aPauseAStoppedKeeperAndAStandbyThatDoesNotStreamAreDegraded() {
        PairReport r = PairReport.assess(List.of(primary("until=none set=2026-12-01T05:00:00Z by=dba@db1", null, 0),
                standby(null)), STALE, NOW);
        assertEquals(PairReport.Health.DEGRADED, r.health());
        assertEquals(1, r.health().exitCode());
        assertEquals("running, paused", r.lines().get(0).state());
        assertEquals("not running", r.lines().get(0).keeper());
        assertTrue(r.problems().contains("failover is paused: paused until resumed, set 2026-12-01T05:00:00Z by"
                + " dba@db1"), r.problems().toString());
        assertTrue(r.problems().stream().anyMatch(p -> p.startsWith("node1's keeper is not running")));
        assertTrue(r.problems().contains("node2 is a standby that does not stream"));
    }

    @Test
    void aKeeperSessionIdleForLongIsStalled() {
        PairReport r = PairReport.assess(List.of(primary("", "keeper node1: primary-watching", 9.5), standby(100L)),
                STALE, NOW);
        assertEquals(PairReport.Health.DEGRADED, r.health());
        assertTrue(r.lines().get(0).keeper().startsWith("stalled: last run 9.5 s ago"), r.lines().get(0).keeper());
    }

    @Test
    void oneServerGoneIsDegradedAndBothGoneIsUnreachable() {
        PairReport one = PairReport.assess(List.of(unreachable("10.0.0.1:5432"), standby(null)), STALE, NOW);
        assertEquals(PairReport.Health.DEGRADED, one.health());
        assertTrue(one.problems().contains("10.0.0.1:5432 unreachable: Connection refused (SQLSTATE 08001)"), one.problems().toString());
        assertTrue(one.problems().contains("no server accepts writes as the primary"));
        PairReport none = PairReport.assess(List.of(unreachable("a:5432"), unreachable("b:5432")), STALE, NOW);
        assertEquals(PairReport.Health.UNREACHABLE, none.health());
        assertEquals(2, none.health().exitCode());
    }
}
