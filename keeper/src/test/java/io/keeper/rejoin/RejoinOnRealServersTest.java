package io.keeper.rejoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
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

    private static final Path BIN = LocalServers.BIN;
    private static final String PASSWORD = LocalServers.PASSWORD;
    private static final int PORT_A = 56101;
    private static final int PORT_B = 56102;
    private static final String SOURCE_B = "host=127.0.0.1 port=" + PORT_B + " user=postgres dbname=postgres";

    @TempDir
    Path tmp;

    private LocalServers servers;
    private Path dataA;
    private Path confA;

    @BeforeEach
    void onlyAsRootWithPostgresql15() throws IOException {
        servers = LocalServers.assumeAvailable(tmp);
    }

    @AfterEach
    void stopServers() throws Exception {
        if (servers != null) {
            servers.close();
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
        servers.postgres("pg_ctl", "stop", "-D", confA.toString(), "-m", "immediate");

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
        Rejoin rejoin = new Rejoin(layout, Duration.ofSeconds(20), Rejoin.defaultServerLog(layout), servers.asPostgres);
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
            // pg_rewind already copied B's row, so A may still be connecting its WAL receiver at this point.
            List<String> states = List.of();
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (System.nanoTime() < deadline
                    && !(states = query(b, "SELECT state FROM pg_stat_replication")).equals(List.of("streaming"))) {
                Thread.sleep(100);
            }
            assertEquals(List.of("streaming"), states);
        }
        String autoConf = Files.readString(dataA.resolve("postgresql.auto.conf"));
        assertFalse(autoConf.contains("keeper.fenced"), autoConf);
        assertTrue(Files.exists(dataA.resolve("log/keeper-rejoin.log")));
    }

    /** A primary with a row, a base backup of it promoted as B, then one new row on each. */
    private void divergedPair() throws Exception {
        dataA = servers.initdb("a", PORT_A);
        confA = servers.conf("a");
        servers.start(confA);
        servers.psql(PORT_A, "CREATE TABLE t (x text PRIMARY KEY)", "INSERT INTO t VALUES ('common')");

        Path dataB = tmp.resolve("b-data");
        Path confB = Files.createDirectory(tmp.resolve("b-conf"));
        Files.setOwner(confB, Files.getOwner(tmp));
        servers.postgres("pg_basebackup", "-h", "127.0.0.1", "-p", String.valueOf(PORT_A), "-U", "postgres", "-D",
                dataB.toString(), "-c", "fast", "-R");
        for (String file : List.of("pg_hba.conf", "pg_ident.conf")) {
            Files.copy(confA.resolve(file), confB.resolve(file));
            Files.setOwner(confB.resolve(file), Files.getOwner(tmp));
        }
        Files.writeString(confB.resolve("postgresql.conf"), Files.readString(confA.resolve("postgresql.conf"))
                .replace(dataA.toString(), dataB.toString()).replace(confA.toString(), confB.toString())
                .replace("port = " + PORT_A, "port = " + PORT_B));
        Files.setOwner(confB.resolve("postgresql.conf"), Files.getOwner(tmp));
        servers.start(confB);
        servers.postgres("pg_ctl", "promote", "-D", confB.toString(), "-w", "-t", "30");

        servers.psql(PORT_B, "INSERT INTO t VALUES ('b-row')");
        servers.psql(PORT_A, "INSERT INTO t VALUES ('a-divergent')");
    }

    /** What keeper's fence does through SQL. */
    private void fence(int port) throws Exception {
        servers.psql(port, "SELECT set_config('keeper.fenced', '', false)",
                "ALTER SYSTEM SET default_transaction_read_only = on",
                "ALTER SYSTEM SET keeper.fenced = 'superseded by B'", "SELECT pg_reload_conf()");
    }

    private static Connection connect(int port) throws SQLException {
        return LocalServers.connect(port);
    }

    private static List<String> query(Connection c, String sql) throws SQLException {
        return LocalServers.query(c, sql);
    }
}
