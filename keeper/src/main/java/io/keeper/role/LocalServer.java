package io.keeper.role;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.time.Duration;

/** keeper's own PostgreSQL server: what it is now, and the few things keeper does to it. */
public interface LocalServer {

    /** Looks at the server; never throws. */
    ProbeResult status();

    /** Promotes with pg_promote(wait => true) and returns the state once the server has left recovery. */
    ServerState promote(Duration wait) throws ServerActionException;

    /** Creates the failover_log table if it is missing; returns true if it created it. */
    boolean ensureFailoverLog() throws ServerActionException;

    /** Writes a failover_log row here, with the lease term (null without a witness). */
    FailoverLogEntry recordEvent(String host, String event, ServerState state, String previousPrimary,
                                 String reason, Long term) throws ServerActionException;

    /**
     * On a primary: writes a tiny non-transactional WAL record (a logical message) and returns its position, so a
     * streaming standby hears from an idle primary at every run.
     */
    long emitWalHeartbeat() throws ServerActionException;

    /**
     * Records on the server, before promoting it, the event keeper owes (keeper.pending_event) and the lease term
     * (keeper.term, when above 0), so a keeper that dies after pg_promote finishes the job on its next run.
     */
    void announce(String event, long term) throws ServerActionException;

    /** Forgets keeper.pending_event once the row is written and the event fired. */
    void clearPendingEvent() throws ServerActionException;

    /** Records the lease term this server's keeper holds (keeper.term). */
    void recordTerm(long term) throws ServerActionException;

    /** Saves current synchronous_standby_names (ALTER SYSTEM), clears it and reloads. */
    void disableSynchronousStandbys(String current) throws ServerActionException;

    /** Puts the saved synchronous_standby_names back, forgets the saved copy and reloads. */
    void restoreSynchronousStandbys(String saved) throws ServerActionException;

    /** Forgets a saved value without touching synchronous_standby_names (an administrator changed it). */
    void forgetSavedSynchronousStandbys() throws ServerActionException;

    /** The newest failover_log row on this server; empty when there is none or it cannot be read. */
    java.util.Optional<FailoverLogEntry> latestFailover();

    /** Publishes node_name on the server (keeper.node_name) so the partner and `keeper primary` can name it. */
    void publishNodeName(String nodeName) throws ServerActionException;

    /** Shows {@code text} as the application_name of keeper's session on the local server (`keeper status`). */
    void publishActivity(String text) throws ServerActionException;

    /** Removes the switchover request (keeper.switchover) from the local server. */
    void forgetSwitchover() throws ServerActionException;

    /**
     * The fallback fence where keeper cannot restart the server: default_transaction_read_only and keeper.fenced,
     * sessions ended; survives restarts. Weaker than a demotion: a session may still ask for read-write.
     */
    void fence(String reason) throws ServerActionException;

    /** Rewrites keeper.fenced (on a demoted standby: the reason it stays one), without touching sessions. */
    void markFenced(String reason) throws ServerActionException;

    /** Removes keeper.fenced and default_transaction_read_only (a lifted fence, a demoted server that follows). */
    void unfence() throws ServerActionException;

    void resumeReplay() throws ServerActionException;
}
