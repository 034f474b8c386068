package io.keeper.systemd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** What keeper tells systemd, and when, with the messages recorded instead of sent. */
class SystemdNotifierTest {

    private final List<List<String>> sent = new CopyOnWriteArrayList<>();
    private volatile String stuck;
    private volatile String status = "standby, watching: pair healthy";

    private final SystemdNotifier.Heartbeat heartbeat = new SystemdNotifier.Heartbeat() {
        @Override
        public String stuck() {
            return stuck;
        }

        @Override
        public String where() {
            return "Keeper.runOnce";
        }

        @Override
        public String status() {
            return status;
        }
    };

    private SystemdNotifier notifier(Map<String, String> env) {
        return SystemdNotifier.fromEnvironment(env, 4242, sent::add).orElseThrow();
    }

    private long pings() {
        return sent.stream().filter(m -> m.contains("WATCHDOG=1")).count();
    }

    @Test
    void outsideSystemdThereIsNothingToTell() {
        assertTrue(SystemdNotifier.fromEnvironment(Map.of(), 4242, sent::add).isEmpty());
        assertTrue(SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", ""), 4242, sent::add).isEmpty());
    }

    @Test
    void theWatchdogIntervalIsTakenOnlyWhenItIsMeantForThisProcess() {
        assertEquals(Duration.ofSeconds(10), notifier(Map.of("NOTIFY_SOCKET", "/run/systemd/notify",
                "WATCHDOG_USEC", "10000000")).watchdog());
        assertEquals(Duration.ofSeconds(10), notifier(Map.of("NOTIFY_SOCKET", "/run/systemd/notify",
                "WATCHDOG_USEC", "10000000", "WATCHDOG_PID", "4242")).watchdog());
        assertNull(notifier(Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "10000000",
                "WATCHDOG_PID", "1")).watchdog(), "meant for another process (keeper's parent)");
        assertNull(notifier(Map.of("NOTIFY_SOCKET", "/run/systemd/notify", "WATCHDOG_USEC", "ten")).watchdog());
        assertNull(notifier(Map.of("NOTIFY_SOCKET", "@/org/freedesktop/systemd1/notify")).watchdog());
    }

    @Test
    void readyThenPingsWhileTheHeartbeatRunsAndNoneWhileItIsStuck() throws Exception {
        try (SystemdNotifier n = notifier(Map.of("NOTIFY_SOCKET", "/run/x", "WATCHDOG_USEC", "300000"))) {
            n.ready(heartbeat);
            await(() -> pings() >= 3, "pings every 100 ms");
            assertEquals(List.of("READY=1", "STATUS=standby, watching: pair healthy"), sent.get(0));

            status = "standby, promote: partner node1:5432 unreachable for 3 consecutive probes";
            await(() -> sent.stream().anyMatch(m -> m.contains("STATUS=" + status)), "the new status with a ping");
            long withStatus = sent.stream().filter(m -> m.contains("STATUS=" + status)).count();

            stuck = "a run has been looking for 15001 ms (limit 15000 ms)";
            Thread.sleep(250); // a ping already under way may still go out
            long atStuck = pings();
            Thread.sleep(600);
            assertEquals(atStuck, pings(), "no pings while the heartbeat is stuck: systemd restarts keeper");

            stuck = null;
            await(() -> pings() > atStuck, "pings resume when runs do");
            assertEquals(withStatus, sent.stream().filter(m -> m.contains("STATUS=" + status)).count(),
                    "an unchanged status is not sent again");
            n.stopping();
            await(() -> sent.get(sent.size() - 1).equals(List.of("STOPPING=1")), "STOPPING=1 at shutdown");
        }
    }

    @Test
    void withoutWatchdogSecOnlyReadyAndStoppingAreSent() throws Exception {
        try (SystemdNotifier n = notifier(Map.of("NOTIFY_SOCKET", "/run/x"))) {
            n.ready(heartbeat);
            n.stopping();
            await(() -> sent.size() == 2, "two messages");
            Thread.sleep(300);
            assertEquals(2, sent.size());
            assertEquals(0, pings());
        }
    }

    @Test
    void aSenderThatFailsNeverStopsKeeper() throws Exception {
        List<List<String>> tried = new CopyOnWriteArrayList<>();
        try (SystemdNotifier n = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "/run/x",
                "WATCHDOG_USEC", "300000"), 4242, m -> {
                    tried.add(m);
                    throw new IOException("Cannot run program \"systemd-notify\": error=2, No such file");
                }).orElseThrow()) {
            n.ready(heartbeat);
            await(() -> tried.size() >= 3, "it keeps trying, quietly");
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }
}
