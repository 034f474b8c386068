package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;

/**
 * `keeper switchover` on a real pair with a witness and synchronous replication, under a write load: there and back
 * again (0 acknowledged commits lost, roles swapped, the old primary streaming without pg_rewind), and refused on a
 * standby that does not stream.
 */
class SwitchoverTest {

    private static KeeperConf withHttp(String node) {
        return KeeperConf.defaults(node).withHttp();
    }

    private static long switchOver(PgPair pair, PgNode from, PgNode runOn, PgNode to, AckedWriter writer) {
        writer.awaitMoreAcks(5, Duration.ofSeconds(20));
        long gapBefore = writer.longestGapMs();
        ExecResult r = runOn.keeper("switchover", "--to", to.name(), "--yes");
        System.out.println(r.getStdout());
        assertEquals(0, r.getExitCode(), r.getStdout() + r.getStderr());
        assertTrue(r.getStdout().contains(to.name() + " accepts writes: promoted"), r.getStdout());
        assertTrue(r.getStdout().contains("Writes were unavailable for about"), r.getStdout());
        assertTrue(to.acceptsWrites());
        pair.awaitStreaming(to, from, Duration.ofSeconds(30));
        writer.awaitMoreAcks(5, Duration.ofSeconds(20));
        long gap = writer.longestGapMs();
        System.out.printf("[measure] switchover %s -> %s under synchronous replication: longest time without an"
                + " acknowledged commit %d ms%n", from.name(), to.name(), Math.max(gap, gapBefore));
        return gap;
    }

    private static String tail(String log) {
        String[] lines = log.split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 25), lines.length));
    }

    @Test
    void aSwitchoverThereAndBackLosesNoCommitAndNeedsNoRewind() throws Exception {
        try (PgPair pair = WitnessLeaseTest.startWithWitness(SwitchoverTest::withHttp)) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            FailoverTest.awaitStandbyKeeperWatching(pair);
            Sql.execute(node1, "ALTER SYSTEM SET synchronous_standby_names = '*'");
            Sql.execute(node1, "SELECT pg_reload_conf()");

            ExecResult wrongTarget = node1.keeper("switchover", "--to", "node1", "--yes");
            assertEquals(1, wrongTarget.getExitCode());
            assertTrue(wrongTarget.getStderr().startsWith("keeper: switchover refused: "), wrongTarget.getStderr());

            try (AckedWriter writer = AckedWriter.start(Duration.ofMillis(50), node1, node2)) {
                switchOver(pair, node1, node1, node2, writer);
                assertTrue(node1.isInRecovery());
                List<Map<String, String>> rows = Await.until("node2's switchover row", Duration.ofSeconds(10),
                        () -> Sql.failoverLog(node2), r -> r.stream().anyMatch(e -> "switchover".equals(e.get("event"))));
                assertTrue(rows.stream().anyMatch(e -> "switchover".equals(e.get("event")) && "node2".equals(e.get("host"))
                        && "2".equals(e.get("term"))), rows.toString());
                assertEquals("switchover", FailoverTest.afterCommandEnv(node2, "switchover").get("KEEPER_EVENT"));
                assertEquals("node1", FailoverTest.afterCommandEnv(node1, "switchover_demoted")
                        .get("KEEPER_NODE_NAME"));

                switchOver(pair, node2, node2, node1, writer);
                assertTrue(node2.isInRecovery());
                assertFalse(node1.isInRecovery());

                // The command SIGKILLed right after it recorded its request on both servers (the loop looks at
                // both: on one server only it is no request, and nothing happens): the keepers, not the command,
                // carry a switchover out, so it still happens, with one primary, a standby streaming from it,
                // nothing lost.
                // The finished switchover's request is gone from both servers first, so the loop below sees the new one.
                for (PgNode node : List.of(node1, node2)) {
                    Await.until(node + " to drop the finished switchover's request", Duration.ofSeconds(30),
                            () -> Sql.value(node, "SELECT coalesce(current_setting('keeper.switchover', true), '')"),
                            String::isEmpty);
                }
                ExecResult killed = node1.run("bash", "-c", "java -jar /opt/keeper/keeper.jar switchover"
                        + " -c /etc/keeper/keeper.conf --yes > /tmp/switchover.out 2>&1 & pid=$!;"
                        + " q=\"select current_setting('keeper.switchover', true)\";"
                        + " for i in $(seq 1500); do a=$(psql -U postgres -XAtc \"$q\");"
                        + " b=$(PGPASSWORD=secret psql -h node2 -U postgres -d postgres -XAtc \"$q\");"
                        + " [[ $a == *id=* && $b == *id=* ]] && break; sleep 0.02; done;"
                        + " kill -9 $pid; echo killed after $i looks");
                assertTrue(killed.getStdout().startsWith("killed after"), killed.getStdout() + killed.getStderr());
                Thread.sleep(5000); // a request it recorded is carried out within about 2 s
                PgNode primary = Await.until("one writable primary after the killed command", Duration.ofSeconds(90),
                        () -> node1.acceptsWrites() && node2.isInRecovery() ? node1
                                : node2.acceptsWrites() && node1.isInRecovery() ? node2 : null, p -> p != null);
                assertEquals(node2, primary, () -> "the keepers carry out a recorded request without the command ("
                        + killed.getStdout().strip() + "; its output: " + node1.readFile("/tmp/switchover.out").orElse("")
                        + ")\nnode1's keeper log ends:\n" + tail(node1.keeperLog()) + "\nnode2's keeper log ends:\n"
                        + tail(node2.keeperLog()));
                PgNode standby = primary == node1 ? node2 : node1;
                pair.awaitStreaming(primary, standby, Duration.ofSeconds(60));
                System.out.printf("[measure] switchover command SIGKILLed right after recording its request: %s is"
                        + " the primary%n", primary);
                writer.awaitMoreAcks(5, Duration.ofSeconds(20));
                writer.close();
                assertEquals(List.of(), writer.lostOn(primary), "acknowledged commits lost");
            }
            assertFalse(node1.keeperLog().contains("pg_rewind") || node2.keeperLog().contains("rewinding"),
                    "a clean shutdown needs no pg_rewind");

            // A standby that does not stream is refused before anything changes.
            PgNode primary = node1.isInRecovery() ? node2 : node1;
            PgNode standby = primary == node1 ? node2 : node1;
            Sql.execute(standby, "ALTER SYSTEM SET primary_conninfo = ''");
            Sql.execute(standby, "SELECT pg_reload_conf()");
            Await.until(standby + "'s WAL receiver to stop", Duration.ofSeconds(30),
                    () -> "0".equals(Sql.value(standby, "SELECT count(*) FROM pg_stat_wal_receiver")));
            ExecResult refused = node1.keeper("switchover", "--yes");
            assertEquals(1, refused.getExitCode(), refused.getStdout());
            assertEquals("keeper: switchover refused: " + standby.name() + " does not stream from " + primary.name(),
                    refused.getStderr().strip());
            assertFalse(primary.isInRecovery());
        }
    }
}
