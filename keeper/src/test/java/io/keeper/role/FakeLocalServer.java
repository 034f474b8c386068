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

    static FakeLocalServer standby() {
        FakeLocalServer s = new FakeLocalServer();
        s.inRecovery = true;
        return s;
    }

    static FakeLocalServer primary() {
        return new FakeLocalServer();
    }

    private ServerState state() {
        return new ServerState(inRecovery, timeline, receivedLsn, 7L, syncNames, savedSyncNames, streaming, nodeName,
                fenced, walReceiverAgeMs, replayPaused, inRecovery ? receivedLsn : null);
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
                                        String reason) {
        FailoverLogEntry e = new FailoverLogEntry(1_700_000_000L + rows.size(), host, event, state.timeline(),
                state.lsn(), previousPrimary, reason);
        rows.add(e);
        return e;
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
    public void unfence() {
        fenced = "";
    }

    @Override
    public void resumeReplay() {
        resumes++;
        replayPaused = false;
    }
}
