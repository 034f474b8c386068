package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * keeper under a service manager: READY=1 and watchdog pings to systemd (a stand-in, fake-systemd-notify.pl, acting
 * as a Type=notify unit with WatchdogSec=3s and WatchdogSignal=SIGKILL), SIGHUP applying reloadable keys at once
 * (seen in /status and in the next failover) and naming the keys that need a restart, a hung keeper killed by the
 * watchdog and started again, and SIGTERM ending keeper within the unit's TimeoutStopSec.
 */
class SignalsTest {

    private static final String SOCKET = "/run/keeper-notify.sock";
    private static final String NOTIFY_LOG = "/var/log/notify.log";
    private static final long WATCHDOG_USEC = 3_000_000;
    /** conf/keeper.service's TimeoutStopSec: systemd SIGKILLs a keeper that takes longer to stop. */
    private static final Duration TIMEOUT_STOP = Duration.ofSeconds(15);

    @Test
    void underSystemdReloadsTakeEffectAHungKeeperIsRestartedAndSigtermStopsInTime() throws Exception {
        try (PgPair pair = PgPair.start(node -> KeeperConf.defaults(node).withHttp(), Set.of("node2"))) {
            PgNode node2 = pair.node2();
            long launched = System.nanoTime();
            node2.exec("bash", "-c", "setsid perl /opt/keeper/fake-systemd-notify.pl " + SOCKET + " " + WATCHDOG_USEC
                    + " " + NOTIFY_LOG + " </dev/null >/dev/null 2>&1 & for i in $(seq 50); do [ -S " + SOCKET
                    + " ] && break; sleep 0.1; done; FAKE_NOTIFY_SOCKET=" + SOCKET + " FAKE_WATCHDOG_USEC="
                    + WATCHDOG_USEC + " bash /opt/keeper/node.sh start-keeper");

            // Start-up: READY=1 once the first heartbeat has run, with a status line; then pings, none late.
            Await.until("READY=1", Duration.ofSeconds(60), () -> notices(node2, "READY=1").size() == 1);
            System.out.printf("[measure] READY=1 %d ms after keeper was launched (JVM start included)%n",
                    Duration.ofNanos(System.nanoTime() - launched).toMillis());
            assertTrue(notices(node2, "READY=1").get(0).contains("STATUS=standby"), notifyLog(node2));
            FailoverTest.awaitStandbyKeeperWatching(pair);
            Thread.sleep(8000);
            List<Double> pings = times(notices(node2, "WATCHDOG=1"));
            double gap = maxGap(pings);
            System.out.printf("[measure] %d watchdog pings in 8+ s, longest gap %.0f ms (WatchdogSec 3s)%n",
                    pings.size(), gap * 1000);
            assertTrue(pings.size() >= 8, notifyLog(node2));
            assertTrue(gap < WATCHDOG_USEC / 1e6, "no ping later than WatchdogSec: " + notifyLog(node2));
            assertFalse(notifyLog(node2).contains("watchdog timeout"), notifyLog(node2));

            // SIGHUP: keepalive_count 5 is applied at once; failover_log_table needs a restart and keeps its value.
            String changed = KeeperConf.defaults("node2").withHttp().with("keepalive_count", "5")
                    .withString("failover_log_table", "other_log").render();
            node2.exec("bash", "-c", "cat > /etc/keeper/keeper.conf <<'EOF'\n" + changed + "EOF");
            node2.exec("pkill", "-HUP", "-x", "java"); // keeper's JVM (the loop that restarts it names keeper.jar too)
            Await.until("/status to show keepalive_count 5", Duration.ofSeconds(20),
                    () -> node2.status("keepaliveCount"), "5"::equals);
            assertTrue(node2.keeperLog().contains(
                    "Reload: failover_log_table changed, which needs a restart of keeper; still using the old value"));

            // The reloaded count decides the failover: five probes, and the row goes to the old table.
            pair.node1().killHost();
            node2.awaitWritable(FailoverTest.PROMOTION_WAIT);
            List<java.util.Map<String, String>> rows = FailoverTest.awaitFailoverLog(node2);
            assertTrue(rows.get(0).get("reason").contains("unreachable for 5 consecutive probes"), rows.toString());
            assertFalse(Sql.hasTable(node2, "other_log"), "failover_log_table is not changed by a reload");

            // A hung keeper (SIGSTOP: no runs, no pings) is killed by the watchdog and started again.
            node2.exec("pkill", "-STOP", "-x", "java");
            Await.until("the watchdog to kill the hung keeper", Duration.ofSeconds(30),
                    () -> node2.keeperLog().contains("keeper exited rc=137"));
            assertTrue(notifyLog(node2).contains("watchdog timeout"), notifyLog(node2));
            Await.until("the restarted keeper to be READY", Duration.ofSeconds(60),
                    () -> notices(node2, "READY=1").size() == 2);
            assertTrue(notices(node2, "READY=1").get(1).contains("STATUS=primary"), notifyLog(node2));

            // SIGTERM: STOPPING=1, keeper gone well within TimeoutStopSec, the server it watched untouched.
            long stop = System.nanoTime();
            node2.exec("pkill", "-TERM", "-x", "java");
            Await.until("keeper to exit after SIGTERM", TIMEOUT_STOP,
                    () -> node2.keeperLog().contains("keeper exited rc=143"));
            long stopMs = Duration.ofNanos(System.nanoTime() - stop).toMillis();
            System.out.printf("[measure] keeper stopped %d ms after SIGTERM (TimeoutStopSec 15s)%n", stopMs);
            assertTrue(stopMs < TIMEOUT_STOP.toMillis(), "stopped in " + stopMs + " ms");
            assertTrue(node2.keeperLog().contains("Shutdown completed."));
            assertEquals(1, notices(node2, "STOPPING=1").size(), notifyLog(node2));
            assertTrue(node2.acceptsWrites(), "stopping keeper leaves the server alone");
        }
    }

    private static String notifyLog(PgNode node) {
        return node.readFile(NOTIFY_LOG).orElse("");
    }

    /** The lines of the notify log whose message has this VARIABLE=VALUE line. */
    private static List<String> notices(PgNode node, String assignment) {
        List<String> found = new ArrayList<>();
        for (String line : notifyLog(node).split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0 && List.of(line.substring(space + 1).split("\\|")).contains(assignment)) {
                found.add(line);
            }
        }
        return found;
    }

    private static List<Double> times(List<String> lines) {
        List<Double> t = new ArrayList<>();
        for (String line : lines) {
            t.add(Double.parseDouble(line.substring(0, line.indexOf(' '))));
        }
        return t;
    }

    private static double maxGap(List<Double> times) {
        double max = 0;
        for (int i = 1; i < times.size(); i++) {
            max = Math.max(max, times.get(i) - times.get(i - 1));
        }
        return max;
    }
}
