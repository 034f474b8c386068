package io.keeper.role;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ProbeOutcome;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** An in-memory local server whose role and settings change the way PostgreSQL's would. */
final class FakeLocalServer implements LocalServer {

    boolean reachable = true;
    boolean inRecovery;
    int timeline = 1;
    String syncNames = "";
    String savedSyncNames = "";
    int streaming;
    boolean failPromotion;
    int promotions;
    int failoverLogCreations;
    final List<FailoverLogEntry> rows = new ArrayList<>();
    String fenced = "";
    String nodeName = "";
    Long walReceiverAgeMs;
    String receivedLsn = "0/3000060";
    boolean replayPaused;
    int fences;
    int resumes;
    String pendingEvent = "";
    long term;
    long walLsn = 0x3000060;
    boolean failRecord;
    String paused = "";
    String activity = "";
    String switchover = "";
    /** The timeline the WAL receiver gets; null: the server's own timeline while it streams. */
    Integer receivedTimeline;

    static FakeLocalServer standby() {
        FakeLocalServer s = new FakeLocalServer();
        s.inRecovery = true;
        return s;
    }

    static FakeLocalServer primary() {
        return new FakeLocalServer();
    }

    private ServerState state() {
        return new ServerState(inRecovery, timeline, inRecovery ? receivedLsn : lsn(walLsn), 7L, syncNames,
                savedSyncNames, streaming, nodeName, fenced, walReceiverAgeMs, replayPaused,
                inRecovery ? receivedLsn : null, term, pendingEvent, paused,
                walReceiverAgeMs == null ? null : receivedTimeline != null ? receivedTimeline : timeline, switchover);
    }

    static String lsn(long bytes) {
        return ServerState.formatLsn(bytes);
    }

    int switchoverForgotten;

    @Override
    public void forgetSwitchover() {
        switchoverForgotten++;
        switchover = "";
    }

    @Override
    public void publishActivity(String text) {
        activity = text;
    }

    @Override
    public ProbeResult status() {
        if (!reachable) {
            return new ProbeResult(ProbeOutcome.UNREACHABLE, null, "Connection refused", "08001", Duration.ZERO);
        }
        return ProbeResult.answered(state(), Duration.ZERO);
    }

    @Override
    public ServerState promote(Duration wait) throws ServerActionException {
        promotions++;
        if (failPromotion) {
            throw new ServerActionException("pg_promote failed", "XX000", null);
        }
        inRecovery = false;
        timeline++;
        return state();
    }

    @Override
    public boolean ensureFailoverLog() {
        failoverLogCreations++;
        return failoverLogCreations == 1;
    }

    @Override
    public FailoverLogEntry recordEvent(String host, String event, ServerState state, String previousPrimary,
                                        String reason, Long term) throws ServerActionException {
        if (failRecord) {
            throw new ServerActionException("failover_log is not writable", "25006", null);
        }
        FailoverLogEntry e = new FailoverLogEntry(1_700_000_000L + rows.size(), host, event, state.timeline(),
                state.lsn(), previousPrimary, reason, term);
        rows.add(e);
        return e;
    }

    @Override
    public long emitWalHeartbeat() throws ServerActionException {
        if (inRecovery) {
            throw new ServerActionException("cannot execute pg_logical_emit_message() during recovery", "25006", null);
        }
        walLsn += 0x40;
        return walLsn;
    }

    @Override
    public void announce(String event, long newTerm) {
        pendingEvent = event;
        if (newTerm > 0) {
            term = newTerm;
        }
    }

    @Override
    public void clearPendingEvent() {
        pendingEvent = "";
    }

    @Override
    public void recordTerm(long newTerm) {
        term = newTerm;
    }

    @Override
    public void disableSynchronousStandbys(String current) {
        savedSyncNames = current;
        syncNames = "";
    }

    @Override
    public void restoreSynchronousStandbys(String saved) {
        syncNames = saved;
        savedSyncNames = "";
    }

    @Override
    public void forgetSavedSynchronousStandbys() {
        savedSyncNames = "";
    }

    @Override
    public java.util.Optional<FailoverLogEntry> latestFailover() {
        return rows.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(rows.get(rows.size() - 1));
    }

    @Override
    public void publishNodeName(String name) {
        nodeName = name;
    }

    @Override
    public void fence(String reason) {
        fences++;
        fenced = reason;
    }

    @Override
    public void markFenced(String reason) {
        fenced = reason;
    }

    @Override
    public void unfence() {
        fenced = "";
    }

    @Override
    public void resumeReplay() {
        resumes++;
        replayPaused = false;
    }
}
