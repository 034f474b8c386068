package io.keeper.cli;

import io.keeper.clone.Clone;
import io.keeper.config.KeeperConfig;
import io.keeper.rejoin.ProcessCommandRunner;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** keeper clone: makes this host's server a streaming standby of the partner with pg_basebackup. */
@Command(name = "clone", mixinStandardHelpOptions = true,
        description = {"On the standby host, as the PostgreSQL OS user: copy the partner (a primary) with pg_basebackup"
                + " through a replication slot named after node_name, write the standby configuration (-R), start the"
                + " server and wait until it streams. This node's own postgresql.conf stays where the distribution"
                + " keeps it (Debian: /etc/postgresql/MAJOR/CLUSTER).",
                "Refuses a data directory that is not empty (unless --force) or that a server runs on, and says which"
                        + " pg_hba.conf line or role attribute the primary lacks when it refuses the copy.",
                "Exit 0: the standby streams (under systemd without --wait: copied, with the command that starts it);"
                        + " 1: refused or failed (one line says why); 2: bad usage or configuration."})
final class CloneCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--pgdata", paramLabel = "DIR", description = "The data directory to fill (default:"
            + " data_directory from the file, else the distribution's default for the primary's major version).")
    Path pgdata;

    @Option(names = "--config-dir", paramLabel = "DIR", description = "The directory of this node's own"
            + " postgresql.conf when it is outside the data directory (default: Debian's /etc/postgresql/MAJOR/CLUSTER"
            + " when it exists).")
    Path configDir;

    @Option(names = "--force", description = "Move a data directory that is not empty aside to"
            + " DIR.keeper-old-TIMESTAMP first.")
    boolean force;

    @Option(names = "--wait", description = "Under systemd, where the administrator starts the server: wait for it to"
            + " stream anyway.")
    boolean waitUnderSystemd;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300",
            description = "How long to wait for the started server to stream (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        KeeperConfig loaded = config.load();
        PrintWriter err = spec.commandLine().getErr();
        if ("root".equals(System.getProperty("user.name"))) {
            err.println("keeper clone: run it as the PostgreSQL OS user, not root (the copy must belong to that user):"
                    + " sudo -u postgres keeper clone -c " + loaded.source());
            return KeeperCommand.BAD_CONFIG;
        }
        Clone clone = new Clone(loaded, System.getenv(), spec.commandLine().getOut(),
                new ProcessCommandRunner(List.of()), Path.of("/etc/postgresql"),
                Files.isDirectory(Path.of("/run/systemd/system")));
        try {
            clone.run(new Clone.Request(pgdata, configDir, force, waitUnderSystemd,
                    Duration.ofSeconds(Math.max(1, timeoutSeconds))));
            return 0;
        } catch (Clone.Failure e) {
            spec.commandLine().getOut().flush();
            err.println("keeper clone: " + e.getMessage());
            return e.exitCode();
        }
    }
}
