package io.keeper.role;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A partner whose next probe result the test sets, and whose failover_log the test can read. */
final class FakePartner implements PartnerServer {

    ProbeResult next;
    /** When set, computes each probe's result (e.g. a standby that received the primary's latest WAL). */
    java.util.function.Supplier<ProbeResult> dynamic;
    /** Results handed out before next, one per probe (e.g. the last look before a promotion). */
    final java.util.ArrayDeque<ProbeResult> queued = new java.util.ArrayDeque<>();
    final List<FailoverLogEntry> rows = new ArrayList<>();
    /** The switchover promotions asked of this partner: "event term". */
    final List<String> switchoverPromotions = new ArrayList<>();
    int switchoverForgotten;
    boolean failSwitchoverPromotion;
    /** The partner is gone when the request is removed from it. */
    boolean failForget;
    /** What promoting this partner does (a KeeperLeaseTest pair promotes the other node's server). */
    java.util.function.BiConsumer<String, Long> onSwitchoverPromotion = (event, term) -> { };

    /** What lastAnswerNanos() says, asked at each call (a late answer can arrive between two calls of one run). */
    java.util.function.LongSupplier lastAnswer = () -> Long.MIN_VALUE;

    FakePartner(ProbeResult first) {
        this.next = first;
    }

    @Override
    public ProbeResult probe() {
        ProbeResult q = queued.poll();
        return q != null ? q : dynamic != null ? dynamic.get() : next;
    }

    @Override
    public long lastAnswerNanos() {
        return lastAnswer.getAsLong();
    }

    @Override
    public Optional<FailoverLogEntry> latestFailover() {
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(rows.size() - 1));
    }

    @Override
    public FailoverLogEntry recordEvent(String host, String event, ServerState state, String previousPrimary,
                                        String reason) {
        FailoverLogEntry e = new FailoverLogEntry(1_700_000_100L + rows.size(), host, event, state.timeline(),
                state.lsn(), previousPrimary, reason);
        rows.add(e);
        return e;
    }

    @Override
    public void promoteForSwitchover(String event, long term, java.time.Duration wait) throws ServerActionException {
        if (failSwitchoverPromotion) {
            throw new ServerActionException("pg_promote on node1:5432 failed: connection refused", "08001", null);
        }
        switchoverPromotions.add(event + " " + term);
        onSwitchoverPromotion.accept(event, term);
    }

    @Override
    public void forgetSwitchover() throws ServerActionException {
        if (failForget) {
            throw new ServerActionException("ALTER SYSTEM on node2:5432 failed: connection refused", "08001", null);
        }
        switchoverForgotten++;
    }
}
