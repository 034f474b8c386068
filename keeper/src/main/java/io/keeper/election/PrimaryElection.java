package io.keeper.election;

import java.util.Comparator;
import java.util.Optional;

/**
 * Decides which of two nodes is the rightful primary, by rules both keepers (and any bystander) evaluate alike,
 * so that after a split brain every observer names the same winner.
 */
public final class PrimaryElection {

    /**
     * Best first: the higher timeline; then the newer latest failover_log row (a node without one sorts last);
     * then the smaller node_name. The address only separates two nodes that share a name, so the order is total
     * and winner(a, b) equals winner(b, a).
     */
    static final Comparator<NodeView> BEST_FIRST = Comparator
            .comparingInt(NodeView::timeline).reversed()
            .thenComparing(NodeView::latestFailoverUnixtime, Comparator.nullsLast(Comparator.reverseOrder()))
            .thenComparing(NodeView::name, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparing(NodeView::address, Comparator.nullsLast(Comparator.naturalOrder()));

    private PrimaryElection() {
    }

    /** The winner between two primaries; the candidate rules (reachable, not fenced) are not checked here. */
    public static NodeView winner(NodeView a, NodeView b) {
        return BEST_FIRST.compare(a, b) <= 0 ? a : b;
    }

    /** The node that should take writes: among the reachable, unfenced primaries, the winner; empty when none. */
    public static Optional<NodeView> rightfulPrimary(NodeView a, NodeView b) {
        if (a.isCandidate() && b.isCandidate()) {
            return Optional.of(winner(a, b));
        }
        if (a.isCandidate()) {
            return Optional.of(a);
        }
        return b.isCandidate() ? Optional.of(b) : Optional.empty();
    }
}
