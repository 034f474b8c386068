package io.keeper.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The role rules one row at a time: facts in, the deciding rule and its action out. */
class RoleRulesTest {

    /** Facts of a healthy pair seen from the standby (or, with primary(), from the primary), to be varied. */
    private static final class F {
        boolean localAnswered = true;
        boolean standby = true;
        Fence fence = Fence.NONE;
        boolean partnerAnswered = true;
        boolean partnerPrimary = true;
        boolean partnerStandby;
        boolean partnerForeign;
        boolean partnerTimelineNotAhead = true;
        boolean partnerWins;
        int failures;
        boolean seenAsPrimary = true;
        Long heardMs = 5000L;
        Long lag = 0L;
        boolean streaming;
        LeaseState lease = LeaseState.NO_ARBITER;
        boolean writeAllowed = true;
        boolean synchronous;
        boolean syncSaved;
        boolean standbyStreams;
        boolean pending;
        boolean rejoin;
        boolean paused;
        boolean partnerFollows = true;
        boolean switchoverFromMe;
        boolean switchoverToMe;
        String fenceReason;

        F primary() {
            standby = false;
            partnerPrimary = false;
            partnerStandby = true;
            standbyStreams = true;
            return this;
        }

        F dead() {
            failures = 3;
            partnerAnswered = false;
            partnerPrimary = false;
            partnerStandby = false;
            standbyStreams = false;
            return this;
        }

        Facts facts() {
            return new Facts(localAnswered, standby, fence, fenceReason != null ? fenceReason
                    : fence == Fence.NONE ? "" : fence.prefix() + ": why",
                    partnerAnswered, partnerPrimary, partnerStandby, partnerForeign, partnerTimelineNotAhead,
                    partnerWins, failures, 3, seenAsPrimary, heardMs, 3000, 2906, lag, 16 << 20, streaming, lease,
                    writeAllowed, synchronous, syncSaved, standbyStreams, pending, rejoin, paused, switchoverFromMe,
                    switchoverToMe, partnerFollows,
                    new Facts.Text("node1:5432", "node1", "connect timed out", 3100, "standby", "held by node1",
                            "writes allowed", "", "", paused ? "paused until resumed" : "",
                            switchoverFromMe || switchoverToMe ? "switchover 3f2a9c1e from node1 to node2"
                                    : ""));
        }

        String rule() {
            return RoleRules.decide(facts()).rule().name();
        }
    }

    @Test
    void aStandbyPromotesOnlyWhenEveryGuardPasses() {
        F f = new F().dead();
        assertEquals("promote", f.rule());
        f.lease = LeaseState.FREE;
        assertEquals("promote", f.rule());
        f.lease = LeaseState.PARTNERS_EXPIRED;
        assertEquals("promote", f.rule());
    }

    @Test
    void eachGuardRefusesWithItsOwnRule() {
        assertEquals("watching", new F().rule());
        F f = new F().dead();
        f.seenAsPrimary = false;
        assertEquals("never-seen-primary", f.rule());
        f = new F().dead();
        f.heardMs = 2905L;
        assertEquals("wal-still-arrives", f.rule());
        f.heardMs = 2906L;
        assertEquals("promote", f.rule(), "within the tolerance of the window");
        f = new F().dead();
        f.heardMs = 2000L;
        assertEquals("wal-still-arrives", f.rule());
        f = new F().dead();
        f.lag = (16L << 20) + 1;
        assertEquals("lagging", f.rule());
        f = new F().dead();
        f.partnerForeign = true;
        assertEquals("foreign-partner", f.rule());
        f = new F().dead();
        f.lease = LeaseState.UNREACHABLE;
        assertEquals("arbiter-unreachable", f.rule());
        f.lease = LeaseState.PARTNERS;
        assertEquals("lease-held", f.rule());
        f.lease = LeaseState.NOT_YET_FREE;
        assertEquals("lease-held", f.rule());
        f.lease = LeaseState.SYNC_RELEASED;
        assertEquals("sync-released", f.rule());
        assertEquals(Action.REFUSE_PROMOTION, RoleRules.decide(f.facts()).action());
    }

    @Test
    void aDemotedStandbyNeverPromotesOnItsOwn() {
        F f = new F().dead();
        f.fence = Fence.SUPERSEDED;
        f.lease = LeaseState.FREE;
        assertEquals("demoted-stays", f.rule());
        f.fence = Fence.ISOLATED;
        f.lease = LeaseState.MINE;
        assertEquals("demoted-repromote", f.rule(), "unless it still holds the lease: nobody was promoted");
        f.partnerPrimary = true;
        assertEquals("demoted-stays", f.rule(), "not while the partner is a primary");
        f.streaming = true;
        assertEquals("demoted-follows", f.rule());
    }

    @Test
    void thePrimarySideRules() {
        assertEquals("primary-watching", new F().primary().rule());
        F f = new F().primary();
        f.lease = LeaseState.PARTNERS;
        assertEquals("lease-lost", f.rule());
        f.lease = LeaseState.PARTNERS_EXPIRED;
        assertEquals("lease-takeover", f.rule(), "a partner that is a standby now lost an expired lease");
        f.partnerStandby = false;
        assertEquals("lease-lost", f.rule());
        f = new F().primary();
        f.lease = LeaseState.UNREACHABLE;
        f.writeAllowed = false;
        assertEquals("isolated", f.rule());
        f.writeAllowed = true;
        assertEquals("primary-watching", f.rule(), "the failsafe keeps it writing");
        f = new F().primary();
        f.partnerPrimary = true;
        f.partnerStandby = false;
        f.partnerWins = true;
        assertEquals("two-primaries-lost", f.rule());
        f.lease = LeaseState.MINE;
        assertEquals("two-primaries-won", f.rule(), "the lease outranks the election");
        f = new F().primary();
        f.pending = true;
        assertEquals("record-promotion", f.rule());
    }

    @Test
    void synchronousCommitsAreReleasedOnlyUnderTheLeaseWhenThereIsAWitness() {
        F f = new F().primary().dead();
        f.synchronous = true;
        assertEquals("release-sync", f.rule(), "no witness: as keeper 1.0 did");
        f.lease = LeaseState.MINE;
        assertEquals("release-sync", f.rule());
        f.lease = LeaseState.UNREACHABLE;
        assertEquals("hold-sync", f.rule());
        f = new F().primary();
        f.syncSaved = true;
        assertEquals("restore-sync", f.rule());
        f.partnerFollows = false;
        assertEquals("primary-watching", f.rule(), "a demoted partner streaming its diverged timeline is no standby");
    }

    @Test
    void aReadOnlyFencedPrimaryFollowsItsOwnRows() {
        F f = new F().primary();
        f.fence = Fence.ISOLATED;
        f.lease = LeaseState.MINE;
        assertEquals("fence-lift", f.rule());
        f.lease = LeaseState.UNREACHABLE;
        assertEquals("fence-stays", f.rule());
        f = new F().primary();
        f.fence = Fence.SUPERSEDED;
        f.partnerPrimary = true;
        f.partnerStandby = false;
        f.rejoin = true;
        assertEquals("fence-rejoin", f.rule());
    }

    @Test
    void everyRowCanDecideAndTheTableCanBePrinted() {
        Set<String> names = RoleRules.RULES.stream().map(RoleRules.Rule::name).collect(Collectors.toSet());
        assertEquals(RoleRules.RULES.size(), names.size(), "rule names are unique");
        List<String> lines = RoleRules.describe();
        assertEquals(RoleRules.RULES.size(), lines.size());
        Set<String> seen = new HashSet<>();
        for (String line : lines) {
            assertTrue(line.matches("(any|primary|standby) +[a-z-]+ +[a-z_]+ +.+"), line);
            seen.add(line.split(" +")[1]);
        }
        assertEquals(names, seen);
    }

    @Test
    void theLocalServerComesFirst() {
        F f = new F().dead();
        f.localAnswered = false;
        assertEquals("local-unavailable", f.rule());
    }

    @Test
    void aPauseHoldsBackEveryDecisionButTheLeasesOwnFence() {
        F dead = new F().dead();
        dead.paused = true;
        RoleRules.Verdict v = RoleRules.decide(dead.facts());
        assertEquals("paused", v.rule().name());
        assertEquals(Action.PAUSED, v.action());
        assertTrue(v.reason().contains("holding back promote (rule promote:"), v.reason());

        F syncPrimary = new F().primary().dead();
        syncPrimary.synchronous = true;
        syncPrimary.paused = true;
        assertEquals("paused", syncPrimary.rule(), "synchronous_standby_names is left alone");
        syncPrimary.paused = false;
        assertEquals("release-sync", syncPrimary.rule());

        F superseded = new F().primary();
        superseded.partnerPrimary = true;
        superseded.partnerStandby = false;
        superseded.partnerWins = true;
        superseded.paused = true;
        assertEquals("paused", superseded.rule(), "no demotion while paused");

        F healthy = new F();
        healthy.paused = true;
        assertTrue(RoleRules.decide(healthy.facts()).reason().contains("nothing to hold back"));

        F isolated = new F().primary().dead();
        isolated.lease = LeaseState.UNREACHABLE;
        isolated.writeAllowed = false;
        isolated.paused = true;
        assertEquals("isolated", isolated.rule(), "a primary that lost its lease demotes even while paused");

        F down = new F().dead();
        down.paused = true;
        down.localAnswered = false;
        assertEquals("local-unavailable", down.rule());
    }

    @Test
    void aSwitchoverIsCarriedOutByThePrimaryAndFinishedOrUndoneByItsRules() {
        F primary = new F().primary();
        primary.switchoverFromMe = true;
        assertEquals("switchover", primary.rule());
        primary.partnerFollows = false;
        assertEquals("switchover-refused", primary.rule(), "never to a standby that does not stream this timeline");

        F oldPrimary = new F();
        oldPrimary.fence = Fence.SWITCHOVER;
        oldPrimary.fenceReason = "switchover 3f2a9c1e to node1: " + Switchovers.PROMOTING;
        assertEquals("switchover-catching-up", oldPrimary.rule(), "no pg_rewind while it is about to stream");
        oldPrimary.streaming = true;
        assertEquals("demoted-follows", oldPrimary.rule());

        F stopped = new F();
        stopped.fence = Fence.SWITCHOVER;
        stopped.fenceReason = Switchovers.reason(new io.keeper.switchover.SwitchoverRequest("3f2a9c1e", "node2",
                "node1", java.time.Instant.EPOCH), Switchovers.STOPPED);
        stopped.partnerPrimary = false;
        stopped.partnerStandby = true;
        assertEquals("switchover-undo", stopped.rule(), "without a witness: the partner was never promoted");
        stopped.fenceReason = stopped.fenceReason.replace(Switchovers.STOPPED, Switchovers.PROMOTING);
        assertEquals("demoted-stays", stopped.rule(), "the partner may be promoting: wait");
        stopped.lease = LeaseState.MINE;
        assertEquals("demoted-repromote", stopped.rule(), "with a witness: the lease was never handed over");

        F target = new F();
        target.partnerPrimary = false;
        target.partnerStandby = true;
        target.lease = LeaseState.MINE;
        target.switchoverToMe = true;
        assertEquals("switchover-target", target.rule(), "the old primary's keeper promotes it");
        target.switchoverToMe = false;
        assertEquals("promotion-pending", target.rule());
    }
}
