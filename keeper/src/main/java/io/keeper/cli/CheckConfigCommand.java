package io.keeper.cli;

import io.keeper.config.KeeperConfig;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** keeper check-config: validates the file and prints the effective settings, passwords masked. */
@Command(name = "check-config", mixinStandardHelpOptions = true,
        description = "Check the configuration file; print the effective settings (passwords masked) or the errors.")
final class CheckConfigCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        KeeperConfig loaded = config.load();
        PrintWriter out = spec.commandLine().getOut();
        out.println("# " + loaded.source() + ": configuration is valid");
        loaded.warnings().forEach(w -> spec.commandLine().getErr().println("keeper: warning: " + w));
        loaded.describe().forEach(out::println);
        out.flush();
        return 0;
    }
}
