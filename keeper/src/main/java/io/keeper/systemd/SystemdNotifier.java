package io.keeper.systemd;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd about keeper (a unit with {@code Type=notify}): READY=1 once the first heartbeat run has ended,
 * STATUS= lines, STOPPING=1, and, where the unit sets {@code WatchdogSec=}, WATCHDOG=1 pings for as long as the
 * heartbeat is alive. A hung keeper stops pinging and systemd restarts it. Does nothing outside systemd (no
 * NOTIFY_SOCKET).
 *
 * <p>The JDK cannot send on a Unix datagram socket, so each message goes through {@code systemd-notify} (part of
 * systemd), on a thread of its own: a slow send never holds up a heartbeat. systemd then takes the message from a
 * child of keeper's, hence {@code NotifyAccess=all} in the unit.
 */
public final class SystemdNotifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SystemdNotifier.class);
    private static final Duration SEND_LIMIT = Duration.ofSeconds(5);

    /** Sends one message (its VARIABLE=VALUE lines); throws when it could not be sent. */
    @FunctionalInterface
    public interface Sender {
        void send(List<String> assignments) throws IOException, InterruptedException;
    }

    /** What the watchdog pings ask of keeper's heartbeat. */
    public interface Heartbeat {
        /** Why the heartbeat looks hung, or null while it is alive. */
        String stuck();

        /** Where the hung run is (its thread's stack), for the log. */
        String where();

        /** One line for {@code systemctl status}. */
        String status();
    }

    private final Sender sender;
    private final Duration watchdog;
    private final ExecutorService sends;
    private final ScheduledExecutorService pings;
    private volatile boolean failedOnce;
    private volatile String lastStatus;
    private volatile String lastStuck;

    SystemdNotifier(Sender sender, Duration watchdog) {
        this.sender = sender;
        this.watchdog = watchdog;
        this.sends = Executors.newSingleThreadExecutor(r -> daemon(r, "systemd-notify"));
        this.pings = watchdog == null ? null : Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "watchdog"));
    }

    /**
     * The notifier for this process, or empty when systemd did not ask for notifications (no NOTIFY_SOCKET). The
     * watchdog interval comes from WATCHDOG_USEC, when WATCHDOG_PID (if set) names this process.
     */
    public static Optional<SystemdNotifier> fromEnvironment(Map<String, String> env) {
        return fromEnvironment(env, ProcessHandle.current().pid(), SystemdNotifier::runSystemdNotify);
    }

    static Optional<SystemdNotifier> fromEnvironment(Map<String, String> env, long pid, Sender sender) {
        String socket = env.getOrDefault("NOTIFY_SOCKET", "");
        if (socket.isEmpty()) {
            return Optional.empty();
        }
        Duration watchdog = null;
        String usec = env.getOrDefault("WATCHDOG_USEC", "");
        String forPid = env.getOrDefault("WATCHDOG_PID", "");
        if (!usec.isEmpty() && (forPid.isEmpty() || forPid.equals(Long.toString(pid)))) {
            try {
                long micros = Long.parseLong(usec.trim());
                if (micros > 0) {
                    watchdog = Duration.ofNanos(micros * 1000);
                }
            } catch (NumberFormatException e) {
                LOG.warn("Ignoring WATCHDOG_USEC={}: not a number of microseconds", usec);
            }
        }
        return Optional.of(new SystemdNotifier(sender, watchdog));
    }

    /** The unit's WatchdogSec, or null when it has none. */
    public Duration watchdog() {
        return watchdog;
    }

    /** Start-up is complete; with a watchdog, pings start, each sent only while the heartbeat is not stuck. */
    public void ready(Heartbeat heartbeat) {
        String status = heartbeat.status();
        lastStatus = status;
        send(List.of("READY=1", "STATUS=" + status));
        if (pings != null) {
            long every = Math.max(100, watchdog.toMillis() / 3);
            LOG.info("systemd watchdog: {} ms; keeper pings it every {} ms while its heartbeat runs", watchdog.toMillis(),
                    every);
            pings.scheduleWithFixedDelay(() -> ping(heartbeat), every, every, TimeUnit.MILLISECONDS);
        }
    }

    private void ping(Heartbeat heartbeat) {
        String why = heartbeat.stuck();
        if (why != null) {
            if (lastStuck == null) {
                LOG.error("keeper's heartbeat is stuck: {}; no more watchdog pings, so systemd restarts keeper within"
                        + " {} ms. The run is at: {}", why, watchdog.toMillis(), heartbeat.where());
            }
            lastStuck = why;
            return;
        }
        if (lastStuck != null) {
            LOG.warn("keeper's heartbeat runs again; watchdog pings resume");
            lastStuck = null;
        }
        List<String> message = new ArrayList<>(List.of("WATCHDOG=1"));
        String status = heartbeat.status();
        if (status != null && !status.equals(lastStatus)) {
            message.add("STATUS=" + status);
            lastStatus = status;
        }
        send(message);
    }

    /** keeper is shutting down. */
    public void stopping() {
        send(List.of("STOPPING=1"));
    }

    private void send(List<String> assignments) {
        try {
            sends.execute(() -> {
                try {
                    sender.send(assignments);
                } catch (IOException e) {
                    if (!failedOnce) {
                        failedOnce = true;
                        LOG.error("Could not notify systemd ({}): {}. A Type=notify unit needs systemd-notify (package"
                                + " systemd) and NotifyAccess=all", String.join(" ", assignments), e.getMessage());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        } catch (RejectedExecutionException e) {
            // closed: nothing more to tell
        }
    }

    /** Sends one message with {@code systemd-notify}, which waits until systemd has taken it. */
    static void runSystemdNotify(List<String> assignments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("systemd-notify");
        command.addAll(assignments);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(SEND_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException("systemd-notify took more than " + SEND_LIMIT.toSeconds() + " s");
        }
        if (p.exitValue() != 0) {
            String out = new String(p.getInputStream().readAllBytes()).strip();
            throw new IOException("systemd-notify exited with " + p.exitValue() + (out.isEmpty() ? "" : ": " + out));
        }
    }

    @Override
    public void close() {
        if (pings != null) {
            pings.shutdownNow();
        }
        sends.shutdown();
        try {
            sends.awaitTermination(SEND_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
