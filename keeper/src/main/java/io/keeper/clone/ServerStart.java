package io.keeper.clone;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * How the cloned server starts: pg_ctlcluster for a Debian cluster (its log where Debian keeps it), else pg_ctl
 * with the directory of postgresql.conf and a log in the data directory; and, where systemd has a unit for this
 * server, the systemctl command an administrator runs instead on a host systemd manages.
 *
 * @param preparations commands run first (the log directory)
 * @param log          where the server's own messages go
 * @param systemdUnit  Debian's postgresql@MAJOR-CLUSTER or the PGDG RPM packages' postgresql-MAJOR, when installed
 */
record ServerStart(List<List<String>> preparations, List<String> command, Path log, Optional<String> systemdUnit) {

    private static final List<Path> UNIT_DIRECTORIES = List.of(Path.of("/lib/systemd/system"),
            Path.of("/usr/lib/systemd/system"), Path.of("/etc/systemd/system"));

    private static final Path PG_CTLCLUSTER = Path.of("/usr/bin/pg_ctlcluster");

    static ServerStart choose(Path bindir, Path dataDirectory, Optional<Path> configDirectory, Path etcPostgresql,
                              int major) {
        Path versionDir = etcPostgresql.resolve(String.valueOf(major));
        Optional<String> debianCluster = configDirectory.filter(c -> versionDir.equals(c.getParent()))
                .map(c -> c.getFileName().toString());
        if (debianCluster.isPresent() && Files.isExecutable(PG_CTLCLUSTER)) {
            String cluster = debianCluster.get();
            return new ServerStart(List.of(), List.of(PG_CTLCLUSTER.toString(), String.valueOf(major), cluster, "start"),
                    Path.of("/var/log/postgresql", "postgresql-" + major + "-" + cluster + ".log"),
                    installedUnit("postgresql@.service").map(u -> "postgresql@" + major + "-" + cluster));
        }
        Path pgctlDirectory = configDirectory.orElse(dataDirectory);
        Path log = dataDirectory.resolve("log").resolve("keeper-clone.log");
        List<String> start = List.of(bindir.resolve("pg_ctl").toString(), "start", "-D", pgctlDirectory.toString(),
                "-l", log.toString(), "-w", "-t", "120");
        // Debian's per-cluster unit, else the PGDG RPM packages' unit for the default data directory.
        Optional<String> unit = debianCluster.isPresent()
                ? installedUnit("postgresql@.service").map(u -> "postgresql@" + major + "-" + debianCluster.get())
                : installedUnit("postgresql-" + major + ".service").filter(u -> configDirectory.isEmpty()
                        && dataDirectory.equals(Path.of("/var/lib/pgsql", String.valueOf(major), "data")));
        return new ServerStart(List.of(List.of("mkdir", "-p", "-m", "700", log.getParent().toString())), start, log,
                unit.map(u -> u.replace(".service", "")));
    }

    private static Optional<String> installedUnit(String file) {
        return UNIT_DIRECTORIES.stream().filter(d -> Files.exists(d.resolve(file))).findFirst().map(d -> file);
    }
}
