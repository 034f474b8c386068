package io.keeper.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The boot guard's rules one row at a time: what a former primary finds at boot, and how it starts. */
class GuardRulesTest {

    /** node1's data directory on timeline 2 with term 3; vary the rest. */
    private static GuardFacts facts(boolean inRecovery, String fenced, boolean partnerPrimary, boolean partnerStandby,
                                    int partnerTimeline, boolean arbiter, boolean witnessAnswered, String holder,
                                    boolean leaseExists) {
        boolean answered = partnerPrimary || partnerStandby;
        return new GuardFacts("node1", inRecovery, fenced, 2, 3, answered, partnerPrimary, partnerStandby, false,
                partnerTimeline, "node2", answered ? "answered" : "unreachable: connect timed out", arbiter,
                witnessAnswered, holder, leaseExists, 3, "held by " + holder);
    }

    private static GuardRules.Verdict decide(GuardFacts f) {
        return GuardRules.decide(f);
    }

    @Test
    void withoutAWitnessOnlyEvidenceOfANewerPartnerMakesItAStandby() {
        GuardRules.Verdict newer = decide(facts(false, "", true, false, 3, false, false, "", false));
        assertEquals("partner-newer", newer.rule().name());
        assertEquals(GuardRules.Outcome.START_AS_STANDBY, newer.outcome());
        assertTrue(newer.reason().startsWith("superseded by node2 (primary on timeline 3"), newer.reason());
        assertEquals("partner-standby", decide(facts(false, "", false, true, 2, false, false, "", false)).rule().name());
        GuardRules.Verdict nobody = decide(facts(false, "", false, false, -1, false, false, "", false));
        assertEquals("nobody", nobody.rule().name());
        assertEquals(GuardRules.Outcome.START, nobody.outcome());
        assertEquals("partner-primary", decide(facts(false, "", true, false, 2, false, false, "", false)).rule().name());
    }

    @Test
    void withAWitnessAFormerPrimaryBootsAsAStandbyUnlessThePairNeverHadALease() {
        GuardRules.Verdict partners = decide(facts(false, "", false, false, -1, true, true, "node2", true));
        assertEquals("lease-partners", partners.rule().name());
        assertTrue(partners.reason().startsWith("superseded by node2"), partners.reason());
        GuardRules.Verdict mine = decide(facts(false, "", false, true, 2, true, true, "node1", true));
        assertEquals("lease-to-renew", mine.rule().name());
        assertTrue(mine.reason().startsWith("guard: "), "keeper promotes it again under the lease: " + mine.reason());
        assertEquals("lease-to-renew", decide(facts(false, "", false, false, -1, true, false, "", false)).rule().name(),
                "the witness unreachable: never start as a primary");
        assertEquals(GuardRules.Outcome.START,
                decide(facts(false, "", false, true, 2, true, true, "", false)).outcome(), "first start");
    }

    @Test
    void aStandbyAlreadyOrAnUnfinishedDemotionWinsOverEverythingElse() {
        assertEquals("in-recovery", decide(facts(true, "", true, false, 9, true, true, "node2", true)).rule().name());
        GuardRules.Verdict unfinished = decide(facts(false, "isolated: x", false, true, 2, false, false, "", false));
        assertEquals("demotion-unfinished", unfinished.rule().name());
        assertEquals("isolated: x", unfinished.reason(), "the stored reason stays");
    }
}
