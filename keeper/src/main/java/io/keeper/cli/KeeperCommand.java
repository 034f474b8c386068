package io.keeper.cli;

import io.keeper.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * keeper's command line: run, check-config, install, log, primary, status, switchover, guard, rules, pause, resume,
 * clone.
 */
@Command(name = "keeper", mixinStandardHelpOptions = true, versionProvider = KeeperCommand.Version.class,
        description = "Automatic failover for a pair of PostgreSQL servers (primary + streaming standby).",
        subcommands = {RunCommand.class, CheckConfigCommand.class, InstallCommand.class, LogCommand.class,
                PrimaryCommand.class, GuardCommand.class, RulesCommand.class, StatusCommand.class,
                SwitchoverCommand.class, PauseCommand.class,
                ResumeCommand.class, CloneCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:runtime failure", "2:bad usage or configuration"})
public final class KeeperCommand implements Runnable {

    static final int RUNTIME_FAILURE = 1;
    static final int BAD_CONFIG = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        // The JVM keeps a failed host name lookup for 10 s and a good one for 30 s: a standby that has just
        // appeared in DNS would stay "unknown host" (and count as dead) for 10 s, and a name moved to another
        // address would keep its old one for 30 s. keeper looks names up only when it (re)connects.
        java.security.Security.setProperty("networkaddress.cache.negative.ttl", "0");
        java.security.Security.setProperty("networkaddress.cache.ttl", "5");
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests to capture output and exit codes. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new KeeperCommand());
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println("keeper: " + e.getMessage() + " (see: " + failed.getCommandSpec().qualifiedName()
                    + " --help)");
            return BAD_CONFIG;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ConfigException) {
                for (String problem : ((ConfigException) e).problems()) {
                    commandLine.getErr().println(problem);
                }
                return BAD_CONFIG;
            }
            commandLine.getErr().println("keeper: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return RUNTIME_FAILURE;
        });
        return cl;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command: run, check-config, install, log, primary, status, switchover, guard, rules, pause,"
                        + " resume or clone");
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = KeeperCommand.class.getPackage().getImplementationVersion();
            return new String[] {"keeper " + (v != null ? v : "development build")};
        }
    }
}
