package io.keeper.election;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PrimaryElectionTest {

    private static NodeView primary(String name, int timeline, Long failoverAt) {
        return new NodeView(name, name + ":5432", true, true, false, timeline, failoverAt,
                failoverAt == null ? null : name, null);
    }

    private static NodeView standby(String name) {
        return new NodeView(name, name + ":5432", true, false, false, 3, null, null, null);
    }

    private static NodeView unreachable(String name) {
        return new NodeView(name, name + ":5432", false, false, false, -1, null, null, "connection refused");
    }

    private static NodeView fenced(String name, int timeline) {
        return new NodeView(name, name + ":5432", true, true, true, timeline, 2_000L, name, null);
    }

    private static void assertWinsBothWays(NodeView expected, NodeView other) {
        assertSame(expected, PrimaryElection.winner(expected, other));
        assertSame(expected, PrimaryElection.winner(other, expected));
    }

    @Test
    void higherTimelineWinsEvenAgainstANewerFailoverRowAndASmallerName() {
        assertWinsBothWays(primary("node2", 5, 100L), primary("node1", 4, 9_999L));
    }

    @Test
    void onEqualTimelinesTheNodeWithTheNewerLatestFailoverRowWins() {
        assertWinsBothWays(primary("node2", 4, 2_000L), primary("node1", 4, 1_000L));
    }

    @Test
    void onEqualTimelinesANodeWithAFailoverRowBeatsOneWithout() {
        assertWinsBothWays(primary("node2", 4, 1L), primary("node1", 4, null));
    }

    @Test
    void onEqualTimelinesAndEqualRowsTheSmallerNodeNameWins() {
        assertWinsBothWays(primary("node1", 4, 1_000L), primary("node2", 4, 1_000L));
        assertWinsBothWays(primary("alpha", 4, null), primary("beta", 4, null));
    }

    @Test
    void nodesSharingANameAreSeparatedByAddressSoTheResultStaysSymmetric() {
        NodeView a = new NodeView("db", "10.0.0.1:5432", true, true, false, 4, null, null, null);
        NodeView b = new NodeView("db", "10.0.0.2:5432", true, true, false, 4, null, null, null);
        assertWinsBothWays(a, b);
    }

    @Test
    void winnerIsSymmetricForEveryPairOfASampleOfPrimaries() {
        List<NodeView> nodes = List.of(primary("node1", 3, null), primary("node2", 3, null),
                primary("node1", 3, 50L), primary("node2", 3, 50L), primary("node2", 3, 60L),
                primary("node1", 4, null), primary("node2", 4, 10L), primary("a", 2, 99L));
        for (NodeView a : nodes) {
            for (NodeView b : nodes) {
                assertSame(PrimaryElection.winner(a, b), PrimaryElection.winner(b, a), a + " vs " + b);
            }
        }
    }

    @Test
    void noCandidateWhenBothAreStandbysOrUnreachableOrFenced() {
        assertEquals(Optional.empty(), PrimaryElection.rightfulPrimary(standby("node1"), standby("node2")));
        assertEquals(Optional.empty(), PrimaryElection.rightfulPrimary(unreachable("node1"), unreachable("node2")));
        assertEquals(Optional.empty(), PrimaryElection.rightfulPrimary(fenced("node1", 4), standby("node2")));
        assertEquals(Optional.empty(), PrimaryElection.rightfulPrimary(unreachable("node1"), fenced("node2", 4)));
    }

    @Test
    void theOnlyReachableUnfencedPrimaryIsRightfulWhateverItsTimeline() {
        NodeView old = primary("node1", 2, null);
        assertEquals(Optional.of(old), PrimaryElection.rightfulPrimary(old, standby("node2")));
        assertEquals(Optional.of(old), PrimaryElection.rightfulPrimary(unreachable("node2"), old));
    }

    @Test
    void aFencedPrimaryNeverWinsEvenOnAHigherTimeline() {
        NodeView lower = primary("node2", 3, null);
        assertEquals(Optional.of(lower), PrimaryElection.rightfulPrimary(fenced("node1", 9), lower));
        assertEquals(Optional.of(lower), PrimaryElection.rightfulPrimary(lower, fenced("node1", 9)));
    }

    @Test
    void anUnreachableNodeIsNeverACandidateEvenIfLastSeenAsPrimary() {
        NodeView gone = new NodeView("node1", "node1:5432", false, true, false, 9, 5_000L, "node1", "timed out");
        NodeView up = primary("node2", 3, null);
        assertEquals(Optional.of(up), PrimaryElection.rightfulPrimary(gone, up));
    }

    @Test
    void twoCandidatesAreSettledByTheWinnerRuleInEitherOrder() {
        NodeView newer = primary("node2", 5, null);
        NodeView older = primary("node1", 4, null);
        assertEquals(Optional.of(newer), PrimaryElection.rightfulPrimary(newer, older));
        assertEquals(Optional.of(newer), PrimaryElection.rightfulPrimary(older, newer));
        assertTrue(newer.isCandidate());
    }
}
