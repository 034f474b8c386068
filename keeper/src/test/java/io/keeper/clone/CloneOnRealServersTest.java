package io.keeper.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.config.KeeperConfig;
import io.keeper.rejoin.LocalServers;
import io.keeper.rejoin.ProcessCommandRunner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * keeper clone against a real primary on loopback: the standby's configuration in a directory of its own (as on
 * Debian), the copy through slot "b", the server started with pg_ctl and streaming; a data directory that is not
 * empty refused, then moved aside with --force (the idle slot reused); a role without REPLICATION refused with the
 * ALTER ROLE to run. Runs only as root beside PostgreSQL 15 (see {@link LocalServers}).
 */
@Timeout(180)
class CloneOnRealServersTest {

    private static final int PORT_A = 56111;
    private static final int PORT_B = 56112;

    @TempDir
    Path tmp;

    private LocalServers servers;
    private Path dataB;
    private Path confB;
    private final StringWriter output = new StringWriter();

    @BeforeEach
    void primaryAndTheStandbysOwnConfiguration() throws Exception {
        servers = LocalServers.assumeAvailable(tmp);
        servers.initdb("a", PORT_A);
        servers.start(servers.conf("a"));
        // b-conf names b-data as its data directory, which initdb filled: a standby host's stale cluster
        dataB = servers.initdb("b", PORT_B);
        confB = servers.conf("b");
    }

    @AfterEach
    void stopServers() throws Exception {
        if (servers != null) {
            // B runs only where a clone started it: pg_ctl's exit code is of no interest
            new ProcessCommandRunner(List.of("runuser", "-u", "postgres", "--")).run(List.of(
                    LocalServers.BIN.resolve("pg_ctl").toString(), "stop", "-D", confB.toString(), "-m", "immediate"),
                    Map.of(), Duration.ofSeconds(20), line -> { });
            servers.close();
        }
    }

    @Test
    void copiesThePrimaryThroughASlotStartsTheServerAndWaitsUntilItStreams() throws Exception {
        deleteRecursively(dataB);

        clone("postgres", false);

        String out = output.toString();
        System.out.print(out);
        assertTrue(out.contains("creating replication slot b on 127.0.0.1:" + PORT_A), out);
        assertTrue(out.contains("b streams from 127.0.0.1:" + PORT_A + " through slot b: "), out);
        assertTrue(out.contains("this node's configuration stays in " + confB), out);
        try (Connection a = LocalServers.connect(PORT_A); Connection b = LocalServers.connect(PORT_B)) {
            assertEquals(List.of("b|streaming"), LocalServers.query(a,
                    "SELECT application_name || '|' || state FROM pg_stat_replication"));
            assertEquals(List.of("t"), LocalServers.query(a, "SELECT active FROM pg_replication_slots"
                    + " WHERE slot_name = 'b'"));
            assertEquals(List.of("t"), LocalServers.query(b, "SELECT pg_is_in_recovery()"));
            assertEquals(List.of(String.valueOf(PORT_B)), LocalServers.query(b, "SHOW port"), "its own configuration");
        }
        assertTrue(!out.contains(LocalServers.PASSWORD), "the password is never shown: " + out);
    }

    @Test
    void refusesADataDirectoryThatIsNotEmptyAndMovesItAsideWithForce() throws Exception {
        Clone.Failure refused = assertThrows(Clone.Failure.class, () -> clone("postgres", false));
        assertEquals(1, refused.exitCode());
        assertTrue(refused.getMessage().startsWith(dataB + " is not empty ("), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("run again with --force to move it aside to b-data.keeper-old-TIMESTAMP"),
                refused.getMessage());

        clone("postgres", true);
        String out = output.toString();
        assertTrue(out.contains("--force: moved the old " + dataB + " aside to " + dataB + ".keeper-old-"), out);
        assertTrue(out.contains("b streams from 127.0.0.1:" + PORT_A), out);
        try (Stream<Path> siblings = Files.list(tmp)) {
            assertEquals(1, siblings.filter(p -> p.getFileName().toString().startsWith("b-data.keeper-old-")).count());
        }
    }

    @Test
    void aSecondCloneReusesTheIdleSlotOfTheFirst() throws Exception {
        deleteRecursively(dataB);
        clone("postgres", false);
        servers.postgres("pg_ctl", "stop", "-D", confB.toString(), "-m", "fast");
        awaitSlotIdle(); // the walsender ends a moment after the standby

        clone("postgres", true);

        String out = output.toString();
        assertTrue(out.contains("reusing the idle replication slot b on 127.0.0.1:" + PORT_A), out);
        try (Connection a = LocalServers.connect(PORT_A)) {
            assertEquals(List.of("b|streaming"), LocalServers.query(a,
                    "SELECT application_name || '|' || state FROM pg_stat_replication"));
        }
    }

    @Test
    void aRoleWithoutReplicationIsRefusedWithTheAlterRoleToRun() throws Exception {
        deleteRecursively(dataB);
        servers.psql(PORT_A, "CREATE ROLE app LOGIN PASSWORD '" + LocalServers.PASSWORD + "'");

        Clone.Failure refused = assertThrows(Clone.Failure.class, () -> clone("app", false));

        assertEquals("role app may not replicate from 127.0.0.1:" + PORT_A + ": run ALTER ROLE app REPLICATION there"
                + " (or use a role that has it in partner_conninfo)", refused.getMessage());
        assertTrue(Files.notExists(dataB), "nothing was created");
    }

    private static void awaitSlotIdle() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try (Connection a = LocalServers.connect(PORT_A)) {
            while (!LocalServers.query(a, "SELECT active FROM pg_replication_slots WHERE slot_name = 'b'")
                    .equals(List.of("f"))) {
                assertTrue(System.nanoTime() - deadline < 0, "slot b still active 20 s after its standby stopped");
                Thread.sleep(100);
            }
        }
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    private void clone(String partnerUser, boolean force) throws Exception {
        Path file = tmp.resolve("keeper.conf");
        Files.writeString(file, String.join("\n",
                "node_name = 'b'",
                "my_conninfo = 'host=127.0.0.1 port=" + PORT_B + " user=postgres dbname=postgres password="
                        + LocalServers.PASSWORD + "'",
                "partner_conninfo = 'host=127.0.0.1 port=" + PORT_A + " user=" + partnerUser + " dbname=postgres"
                        + " password=" + LocalServers.PASSWORD + "'",
                "pg_bindir = '" + LocalServers.BIN + "'",
                ""));
        Clone clone = new Clone(KeeperConfig.load(file), Map.of(), new PrintWriter(output, true),
                new ProcessCommandRunner(List.of("runuser", "-u", "postgres", "--")), tmp.resolve("etc"), false);
        clone.run(new Clone.Request(dataB, confB, force, false, Duration.ofSeconds(60)));
    }
}
