package io.keeper.cli;

import io.keeper.config.KeeperConfig;
import io.keeper.guard.BootGuard;
import io.keeper.guard.GuardException;
import io.keeper.guard.GuardRules;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** keeper guard: runs before PostgreSQL starts (ExecStartPre) so a superseded old primary boots as a standby. */
@Command(name = "guard", mixinStandardHelpOptions = true,
        description = {"Run before PostgreSQL starts (systemd ExecStartPre, see conf/keeper-guard.conf): if this data"
                + " directory was a primary and the partner was promoted meanwhile (or, with a witness, may have been),"
                + " make it boot as a standby so it never takes a write.",
                "Exit 0: start PostgreSQL (as a standby when the guard said so); 1: do not start it; 2: bad usage or"
                        + " configuration."})
final class GuardCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--pgdata", paramLabel = "DIR",
            description = "The data directory (default: data_directory from the file, else $PGDATA).")
    Path pgdata;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        KeeperConfig loaded = config.load();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Map<String, String> env = System.getenv();
        Path dir = pgdata != null ? pgdata : !loaded.dataDirectory().isBlank() ? Path.of(loaded.dataDirectory())
                : env.get("PGDATA") != null && !env.get("PGDATA").isBlank() ? Path.of(env.get("PGDATA")) : null;
        if (dir == null) {
            err.println("keeper guard: no data directory: pass --pgdata, set data_directory in " + loaded.source()
                    + ", or set PGDATA");
            return KeeperCommand.BAD_CONFIG;
        }
        try {
            BootGuard.Result result = new BootGuard(loaded, dir, env).run();
            boolean standby = result.verdict().outcome() == GuardRules.Outcome.START_AS_STANDBY
                    || result.facts().bootsInRecovery();
            out.println("keeper guard: " + dir + " starts as a " + (standby ? "standby" : "primary") + " ["
                    + result.verdict().rule().name() + "]: " + result.verdict().reason());
            result.notes().forEach(note -> out.println("keeper guard: " + note));
            out.flush();
            return 0;
        } catch (GuardException e) {
            err.println("keeper guard: do not start " + dir + ": " + e.getMessage());
            return e.exitCode();
        }
    }
}
