package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** SIGHUP reloads the file (naming keys that need a restart); SIGTERM stops keeper within a few seconds. */
class SignalsTest {

    @Test
    void sighupAppliesTimingKeysAndNamesRestartKeysAndSigtermStopsPromptly() throws Exception {
        try (PgPair pair = PgPair.withDefaultKeepers()) {
            PgNode standby = pair.node2();
            FailoverTest.awaitStandbyKeeperWatching(pair);
            String changed = KeeperConf.defaults("node2").with("keepalive_count", "5")
                    .withString("failover_log_table", "other_log").render();
            standby.exec("bash", "-c", "cat > /etc/keeper/keeper.conf <<'EOF'\n" + changed + "EOF");
            standby.exec("pkill", "-HUP", "-f", "keeper\\.jar");
            Await.until("the reload to be logged", Duration.ofSeconds(20),
                    () -> standby.keeperLog().contains("Configuration reloaded: keepalive_time 1s, keepalive_count 5"));
            assertTrue(standby.keeperLog().contains(
                    "Reload: failover_log_table changed, which needs a restart of keeper; still using the old value"));

            long stop = System.nanoTime();
            standby.exec("pkill", "-TERM", "-f", "keeper\\.jar");
            Await.until("keeper to exit after SIGTERM", Duration.ofSeconds(15),
                    () -> standby.keeperLog().contains("keeper exited rc=143"));
            long stopMs = Duration.ofNanos(System.nanoTime() - stop).toMillis();
            System.out.printf("[measure] keeper stopped %d ms after SIGTERM%n", stopMs);
            assertTrue(standby.keeperLog().contains("Shutdown completed."));
            assertTrue(standby.isInRecovery());
        }
    }
}
