package io.keeper.role;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ServerProbe;
import io.keeper.heartbeat.ServerState;
import java.time.Duration;
import java.util.Optional;

/** The other server of the pair: probed every run, and written to when it wins a split brain. */
public interface PartnerServer extends ServerProbe {

    /** The newest failover_log row on this server; empty when there is none or it cannot be read. */
    Optional<FailoverLogEntry> latestFailover();

    FailoverLogEntry recordEvent(String host, String event, ServerState state, String previousPrimary,
                                 String reason) throws ServerActionException;

    /**
     * A planned switchover, run by the old primary's keeper: records on this standby the event its own keeper
     * owes (keeper.pending_event, and the lease term), then promotes it and waits up to {@code wait}.
     */
    void promoteForSwitchover(String event, long term, Duration wait) throws ServerActionException;

    /** Removes the switchover request (keeper.switchover) from this server. */
    void forgetSwitchover() throws ServerActionException;
}
