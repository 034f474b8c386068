package io.keeper;

import io.keeper.aftercommand.AfterCommand;
import io.keeper.aftercommand.AfterCommandRunner;
import io.keeper.config.ConfigException;
import io.keeper.config.Durations;
import io.keeper.config.KeeperConfig;
import io.keeper.config.Secrets;
import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.heartbeat.HeartbeatSchedule;
import io.keeper.http.StatusServer;
import io.keeper.metrics.KeeperMetrics;
import io.keeper.lease.LeaseTiming;
import io.keeper.lease.Arbiters;
import io.keeper.lease.Lease;
import io.keeper.rejoin.Demotion;
import io.keeper.rejoin.Rejoin;
import io.keeper.rejoin.ServerLayout;
import io.keeper.role.Demoter;
import io.keeper.role.KeeperStatus;
import io.keeper.role.ServerActionException;
import io.keeper.systemd.SystemdNotifier;
import java.io.IOException;
import java.time.Clock;
import io.keeper.heartbeat.PgSession;
import io.keeper.role.JdbcLocalServer;
import io.keeper.role.JdbcServer;
import io.keeper.role.Keeper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.quartz.SchedulerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running keeper: the heartbeat schedule, the two server sessions and the after_command runner. */
public final class KeeperService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KeeperService.class);

    private volatile KeeperConfig config;
    private final PgSession localSession;
    private final PgSession partnerSession;
    private final JdbcLocalServer localServer;
    private final JdbcServer partnerServer;
    private final Lease lease;
    /** The watchdog's own session to the witness, with a deadline short enough to fit in the margin. */
    private final Lease watchdogLease;
    private final AfterCommandRunner afterCommands = new AfterCommandRunner();
    /** Present when systemd started keeper as a Type=notify unit. */
    private final java.util.Optional<SystemdNotifier> systemd = SystemdNotifier.fromEnvironment(System.getenv());
    private final Keeper keeper;
    private final HeartbeatSchedule schedule;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final StatusServer statusServer;
    private boolean closed;

    public KeeperService(KeeperConfig config) throws SchedulerException {
        this.config = config;
        Map<String, String> env = System.getenv();
        this.localSession = new PgSession(config.myConninfo(), env, config.keepaliveTime(), "local-server");
        this.partnerSession = new PgSession(config.partnerConninfo(), env, config.keepaliveTime(), "partner-probe");
        // A probe of the partner that times out may still be answered within the detection window: a stalled
        // partner is then seen alive (and not promoted over), however its stall lined up with the probes.
        partnerSession.setLateWindow(config.detectionWindow());
        FailoverLogTable table = new FailoverLogTable(config.failoverLogTable());
        this.localServer = new JdbcLocalServer(localSession, table);
        this.partnerServer = new JdbcServer(partnerSession, table);
        this.lease = Arbiters.open(config, env, config.keepaliveTime(), "witness");
        this.watchdogLease = Arbiters.open(config, env, watchdogDeadline(config), "witness-watchdog");
        this.keeper = new Keeper(config, localServer, partnerServer,
                lease, this::rejoin, new ServiceDemoter(),
                this::runAfterCommand, System::nanoTime,
                watchdogLease);
        this.schedule = new HeartbeatSchedule(config.nodeName(), config.keepaliveTime(), keeper::runOnce);
        // A status older than six keepalive_times (three of these) means the heartbeat is stuck.
        this.statusServer = config.httpListen().isEmpty() ? null : new StatusServer(config.httpListen(),
                keeper::status, () -> this.config.keepaliveTime().multipliedBy(2), Clock.systemUTC());
        if (statusServer != null) {
            KeeperMetrics metrics = new KeeperMetrics(config.nodeName(), version(), lease != null,
                    keeper::status, Clock.systemUTC());
            keeper.setRunListener(metrics::afterRun);
            if (lease != null) {
                Lease health = watchdogLease; // its own connection: a scrape never waits behind a heartbeat call
                metrics.watchArbiter(lease.describe(), keeper::leaseSecondsLeft,
                        () -> health.endpointHealth(this.config.keepaliveTime()));
            }
            statusServer.setMetrics(metrics);
        }
    }

    private static String version() {
        String v = KeeperService.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    /** The watchdog's last-chance renewal may take a quarter of the margin, at most one keepalive_time. */
    static Duration watchdogDeadline(KeeperConfig config) {
        Duration quarter = LeaseTiming.forWindow(config.detectionWindow()).margin().dividedBy(4);
        return quarter.compareTo(config.keepaliveTime()) < 0 ? quarter : config.keepaliveTime();
    }

    public void start() throws SchedulerException, IOException {
        warmUp();
        if (statusServer != null) {
            statusServer.start();
            LOG.info("HTTP checks on {} (port {}): /primary, /replica, /health, /status, /metrics", config.httpListen(),
                    statusServer.port());
        }
        LOG.info("Starting keeper on node {}: local {}, partner {}, keepalive_time {}, keepalive_count {}",
                config.nodeName(), config.myConninfo().masked(), config.partnerConninfo().masked(),
                Durations.format(config.keepaliveTime()), config.keepaliveCount());
        if (config.afterCommand().isBlank()) {
            LOG.info("after_command is not set");
        }
        if (!config.hasArbiter()) {
            LOG.info("No witness_conninfo or etcd_endpoints: a network partition between the two nodes can leave two writable"
                    + " servers until it heals; the superseded check then demotes the loser");
        } else {
            LeaseTiming t = LeaseTiming.forWindow(config.detectionWindow());
            LOG.info("Arbiter {}: the lease lasts {} by the arbiter's clock{}; a primary stops writing {} after its"
                            + " last renewal or its last proof that the standby streams from it",
                    config.arbiterDescription(), Durations.format(t.ttl()), config.etcd().isPresent()
                            ? " (an etcd lease of whole seconds, rounded up)" : "",
                    Durations.format(t.writeAllowance()));
        }
        schedule.start(config.keepaliveTime());
        systemd.ifPresent(this::announceWhenStarted);
        LOG.info("Start completed.");
    }

    /** READY=1 once the first heartbeat run has ended, then the watchdog pings (if the unit has WatchdogSec). */
    private void announceWhenStarted(SystemdNotifier notifier) {
        Thread t = new Thread(() -> {
            try {
                while (!keeper.liveness().started()) {
                    Thread.sleep(10);
                }
            } catch (InterruptedException e) {
                return;
            }
            notifier.ready(new SystemdNotifier.Heartbeat() {
                @Override
                public String stuck() {
                    return keeper.liveness().stuck(config.keepaliveTime());
                }

                @Override
                public String where() {
                    StackTraceElement[] stack = keeper.liveness().runnerStack();
                    List<String> frames = new java.util.ArrayList<>();
                    for (int i = 0; i < Math.min(stack.length, 12); i++) {
                        frames.add(stack[i].toString());
                    }
                    return frames.isEmpty() ? "(between runs)" : String.join(" < ", frames);
                }

                @Override
                public String status() {
                    KeeperStatus s = keeper.status();
                    String line = s.role() + ", " + s.rule() + ": " + s.lastReason();
                    return line.length() > 200 ? line.substring(0, 197) + "..." : line;
                }
            });
            LOG.info("Told systemd that keeper is ready");
        }, "systemd-ready");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Loads the JDBC driver and opens the local connection once before the schedule starts, so the first
     * heartbeat is not slowed by a cold JVM; the outcome only goes to the debug log.
     */
    private void warmUp() {
        LOG.debug("Warm-up look at the local server: {}", localServer.status().describe());
        try {
            List<String> problems = Demotion.problems(layout());
            if (problems.isEmpty()) {
                LOG.info("A superseded or isolated primary is demoted for real: immediate shutdown, restart as a"
                        + " standby (data directory {})", layout().dataDirectory());
            } else {
                LOG.warn("keeper cannot restart the server here ({}): a superseded or isolated primary is only"
                        + " fenced read-only, which a session that asks for read-write can bypass", problems.get(0));
            }
        } catch (ServerActionException e) {
            LOG.warn("Could not read the server layout yet ({}); checked again when a demotion is needed",
                    e.getMessage());
        }
        if ("rejoin".equals(config.onSuperseded())) {
            try {
                ServerLayout layout = readLayout();
                List<String> problems = layout.rewindProblems();
                if (problems.isEmpty()) {
                    LOG.info("on_superseded = rejoin: pg_rewind prerequisites are in place (data directory {})",
                            layout.dataDirectory());
                }
                problems.forEach(p -> LOG.warn("on_superseded = rejoin cannot work yet: {}", p));
            } catch (ServerActionException e) {
                LOG.warn("on_superseded = rejoin: could not check the pg_rewind prerequisites now: {}",
                        e.getMessage());
            }
        }
    }

    private ServerLayout readLayout() throws ServerActionException {
        return localServer.onSession("reading the server layout", c -> ServerLayout.read(c, config.pgBindir()));
    }

    private volatile ServerLayout knownLayout;

    /** The server layout, read once (the data directory does not move while keeper runs). */
    private ServerLayout layout() throws ServerActionException {
        ServerLayout known = knownLayout;
        if (known == null) {
            known = readLayout();
            knownLayout = known;
        }
        return known;
    }

    /** Demotes through {@link Demotion} on this host, as the server's OS user. */
    private final class ServiceDemoter implements Demoter {
        @Override
        public String stopNow() {
            try {
                ServerLayout l = layout();
                List<String> problems = Demotion.problems(l);
                return problems.isEmpty() ? new Demotion(l).stopNow() : String.join("; ", problems);
            } catch (ServerActionException e) {
                return "the server layout is unknown: " + e.getMessage();
            }
        }

        @Override
        public String demote(String reason) {
            return demote(reason, false);
        }

        @Override
        public String demoteCleanly(String reason) {
            return demote(reason, true);
        }

        private String demote(String reason, boolean clean) {
            ServerLayout l;
            try {
                l = layout();
            } catch (ServerActionException e) {
                return "the server layout is unknown: " + e.getMessage();
            }
            List<String> problems = Demotion.problems(l);
            if (!problems.isEmpty()) {
                return String.join("; ", problems);
            }
            Demotion.Result result = new Demotion(l).run(config.partnerConninfo().withoutPassword(),
                    config.partnerConninfo().resolvePassword(System.getenv()).orElse(null), reason, clean);
            localSession.reset();
            LOG.info("Demotion: {} (stop {} ms, total {} ms)", result.message(), result.stopTook().toMillis(),
                    result.elapsed().toMillis());
            return result.started() ? null : result.message();
        }
    }

    /** Rewinds this superseded primary from the partner and restarts it as its standby; null on success. */
    private String rejoin(String winnerAddress) {
        ServerLayout layout;
        try {
            layout = readLayout();
        } catch (ServerActionException e) {
            return "could not read the server layout: " + e.getMessage();
        }
        List<String> problems = layout.rewindProblems();
        if (!problems.isEmpty()) {
            return String.join("; ", problems);
        }
        try {
            partnerServer.checkpoint();
        } catch (ServerActionException e) {
            return "CHECKPOINT on the winner failed, so pg_rewind could not see its new timeline: " + e.getMessage();
        }
        localSession.reset(); // the server is about to stop
        Rejoin.Result result = new Rejoin(layout, Duration.ofMinutes(5)).run(config.partnerConninfo().withoutPassword(),
                config.partnerConninfo().resolvePassword(System.getenv()).orElse(null));
        return result.succeeded() ? null : result.failedStep() + ": " + result.message();
    }

    private void runAfterCommand(String event, Map<String, String> env) {
        KeeperConfig c = config;
        if (c.afterCommand().isBlank()) {
            LOG.info("Event {}: no after_command configured", event);
            return;
        }
        AfterCommand command = new AfterCommand(c.afterCommand(), Secrets.mask(c.afterCommand()),
                c.afterCommandTimeout());
        if (event.equals("promoted") || event.equals("switchover")) {
            // A hook for becoming the primary must not run once this node has stopped being it.
            long epoch = keeper.timesStoppedBeingPrimary();
            afterCommands.submit(command, env, () -> keeper.timesStoppedBeingPrimary() == epoch ? null
                    : "this node stopped being the primary before the command could start");
        } else {
            afterCommands.submit(command, env);
        }
    }

    /** Re-reads the configuration file (SIGHUP); on error the running configuration stays. */
    public synchronized void reload() {
        KeeperConfig fresh;
        try {
            fresh = KeeperConfig.load(config.source());
        } catch (ConfigException e) {
            for (String problem : e.problems()) {
                LOG.error("Reload refused, keeping the running configuration: {}", problem);
            }
            return;
        }
        fresh.warnings().forEach(w -> LOG.warn("Configuration: {}", w));
        List<String> needRestart = config.restartRequiredChanges(fresh);
        for (String key : needRestart) {
            LOG.warn("Reload: {} changed, which needs a restart of keeper; still using the old value", key);
        }
        KeeperConfig applied = merge(config, fresh);
        Duration oldInterval = config.keepaliveTime();
        config = applied;
        keeper.reconfigure(applied);
        localSession.setDeadline(applied.keepaliveTime());
        partnerSession.setDeadline(applied.keepaliveTime());
        partnerSession.setLateWindow(applied.detectionWindow());
        if (lease != null) {
            lease.setDeadline(applied.keepaliveTime());
            watchdogLease.setDeadline(watchdogDeadline(applied));
        }
        if (!oldInterval.equals(applied.keepaliveTime())) {
            try {
                schedule.reschedule(applied.keepaliveTime());
            } catch (SchedulerException e) {
                LOG.error("Could not apply keepalive_time {}: {}", Durations.format(applied.keepaliveTime()),
                        e.getMessage());
            }
        }
        LOG.info("Configuration reloaded: keepalive_time {}, keepalive_count {}, after_command '{}', timeout {}",
                Durations.format(applied.keepaliveTime()), applied.keepaliveCount(), applied.afterCommand(),
                Durations.format(applied.afterCommandTimeout()));
    }

    /** The reloadable settings from fresh, the rest from running. */
    private static KeeperConfig merge(KeeperConfig running, KeeperConfig fresh) {
        return new KeeperConfig(fresh.nodeName(), running.myConninfo(), running.partnerConninfo(),
                fresh.keepaliveTime(), fresh.keepaliveCount(), fresh.afterCommand(), fresh.afterCommandTimeout(),
                running.failoverLogTable(), running.witnessConninfo(), running.etcd(), fresh.maximumLagOnFailover(),
                fresh.onSuperseded(), running.httpListen(), fresh.pgBindir(), fresh.dataDirectory(), running.source(),
                fresh.origins());
    }

    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Stops everything within a few seconds; safe to call more than once. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        LOG.info("Shutting down...");
        systemd.ifPresent(SystemdNotifier::stopping);
        schedule.close();
        keeper.close();
        if (statusServer != null) {
            statusServer.close();
        }
        afterCommands.close();
        localServer.close();
        partnerServer.close();
        if (lease != null) {
            lease.close();
            watchdogLease.close();
        }
        systemd.ifPresent(SystemdNotifier::close);
        LOG.info("Shutdown completed.");
        stopped.countDown();
    }
}
