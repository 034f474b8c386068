package io.keeper.role;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ServerProbe;
import io.keeper.heartbeat.ServerState;
import java.util.Optional;

/** The other server of the pair: probed every run, and written to when it wins a split brain. */
public interface PartnerServer extends ServerProbe {

    /** The newest failover_log row on this server; empty when there is none or it cannot be read. */
    Optional<FailoverLogEntry> latestFailover();

    FailoverLogEntry recordEvent(String host, String event, ServerState state, String previousPrimary,
                                 String reason) throws ServerActionException;
}
