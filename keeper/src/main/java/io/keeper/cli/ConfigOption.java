package io.keeper.cli;

import io.keeper.config.ConfigException;
import io.keeper.config.KeeperConfig;
import io.keeper.lease.Arbiters;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The -c/--config option every subcommand shares. */
final class ConfigOption {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "/etc/keeper/keeper.conf",
            description = "Configuration file in postgresql.conf syntax (default: ${DEFAULT-VALUE}).")
    Path file;

    /** The validated configuration, its etcd TLS files included (each problem names the key and file). */
    KeeperConfig load() throws ConfigException {
        KeeperConfig loaded = KeeperConfig.load(file);
        if (loaded.etcd().isPresent()) {
            try {
                Arbiters.tls(loaded.etcd().get());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(loaded.source() + ": " + e.getMessage());
            }
        }
        return loaded;
    }
}
