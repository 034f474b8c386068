package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.testcontainers.containers.Container.ExecResult;

/**
 * keeper clone as the Install section runs it: node1 a primary with keeper, node2 a host with PostgreSQL and keeper
 * but no data directory. A replication connection the primary's pg_hba.conf refuses, root, and a data directory that
 * is not empty are refused with what to do; with --force the old directory is moved aside, node2 is copied, started
 * and streams, and once keeper runs there the pair is healthy.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CloneTest {

    private static final String PGDATA = "/var/lib/postgresql/data";
    private static final String HBA = PGDATA + "/pg_hba.conf";
    private static final String REPLICATION_LINE = "host replication all 0.0.0.0/0 scram-sha-256";
    private static PgPair pair;

    @BeforeAll
    static void primaryAndAnEmptyHost() {
        pair = PgPair.builder().emptyNode2().manualKeepers(java.util.Set.of("node2")).start();
    }

    @AfterAll
    static void stop() {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    @Order(1)
    void aRefusedReplicationConnectionNamesThePgHbaLineToAdd() {
        PgNode node1 = pair.node1();
        node1.exec("sed", "-i", "/^" + REPLICATION_LINE.replace("/", "\\/") + "$/d", HBA);
        node1.exec("runuser", "-u", "postgres", "--", "psql", "-XAtc", "SELECT pg_reload_conf()");
        try {
            String address = pair.node2().exec("bash", "-c", "getent ahostsv4 node2 | awk 'NR == 1 {print $1}'").strip();
            ExecResult refused = cloneOnNode2();
            assertEquals(1, refused.getExitCode(), refused.getStdout() + refused.getStderr());
            assertTrue(refused.getStderr().contains("node1:5432 has no pg_hba.conf line for replication from " + address
                    + " as postgres: add `host replication postgres " + address + "/32 scram-sha-256` to its"
                    + " pg_hba.conf and run SELECT pg_reload_conf() there"), refused.getStderr());
            assertEquals(1, pair.node2().run("test", "-e", PGDATA).getExitCode(), "nothing created");
        } finally {
            node1.exec("bash", "-c", "echo '" + REPLICATION_LINE + "' >> " + HBA);
            node1.exec("runuser", "-u", "postgres", "--", "psql", "-XAtc", "SELECT pg_reload_conf()");
        }
    }

    @Test
    @Order(2)
    void refusesToRunAsRoot() {
        ExecResult asRoot = pair.node2().keeper("clone");
        assertEquals(2, asRoot.getExitCode());
        assertTrue(asRoot.getStderr().contains("run it as the PostgreSQL OS user, not root"), asRoot.getStderr());
    }

    @Test
    @Order(3)
    void refusesADataDirectoryThatIsNotEmpty() {
        pair.node2().exec("runuser", "-u", "postgres", "--", "bash", "-c", "mkdir -p -m 700 " + PGDATA
                + " && echo old > " + PGDATA + "/left-over");
        ExecResult refused = cloneOnNode2();
        assertEquals(1, refused.getExitCode(), refused.getStdout() + refused.getStderr());
        assertTrue(refused.getStderr().contains(PGDATA + " is not empty (left-over): refusing to overwrite it; empty it,"
                + " or run again with --force to move it aside to data.keeper-old-TIMESTAMP"), refused.getStderr());
    }

    @Test
    @Order(4)
    void withForceMovesTheOldDirectoryAsideCopiesThePrimaryAndStreams() {
        long start = System.nanoTime();
        ExecResult cloned = cloneOnNode2("--force");
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        String out = cloned.getStdout();
        assertEquals(0, cloned.getExitCode(), out + cloned.getStderr());
        assertTrue(out.contains("--force: moved the old " + PGDATA + " aside to " + PGDATA + ".keeper-old-"), out);
        assertTrue(out.contains("creating replication slot node2 on node1:5432"), out);
        assertTrue(out.contains("node2 streams from node1:5432 through slot node2: "), out);
        assertTrue(!out.contains("secret") && !cloned.getStderr().contains("secret"), "no password shown: " + out);
        assertEquals("old", pair.node2().exec("bash", "-c", "cat " + PGDATA + ".keeper-old-*/left-over").strip());
        pair.awaitStreaming(pair.node1(), pair.node2(), Duration.ofSeconds(5));
        assertTrue(pair.node2().isInRecovery());
        assertEquals("t", pair.node1().exec("runuser", "-u", "postgres", "--", "psql", "-XAtc",
                "SELECT active FROM pg_replication_slots WHERE slot_name = 'node2'").strip());
        System.out.printf("[measure] keeper clone: node2 copied, started and streaming %d ms after the command"
                + " started (JVM start included)%n", tookMs);
        System.out.print(out.lines().map(l -> "  clone: " + l + "\n").reduce("", String::concat));
    }

    @Test
    @Order(5)
    void withKeeperStartedOnTheClonedNodeThePairIsHealthy() {
        pair.node2().startKeeper();
        ExecResult status = Await.until("keeper status to report a healthy pair", Duration.ofSeconds(60),
                () -> pair.node2().keeper("status"), r -> r.getExitCode() == 0);
        assertTrue(status.getStdout().contains("node2"), status.getStdout());
    }

    private static ExecResult cloneOnNode2(String... args) {
        List<String> line = new ArrayList<>(List.of("runuser", "-u", "postgres", "--", "java", "-jar",
                "/opt/keeper/keeper.jar", "clone", "-c", "/etc/keeper/keeper.conf", "--pgdata", PGDATA,
                "--timeout", "60"));
        line.addAll(List.of(args));
        return pair.node2().run(line.toArray(String[]::new));
    }
}
