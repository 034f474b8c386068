package io.keeper.rejoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real old primary A and a promoted standby B on loopback, with postgresql.conf outside the data
 * directories as on Debian: A wrote a row B never saw, then Rejoin makes A a standby of B. Runs only as root
 * on a host with PostgreSQL 15 in /usr/lib/postgresql/15/bin; the servers run as the postgres OS user.
 */
@Timeout(90)
class RejoinOnRealServersTest {

    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private static final List<String> AS_POSTGRES = List.of("runuser", "-u", "postgres", "--");
    private static final int PORT_A = 56101;
    private static final int PORT_B = 56102;
    private static final String PASSWORD = "rejoin-test-secret";
    private static final String SOURCE_B = "host=127.0.0.1 port=" + PORT_B + " user=postgres dbname=postgres";

    @TempDir
    Path tmp;

    private final ProcessCommandRunner asPostgres = new ProcessCommandRunner(AS_POSTGRES);
    private final List<Path> configDirectories = new ArrayList<>();
    private Path dataA;
    private Path confA;

    @BeforeEach
    void onlyAsRootWithPostgresql15() throws IOException {
        assumeTrue(Files.isExecutable(BIN.resolve("pg_rewind")), "needs " + BIN.resolve("pg_rewind"));
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run servers as postgres");
        UserPrincipal postgres;
        try {
            postgres = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        } catch (IOException e) {
            assumeTrue(false, "needs a postgres OS user");
            return;
        }
        Files.setOwner(tmp, postgres);
    }

    @AfterEach
    void stopServers() throws Exception {
        for (Path conf : configDirectories) {
            asPostgres.run(List.of(BIN + "/pg_ctl", "stop", "-D", conf.toString(), "-m", "immediate"), Map.of(),
                    Duration.ofSeconds(20), line -> { });
        }
    }

    @Test
    void turnsTheSupersededPrimaryIntoAStandbyOfTheWinner() throws Exception {
        divergedPair();
        fence(PORT_A);

        Rejoin.Result result = rejoinA();

        assertTrue(result.succeeded(), result.toString());
        assertRejoinedAsStandbyOfB();
    }

    @Test
    void rejoinsAnOldPrimaryThatCrashedThroughSingleUserRecovery() throws Exception {
        divergedPair();
        fence(PORT_A);
        postgres("pg_ctl", "stop", "-D", confA.toString(), "-m", "immediate");

        Rejoin.Result result = rejoinA();

        assertTrue(result.succeeded(), result.toString());
        assertRejoinedAsStandbyOfB();
    }

    private Rejoin.Result rejoinA() throws SQLException {
        ServerLayout layout;
        try (Connection c = connect(PORT_A)) {
            layout = ServerLayout.read(c, BIN.toString());
        } catch (SQLException e) {
            // A may be down already (the crash case): the layout is what it would have read.
            layout = new ServerLayout(dataA, confA.resolve("postgresql.conf"), BIN, 15, true, false);
        }
        assertEquals(dataA, layout.dataDirectory());
        assertEquals(confA.resolve("postgresql.conf"), layout.configFile());
        assertEquals(List.of(), layout.rewindProblems());
        Rejoin rejoin = new Rejoin(layout, Duration.ofSeconds(20), Rejoin.defaultServerLog(layout), asPostgres);
        return rejoin.run(SOURCE_B, PASSWORD);
    }

    private void assertRejoinedAsStandbyOfB() throws Exception {
        try (Connection c = connect(PORT_A)) {
            assertEquals("t", query(c, "SELECT pg_is_in_recovery()").get(0));
            assertEquals("off", query(c, "SHOW default_transaction_read_only").get(0));
            List<String> rows = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < deadline && !(rows = query(c, "SELECT x FROM t ORDER BY x")).contains("b-row")) {
                Thread.sleep(100);
            }
            assertEquals(List.of("b-row", "common"), rows, "B's row replicated, A's divergent row gone");
        }
        try (Connection b = connect(PORT_B)) {
            assertEquals(List.of("streaming"), query(b, "SELECT state FROM pg_stat_replication"));
        }
        String autoConf = Files.readString(dataA.resolve("postgresql.auto.conf"));
        assertFalse(autoConf.contains("keeper.fenced"), autoConf);
        assertTrue(Files.exists(dataA.resolve("log/keeper-rejoin.log")));
    }

    /** A primary with a row, a base backup of it promoted as B, then one new row on each. */
    private void divergedPair() throws Exception {
        dataA = tmp.resolve("a-data");
        confA = tmp.resolve("a-conf");
        Path pwfile = tmp.resolve("pwfile");
        Files.writeString(pwfile, PASSWORD + "\n");
        Files.setOwner(pwfile, Files.getOwner(tmp));
        postgres("initdb", "-D", dataA.toString(), "-U", "postgres", "--auth-local=trust",
                "--auth-host=scram-sha-256", "--pwfile=" + pwfile, "-N");
        moveConfigOut(dataA, confA, PORT_A);
        startServer(confA);
        psql(PORT_A, "CREATE TABLE t (x text PRIMARY KEY)", "INSERT INTO t VALUES ('common')");

        Path dataB = tmp.resolve("b-data");
        Path confB = Files.createDirectory(tmp.resolve("b-conf"));
        Files.setOwner(confB, Files.getOwner(tmp));
        postgres("pg_basebackup", "-h", "127.0.0.1", "-p", String.valueOf(PORT_A), "-U", "postgres", "-D",
                dataB.toString(), "-c", "fast", "-R");
        for (String file : List.of("pg_hba.conf", "pg_ident.conf")) {
            Files.copy(confA.resolve(file), confB.resolve(file));
            Files.setOwner(confB.resolve(file), Files.getOwner(tmp));
        }
        Files.writeString(confB.resolve("postgresql.conf"), Files.readString(confA.resolve("postgresql.conf"))
                .replace(dataA.toString(), dataB.toString()).replace(confA.toString(), confB.toString())
                .replace("port = " + PORT_A, "port = " + PORT_B));
        Files.setOwner(confB.resolve("postgresql.conf"), Files.getOwner(tmp));
        startServer(confB);
        postgres("pg_ctl", "promote", "-D", confB.toString(), "-w", "-t", "30");

        psql(PORT_B, "INSERT INTO t VALUES ('b-row')");
        psql(PORT_A, "INSERT INTO t VALUES ('a-divergent')");
    }

    /** What keeper's fence does through SQL. */
    private void fence(int port) throws Exception {
        psql(port, "SELECT set_config('keeper.fenced', '', false)",
                "ALTER SYSTEM SET default_transaction_read_only = on",
                "ALTER SYSTEM SET keeper.fenced = 'superseded by B'", "SELECT pg_reload_conf()");
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
                ""), java.nio.file.StandardOpenOption.APPEND);
    }

    private void startServer(Path conf) throws Exception {
        configDirectories.add(conf);
        postgres("pg_ctl", "start", "-D", conf.toString(), "-l", conf.resolve("server.log").toString(), "-w",
                "-t", "30");
    }

    /** psql over the Unix socket (trust), each statement in its own transaction. */
    private void psql(int port, String... statements) throws Exception {
        List<String> command = new ArrayList<>(List.of("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h",
                tmp.toString(), "-p", String.valueOf(port), "-U", "postgres", "-d", "postgres"));
        for (String statement : statements) {
            command.add("-c");
            command.add(statement);
        }
        postgres(command.toArray(String[]::new));
    }

    private void postgres(String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of(command));
        full.set(0, BIN.resolve(command[0]).toString());
        CommandRunner.Completed done = asPostgres.run(full, Map.of("PGPASSWORD", PASSWORD), Duration.ofSeconds(60),
                line -> { });
        assertTrue(done.succeeded(), String.join(" ", full) + " failed: " + done);
    }

    private static Connection connect(int port) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout=5",
                "postgres", PASSWORD);
    }

    private static List<String> query(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
