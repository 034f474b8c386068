package io.keeper.rejoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real primary demoted by {@link Demotion} (immediate shutdown, restart as a standby), and the same data
 * directory seen offline by {@link StoppedServer} as keeper guard sees it. Runs only as root beside PostgreSQL 15.
 */
@Timeout(90)
class DemotionOnRealServerTest {

    private static final int PORT = 56111;
    private static final String PARTNER = "host=127.0.0.1 port=56112 user=postgres dbname=postgres";

    @TempDir
    Path tmp;

    private LocalServers servers;
    private Path data;
    private Path conf;

    @BeforeEach
    void primary() throws Exception {
        servers = LocalServers.assumeAvailable(tmp);
        data = servers.initdb("a", PORT);
        conf = servers.conf("a");
        servers.start(conf);
        servers.psql(PORT, "CREATE TABLE t (x text)", "INSERT INTO t VALUES ('before')");
    }

    @AfterEach
    void stop() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    private ServerLayout layout() throws SQLException {
        try (Connection c = LocalServers.connect(PORT)) {
            return ServerLayout.read(c, LocalServers.BIN.toString());
        }
    }

    @Test
    void aDemotedPrimaryRefusesEveryWriteEvenFromASessionThatAsksForReadWrite() throws Exception {
        ServerLayout layout = layout();
        assertEquals(List.of(), Demotion.problems(layout));

        Demotion.Result result = new Demotion(layout, servers.asPostgres).run(PARTNER, "s'cret",
                "superseded by node2 (test)");

        assertTrue(result.stopped() && result.started(), result.toString());
        try (Connection c = LocalServers.connect(PORT)) {
            assertEquals(List.of("t"), LocalServers.query(c, "SELECT pg_is_in_recovery()"));
            assertEquals(List.of("superseded by node2 (test)"),
                    LocalServers.query(c, "SELECT current_setting('keeper.fenced')"));
            assertEquals(List.of("before"), LocalServers.query(c, "SELECT x FROM t"), "reads still work");
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                SQLException refused = assertThrows(SQLException.class, () -> {
                    st.execute("SET TRANSACTION READ WRITE");
                    st.execute("INSERT INTO t VALUES ('after')");
                });
                // 0A000: "cannot set transaction read-write mode during recovery"
                assertTrue(List.of("0A000", "25006").contains(refused.getSQLState()), refused.getMessage());
            }
        }
        assertTrue(Files.exists(data.resolve("standby.signal")));
        String autoConf = Files.readString(data.resolve("postgresql.auto.conf"));
        assertTrue(autoConf.contains("primary_conninfo = '" + PARTNER + " password="), autoConf);
        assertTrue(result.stopTook().compareTo(Duration.ofSeconds(10)) < 0, result.toString());
    }

    @Test
    void stopNowStopsAtOnceAndIsSafeToRepeat() throws Exception {
        Demotion demotion = new Demotion(layout(), servers.asPostgres);
        long start = System.nanoTime();
        assertNull(demotion.stopNow());
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThrows(SQLException.class, () -> LocalServers.connect(PORT).close());
        assertNull(demotion.stopNow(), "no server running is not a failure");
        System.out.printf("[measure] immediate shutdown of a local server: %d ms%n", ms);
    }

    @Test
    void theGuardsOfflineViewReadsTimelineStateAndKeepersSettings() throws Exception {
        servers.psql(PORT, "SELECT set_config('keeper.term', '', false)", "ALTER SYSTEM SET keeper.term = '7'");
        servers.postgres("pg_ctl", "stop", "-D", conf.toString(), "-m", "fast", "-w");
        StoppedServer stopped = new StoppedServer(data);

        assertEquals(15, stopped.majorVersion().orElseThrow());
        assertFalse(stopped.bootsInRecovery());
        assertEquals("7", stopped.autoConfSetting("keeper.term").orElseThrow());
        StoppedServer.ControlData control = stopped.controlData(LocalServers.BIN, Duration.ofSeconds(20));
        assertEquals("shut down", control.state());
        assertEquals(1, control.timeline());
        assertTrue(control.systemIdentifier() != 0);

        stopped.prepareStandby(PARTNER, null, "guard: booted as a standby (test)");
        assertTrue(stopped.bootsInRecovery());
        assertEquals("guard: booted as a standby (test)", stopped.autoConfSetting("keeper.fenced").orElseThrow());
        servers.start(conf);
        try (Connection c = LocalServers.connect(PORT)) {
            assertEquals(List.of("t"), LocalServers.query(c, "SELECT pg_is_in_recovery()"));
        }
    }
}
