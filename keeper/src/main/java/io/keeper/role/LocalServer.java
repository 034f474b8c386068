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

    FailoverLogEntry recordEvent(String host, String event, ServerState state, String previousPrimary,
                                 String reason) throws ServerActionException;

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

    /** Makes the server refuse writes (default_transaction_read_only, sessions ended); survives restarts. */
    void fence(String reason) throws ServerActionException;

    void unfence() throws ServerActionException;

    void resumeReplay() throws ServerActionException;
}
