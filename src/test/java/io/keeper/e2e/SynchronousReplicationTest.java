package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The primary's keeper keeps synchronous replication from blocking writes while the standby is gone. */
class SynchronousReplicationTest {

    @Test
    void aCommitWaitingForADeadStandbyCompletesAndTheSettingComesBackWithTheStandby() throws Exception {
        try (PgPair pair = PgPair.withDefaultKeepers()) {
            PgNode primary = pair.node1();
            PgNode standby = pair.node2();
            FailoverTest.awaitStandbyKeeperWatching(pair);
            Sql.execute(primary, "ALTER SYSTEM SET synchronous_standby_names = 'node2'");
            Sql.execute(primary, "SELECT pg_reload_conf()");
            Await.until("node2 to be the synchronous standby", Duration.ofSeconds(30),
                    () -> "sync".equals(Sql.value(primary,
                            "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'node2'")));
            Sql.execute(primary, "CREATE TABLE sync_probe (id int)");

            long fault = System.nanoTime();
            standby.killHost();
            CompletableFuture<Long> commit = CompletableFuture.supplyAsync(() -> {
                try (Connection c = primary.connectForLongWait(Duration.ofSeconds(120));
                     Statement s = c.createStatement()) {
                    s.execute("INSERT INTO sync_probe VALUES (1)");
                    return Duration.ofNanos(System.nanoTime() - fault).toMillis();
                } catch (Exception e) {
                    throw new IllegalStateException("the waiting commit failed", e);
                }
            });
            long committedMs = commit.get(90, TimeUnit.SECONDS);
            System.out.printf("[measure] standby killed under synchronous replication: waiting commit completed"
                    + " %d ms after the fault (keepalive_time 1s x 3)%n", committedMs);

            assertEquals("", Sql.value(primary, "SHOW synchronous_standby_names"));
            assertEquals("1", Sql.value(primary, "SELECT count(*) FROM sync_probe"));
            Map<String, String> disabled = FailoverTest.afterCommandEnv(primary, "sync_disabled");
            assertEquals("node1", disabled.get("KEEPER_NODE_NAME"));
            assertEquals("node2:5432", disabled.get("KEEPER_PARTNER"));
            assertTrue(primary.keeperLog().contains("clearing synchronous_standby_names (was 'node2')"));

            // keeper remembers the original value across its own restart
            primary.killKeeper();
            Await.until("node1's keeper to be restarted", Duration.ofSeconds(30),
                    () -> Sql.count(primary.keeperLog(), "Start completed.") >= 2);

            standby.startHostAgain();
            Await.until("synchronous_standby_names to be restored on node1", Duration.ofSeconds(90),
                    () -> "node2".equals(Sql.value(primary, "SHOW synchronous_standby_names")));
            FailoverTest.afterCommandEnv(primary, "sync_restored");
            Await.until("node2 to be the synchronous standby again", Duration.ofSeconds(30),
                    () -> "sync".equals(Sql.value(primary,
                            "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'node2'")));
            assertTrue(standby.isInRecovery(), "the returning standby did not promote itself");
            assertTrue(primary.acceptsWrites());
        }
    }
}
