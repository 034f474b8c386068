package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;

/**
 * A pair without a witness, one pair for the whole class: a switchover under asynchronous load; one refused because
 * the standby lags more than maximum_lag_on_failover; a switchover whose
 * target dies midway (its postmaster killed the moment the primary starts its shutdown), which the old primary's
 * keeper undoes, losing nothing; and `keeper status`, run from the test host as from an administrator's laptop, on a
 * split pair (both servers writable after a cut link).
 */
class SwitchoverFaultTest {

    @Test
    void aSwitchoverWithoutAWitnessIsUndoneWhenItsTargetDiesAndStatusSeesASplitPair() throws Exception {
        try (PgPair pair = PgPair.start(name -> KeeperConf.defaults(name).withHttp()
                .withString("maximum_lag_on_failover", "64kB"))) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            FailoverTest.awaitStandbyKeeperWatching(pair);

            try (AckedWriter writer = AckedWriter.start(Duration.ofMillis(50), node1, node2)) {
                // Without a witness: no lease to hand over, the same steps otherwise.
                writer.awaitMoreAcks(5, Duration.ofSeconds(20));
                ExecResult there = node1.keeper("switchover", "--to", "node2", "--yes");
                System.out.println(there.getStdout());
                assertEquals(0, there.getExitCode(), there.getStdout() + there.getStderr());
                assertFalse(node2.isInRecovery());
                pair.awaitStreaming(node2, node1, Duration.ofSeconds(30));
                List<Map<String, String>> rows = Await.until("node2's switchover row", Duration.ofSeconds(10),
                        () -> Sql.failoverLog(node2), r -> r.stream().anyMatch(e -> "switchover".equals(e.get("event"))));
                assertTrue(rows.stream().anyMatch(e -> "node2".equals(e.get("host"))), rows.toString());
                writer.awaitMoreAcks(5, Duration.ofSeconds(20));
                System.out.printf("[measure] switchover without a witness, asynchronous replication: longest time"
                        + " without an acknowledged commit %d ms%n", writer.longestGapMs());

                // node1's WAL receiver frozen (SIGSTOP: still connected, receiving nothing) while node2 writes 2 MB:
                // a switchover to a standby that lags more than maximum_lag_on_failover is refused.
                node1.exec("bash", "-c", "kill -STOP $(pgrep -f '^postgres: .*walreceiver')");
                Sql.execute(node2, "CREATE TABLE e2e_lag AS SELECT g, repeat('x', 80) AS pad"
                        + " FROM generate_series(1, 20000) g");
                ExecResult lagging = node1.keeper("switchover", "--to", "node1", "--yes");
                node1.exec("bash", "-c", "kill -CONT $(pgrep -f '^postgres: .*walreceiver')");
                assertEquals(1, lagging.getExitCode(), lagging.getStdout() + lagging.getStderr());
                assertTrue(lagging.getStderr().strip().matches("keeper: switchover refused: node1 is \\d+ bytes"
                        + " behind, more than maximum_lag_on_failover \\(64kB\\)"), lagging.getStderr());
                assertFalse(node2.isInRecovery(), "refused before anything changed");
                assertEquals("", Sql.value(node2, "SELECT coalesce(current_setting('keeper.switchover', true), '')"));

                // Back to node1, whose postmaster dies the moment node2 starts its fast shutdown: a session node1
                // holds on node2 ends then, and the kill follows at once. node2's keeper cannot see node1 receive
                // its final WAL, so it promotes node2 again.
                Await.until("node2's keeper to see node1 streaming", Duration.ofSeconds(30),
                        () -> node2.status("rule"), "primary-watching"::equals);
                node1.exec("bash", "-c", "setsid bash -c \"PGPASSWORD=secret psql -h node2 -U postgres -XAtc"
                        + " 'select pg_sleep(600)'; kill -9 \\$(head -1 /var/lib/postgresql/data/postmaster.pid)\""
                        + " > /tmp/target-dies.out 2>&1 < /dev/null &");
                Await.until("node1's session on node2", Duration.ofSeconds(10), () -> Sql.value(node2,
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'select pg_sleep(600)%'"), "1"::equals);
                long started = System.nanoTime();
                CompletableFuture<ExecResult> back = CompletableFuture.supplyAsync(
                        () -> node2.keeper("switchover", "--to", "node1", "--yes"));
                ExecResult undone = back.get(120, TimeUnit.SECONDS);
                System.out.println(undone.getStdout() + undone.getStderr());
                assertEquals(1, undone.getExitCode(), undone.getStdout() + undone.getStderr());
                assertEquals("keeper: switchover undone: node2 is the primary again (its keeper's log says why)",
                        undone.getStderr().strip());
                assertTrue(node2.acceptsWrites());
                assertTrue(node2.keeperLog().contains("node1 did not answer for the detection window"),
                        "node2's keeper says why it undid the switchover");
                assertFalse(node1.run("bash", "-c", "pgrep -x postgres").getExitCode() == 0, "node1's postmaster died");
                System.out.printf("[measure] switchover whose target died midway: undone, node2 writable again %d ms"
                        + " after the command started; longest time without an acknowledged commit %d ms%n",
                        Duration.ofNanos(System.nanoTime() - started).toMillis(), writer.longestGapMs());

                // node1 reboots: a standby that was never promoted, it streams from node2 again.
                node1.killHost();
                node1.startHostAgain();
                assertTrue(node1.isInRecovery());
                pair.awaitStreaming(node2, node1, Duration.ofSeconds(60));
                writer.awaitMoreAcks(5, Duration.ofSeconds(20));
                writer.close();
                assertEquals(List.of(), writer.lostOn(node2), "acknowledged commits lost: " + writer);
            }

            // A split pair: node1 cut off from node2 promotes itself (no witness), node2 keeps writing. keeper
            // status, run where both servers are reachable, calls it a split brain.
            Await.until("node1's keeper to watch node2 again", Duration.ofSeconds(60),
                    () -> node1.status("rule"), "watching"::equals);
            long cut = System.nanoTime();
            node1.cutOffFrom("node2");
            FailoverTest.awaitWritable(node1, cut);
            assertTrue(node2.acceptsWrites(), "node2 does not see the cut as a reason to stop (no witness)");
            Run split = keeperStatusFromTestHost(node1, node2);
            System.out.println(split.stdout());
            assertEquals(1, split.exitCode(), split.stdout() + split.stderr());
            assertTrue(split.stdout().contains("both servers are primaries (split brain)"), split.stdout());
            assertTrue(split.stdout().matches("(?s).*\nnode1 +127\\.0\\.0\\.1:\\d+ +primary +running .*"),
                    split.stdout());
            assertTrue(split.stdout().matches("(?s).*\nnode2 +127\\.0\\.0\\.1:\\d+ +primary +running .*"),
                    split.stdout());
            assertFalse(split.stdout().contains("secret"), "no password in status output");

            node1.heal();
            SplitBrainChecks.awaitReadOnly(node2, Duration.ofSeconds(30), System.nanoTime());
            Run healed = Await.until("keeper status to see one primary", Duration.ofSeconds(30),
                    () -> keeperStatusFromTestHost(node1, node2),
                    r -> !r.stdout().contains("split brain"));
            System.out.println(healed.stdout());
            assertTrue(healed.stdout().matches("(?s).*\nnode2 +127\\.0\\.0\\.1:\\d+ +standby +fenced .*"),
                    healed.stdout());
        }
    }

    /** What a keeper command run on the test host printed, and its exit code. */
    private record Run(int exitCode, String stdout, String stderr) {
    }

    /** `keeper status` run by the test process itself, reaching both servers through their published ports. */
    private static Run keeperStatusFromTestHost(PgNode a, PgNode b) {
        try {
            Path conf = Files.createTempFile("keeper-status", ".conf");
            Files.writeString(conf, KeeperConf.defaults(a.name())
                    .withString("my_conninfo", localConninfo(a)).withString("partner_conninfo", localConninfo(b))
                    .render());
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(java, "-jar", KeeperImage.keeperJar().toString(), "status", "-c",
                    conf.toString()).start();
            p.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            String out = read(p.getInputStream());
            boolean done = p.waitFor(60, TimeUnit.SECONDS);
            assertTrue(done, "keeper status returned within 60 s");
            Files.delete(conf);
            return new Run(p.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String localConninfo(PgNode node) {
        return "host=127.0.0.1 port=" + node.port() + " dbname=postgres user=postgres password=secret";
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
