package io.keeper.rejoin;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Throwaway PostgreSQL 15 servers on loopback for tests, laid out as on Debian (postgresql.conf, pg_hba.conf and
 * pg_ident.conf in a directory of their own) and run as the postgres OS user. Only as root on a host with
 * PostgreSQL 15 in /usr/lib/postgresql/15/bin; {@link #assumeAvailable(Path)} skips the test elsewhere (fails
 * it under CI=true).
 */
public final class LocalServers implements AutoCloseable {

    public static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    public static final String PASSWORD = "local-servers-secret";

    final Path tmp;
    final ProcessCommandRunner asPostgres = new ProcessCommandRunner(List.of("runuser", "-u", "postgres", "--"));
    private final List<Path> configDirectories = new ArrayList<>();

    private LocalServers(Path tmp) {
        this.tmp = tmp;
    }

    /**
     * Hands {@code tmp} to postgres, where the test can run: as root beside PostgreSQL 15. Elsewhere it skips the
     * calling test, except under CI=true (.ci/run), where such a host is promised: there a skip would hide that the
     * real-server tests did not run, so it fails instead, naming what is missing.
     */
    public static LocalServers assumeAvailable(Path tmp) throws IOException {
        require(Files.isExecutable(BIN.resolve("pg_rewind")), "needs " + BIN.resolve("pg_rewind"));
        require("root".equals(System.getProperty("user.name")), "needs root to run servers as postgres");
        try {
            Files.setOwner(tmp, FileSystems.getDefault().getUserPrincipalLookupService()
                    .lookupPrincipalByName("postgres"));
        } catch (IOException e) {
            require(false, "needs a postgres OS user");
        }
        return new LocalServers(tmp);
    }

    private static void require(boolean met, String why) {
        if (!met && "true".equals(System.getenv("CI"))) {
            fail("CI=true, yet this host cannot run the real-server tests: " + why);
        }
        assumeTrue(met, why);
    }

    /** initdb into {@code <name>-data}, configuration moved to {@code <name>-conf}; returns the data directory. */
    public Path initdb(String name, int port) throws Exception {
        Path data = tmp.resolve(name + "-data");
        Path pwfile = tmp.resolve("pwfile");
        Files.writeString(pwfile, PASSWORD + "\n");
        Files.setOwner(pwfile, Files.getOwner(tmp));
        postgres("initdb", "-D", data.toString(), "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
                "--pwfile=" + pwfile, "-N");
        moveConfigOut(data, conf(name), port);
        return data;
    }

    public Path conf(String name) {
        return tmp.resolve(name + "-conf");
    }

    /** The Debian layout: postgresql.conf, pg_hba.conf and pg_ident.conf in their own directory. */
    private void moveConfigOut(Path data, Path conf, int port) throws IOException {
        Files.createDirectory(conf);
        Files.setOwner(conf, Files.getOwner(tmp));
        for (String file : List.of("postgresql.conf", "pg_hba.conf", "pg_ident.conf")) {
            Files.move(data.resolve(file), conf.resolve(file));
        }
        Files.writeString(conf.resolve("postgresql.conf"), String.join("\n",
                "",
                "data_directory = '" + data + "'",
                "hba_file = '" + conf.resolve("pg_hba.conf") + "'",
                "ident_file = '" + conf.resolve("pg_ident.conf") + "'",
                "port = " + port,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = '" + tmp + "'",
                "wal_log_hints = on",
                "wal_keep_size = '256MB'",
                "max_connections = 20",
                "shared_buffers = '16MB'",
                ""), StandardOpenOption.APPEND);
    }

    public void start(Path conf) throws Exception {
        if (!configDirectories.contains(conf)) {
            configDirectories.add(conf);
        }
        postgres("pg_ctl", "start", "-D", conf.toString(), "-l", conf.resolve("server.log").toString(), "-w",
                "-t", "30");
    }

    /** psql over the Unix socket (trust), each statement in its own transaction. */
    public void psql(int port, String... statements) throws Exception {
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
                tmp.toString(), "-p", String.valueOf(port), "-U", "postgres", "-d", "postgres"));
        for (String statement : statements) {
            command.add("-c");
            command.add(statement);
        }
        postgres(command.toArray(String[]::new));
    }

    /** Runs a program of {@link #BIN} as postgres; fails the test when it fails. */
    public void postgres(String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of(command));
        full.set(0, BIN.resolve(command[0]).toString());
        CommandRunner.Completed done = asPostgres.run(full, Map.of("PGPASSWORD", PASSWORD), Duration.ofSeconds(60),
                line -> { });
        assertTrue(done.succeeded(), String.join(" ", full) + " failed: " + done);
    }

    public static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout=5",
                "postgres", PASSWORD);
    }

    public static List<String> query(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    /** Stops every server this instance started (immediate: the directories are thrown away). */
    @Override
    public void close() throws Exception {
        for (Path conf : configDirectories) {
            asPostgres.run(List.of(BIN + "/pg_ctl", "stop", "-D", conf.toString(), "-m", "immediate"), Map.of(),
                    Duration.ofSeconds(20), line -> { });
        }
    }
}
