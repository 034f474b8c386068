package io.keeper.cli;

import io.keeper.config.ConfigException;
import io.keeper.config.KeeperConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The -c/--config option every subcommand shares. */
final class ConfigOption {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "/etc/keeper/keeper.conf",
            description = "Configuration file in postgresql.conf syntax (default: ${DEFAULT-VALUE}).")
    Path file;

    KeeperConfig load() throws ConfigException {
        return KeeperConfig.load(file);
    }
}
