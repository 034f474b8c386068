package io.keeper.cli;

import io.keeper.config.KeeperConfig;
import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.heartbeat.JdbcServerProbe;
import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ProbeResult;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** keeper install: creates the failover_log table on the primary (keeper run also does it at start-up). */
@Command(name = "install", mixinStandardHelpOptions = true,
        description = "Create the failover_log table on this node's server, which must be the primary.")
final class InstallCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        KeeperConfig loaded = config.load();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        FailoverLogTable table = new FailoverLogTable(loaded.failoverLogTable());
        try (PgSession session = new PgSession(loaded.myConninfo(), System.getenv(), Duration.ofSeconds(10),
                "install")) {
            ProbeResult status = new JdbcServerProbe(session).probe();
            if (!status.answered()) {
                err.println("keeper: cannot reach " + loaded.myConninfo().address() + ": " + status.describe());
                return KeeperCommand.RUNTIME_FAILURE;
            }
            if (status.state().inRecovery()) {
                err.println("keeper: " + loaded.myConninfo().address() + " is a standby; run install on the primary"
                        + " (the table replicates to the standby)");
                return KeeperCommand.RUNTIME_FAILURE;
            }
            boolean created = session.call(table::createIfMissing);
            out.println(created ? "created table " + table.name() + " on " + loaded.myConninfo().address()
                    : "table " + table.name() + " already exists on " + loaded.myConninfo().address());
        }
        out.flush();
        return 0;
    }
}
