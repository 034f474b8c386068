package io.keeper.rejoin;

import io.keeper.config.Secrets;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a superseded primary into a standby of the winner: pg_ctl stop, pg_rewind from the winner,
 * remove keeper's fence from postgresql.auto.conf, pg_ctl start. Each step is logged with its duration and
 * the tools' output; the first step that fails ends the rejoin and is reported in the {@link Result}.
 * Runs as the OS user owning the data directory, on the server's own host.
 */
public final class Rejoin {

    private static final Logger LOG = LoggerFactory.getLogger(Rejoin.class);

    static final String STEP_STOP = "stop";
    static final String STEP_REWIND = "pg_rewind";
    static final String STEP_CRASH_RECOVERY = "crash recovery";
    static final String STEP_CLEAN_UP = "remove fence";
    static final String STEP_START = "start";

    /** What keeper's fence set with ALTER SYSTEM; a standby must not keep them. */
    static final List<String> FENCE_PARAMETERS = List.of("default_transaction_read_only", "keeper.fenced");
    /** pg_rewind's messages (with LC_ALL=C) that change what happens next. */
    static final String NOT_SHUT_DOWN_CLEANLY = "target server must be shut down cleanly";
    static final String NO_REWIND_REQUIRED = "no rewind required";
    /** pg_ctl status: "no server running". */
    static final int PG_CTL_NOT_RUNNING = 3;
    /** pg_ctl enforces its own -t; the process gets this much longer so pg_ctl can say why it gave up. */
    private static final Duration PG_CTL_GRACE = Duration.ofSeconds(15);

    /** How a rejoin ended: failedStep and message say where and why it stopped; the password never appears. */
    public record Result(boolean succeeded, String failedStep, String message, Duration elapsed) {
    }

    /** A step failed; carries the step's name to the Result. */
    private static final class StepFailed extends Exception {
        final String step;

        StepFailed(String step, String message) {
            super(message);
            this.step = step;
        }
    }

    private final ServerLayout layout;
    private final Duration stepTimeout;
    private final Path serverLog;
    private final CommandRunner runner;
    private final PgCommands commands;
    private final DataDirectory data;

    /** Starts the server with its output in {@code <data directory>/log/keeper-rejoin.log}. */
    public Rejoin(ServerLayout layout, Duration stepTimeout) {
        this(layout, stepTimeout, defaultServerLog(layout));
    }

    /**
     * @param serverLog where pg_ctl start -l sends the restarted server's stderr; on Debian keeper may pass
     *                  /var/log/postgresql/postgresql-15-main.log, where pg_ctlcluster would have sent it
     */
    public Rejoin(ServerLayout layout, Duration stepTimeout, Path serverLog) {
        this(layout, stepTimeout, serverLog, new ProcessCommandRunner(List.of()));
    }

    Rejoin(ServerLayout layout, Duration stepTimeout, Path serverLog, CommandRunner runner) {
        this.layout = layout;
        this.stepTimeout = stepTimeout;
        this.serverLog = serverLog;
        this.runner = runner;
        this.commands = new PgCommands(layout);
        this.data = new DataDirectory(layout.dataDirectory());
    }

    /**
     * The data directory is the one place the postgres user can always write. A log/ inside it is where
     * logging_collector writes by default, so it is where an administrator looks; pg_basebackup and
     * pg_rewind copy it like any other file, which does no harm.
     */
    static Path defaultServerLog(ServerLayout layout) {
        return layout.dataDirectory().resolve("log").resolve("keeper-rejoin.log");
    }

    /**
     * Runs the whole sequence; never throws for a failed step.
     *
     * @param sourceConninfo the winner, without a password: it is on pg_rewind's command line
     * @param sourcePassword put in pg_rewind's environment as PGPASSWORD; null to let libpq use ~/.pgpass
     */
    public Result run(String sourceConninfo, String sourcePassword) {
        long start = System.nanoTime();
        String source = Secrets.mask(sourceConninfo);
        LOG.info("Rejoin: making {} a standby of {} (config {}, step timeout {} s)", layout.dataDirectory(), source,
                layout.configFile(), stepTimeout.toSeconds());
        try {
            stop();
            rewind(sourceConninfo, sourcePassword);
            removeFence();
            startServer();
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            LOG.info("Rejoin completed in {} ms: {} runs as a standby of {}", elapsed.toMillis(),
                    layout.dataDirectory(), source);
            return new Result(true, null, "standby of " + source, elapsed);
        } catch (StepFailed e) {
            return failed(e.step, e.getMessage(), start);
        }
    }

    private Result failed(String step, String message, long start) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        LOG.error("Rejoin failed at step '{}' after {} ms: {}", step, elapsed.toMillis(), message);
        return new Result(false, step, message, elapsed);
    }

    private void stop() throws StepFailed {
        long t = System.nanoTime();
        LOG.info("Rejoin step 1/4: stopping the server: {}", String.join(" ", commands.stop(stepTimeout)));
        CommandRunner.Completed stop = exec(STEP_STOP, "pg_ctl", commands.stop(stepTimeout), english(),
                stepTimeout.plus(PG_CTL_GRACE));
        if (stop.succeeded()) {
            LOG.info("Rejoin step 1/4 done in {} ms: server stopped", millisSince(t));
            return;
        }
        CommandRunner.Completed status = exec(STEP_STOP, "pg_ctl", commands.status(), english(), PG_CTL_GRACE);
        if (status.exitCode() == PG_CTL_NOT_RUNNING) {
            LOG.info("Rejoin step 1/4 done in {} ms: the server was not running", millisSince(t));
            return;
        }
        throw new StepFailed(STEP_STOP, "pg_ctl stop " + ended(stop) + " and pg_ctl status " + ended(status));
    }

    private void rewind(String sourceConninfo, String password) throws StepFailed {
        long t = System.nanoTime();
        if (rewoundEarlier()) {
            LOG.info("Rejoin step 2/4 skipped: an earlier pg_rewind already finished here ({} says 'BACKUP METHOD:"
                    + " pg_rewind' and {} exists); the server only needs to start", DataDirectory.BACKUP_LABEL,
                    DataDirectory.STANDBY_SIGNAL);
            return;
        }
        List<String> command = commands.rewind(sourceConninfo);
        LOG.info("Rejoin step 2/4: rewinding from the source: {}", Secrets.mask(String.join(" ", command)));
        byte[] autoConfBefore = autoConfBytes();
        Map<String, byte[]> ownConfig = snapshotOwnConfig();
        Map<String, String> env = english();
        env.put("PGCONNECT_TIMEOUT", "10");
        if (password != null) {
            env.put("PGPASSWORD", password);
        }
        CommandRunner.Completed rewind = exec(STEP_REWIND, "pg_rewind", command, env, stepTimeout);
        if (!rewind.succeeded() && !rewind.timedOut() && rewind.printed(NOT_SHUT_DOWN_CLEANLY)) {
            recoverFromCrash();
            LOG.info("Rejoin step 2/4: running pg_rewind again after crash recovery");
            rewind = exec(STEP_REWIND, "pg_rewind", command, env, stepTimeout);
        }
        if (!rewind.succeeded()) {
            throw new StepFailed(STEP_REWIND, "pg_rewind " + ended(rewind));
        }
        boolean noRewind = rewind.printed(NO_REWIND_REQUIRED);
        completeStandbyConfiguration(sourceConninfo, password, autoConfBefore);
        restoreOwnConfig(ownConfig);
        LOG.info("Rejoin step 2/4 done in {} ms: {}", millisSince(t),
                noRewind ? "no rewind required (this server had written nothing the source lacks)" : "rewound");
    }

    /** The target crashed or was stopped with -m immediate: replay its WAL once so pg_rewind can read it. */
    private void recoverFromCrash() throws StepFailed {
        long t = System.nanoTime();
        LOG.info("Rejoin: the server was not shut down cleanly; finishing crash recovery in single-user mode: {}"
                + " < /dev/null", String.join(" ", commands.singleUser()));
        CommandRunner.Completed recovery = exec(STEP_CRASH_RECOVERY, "postgres", commands.singleUser(), Map.of(),
                stepTimeout);
        if (!recovery.succeeded()) {
            throw new StepFailed(STEP_CRASH_RECOVERY, "postgres --single " + ended(recovery));
        }
        LOG.info("Rejoin: crash recovery done in {} ms", millisSince(t));
    }

    /**
     * pg_rewind -R writes standby.signal and appends primary_conninfo, also when no rewind is required
     * (PostgreSQL 13 and later); whatever it did not write is written here, so the server never starts as a
     * primary again.
     */
    private void completeStandbyConfiguration(String sourceConninfo, String password, byte[] autoConfBefore)
            throws StepFailed {
        try {
            if (!data.hasStandbySignal()) {
                data.writeStandbySignal();
                LOG.info("Rejoin: wrote {} (pg_rewind had not)", DataDirectory.STANDBY_SIGNAL);
            }
            if (Arrays.equals(autoConfBefore, data.autoConfBytes()) || !data.setsParameter("primary_conninfo")) {
                String conninfo = password == null ? sourceConninfo
                        : sourceConninfo + " password=" + conninfoValue(password);
                data.appendParameter("primary_conninfo", conninfo, "written by keeper rejoin");
                LOG.info("Rejoin: appended primary_conninfo = '{}' to {} (pg_rewind had not)",
                        Secrets.mask(conninfo), DataDirectory.AUTO_CONF);
            }
        } catch (IOException e) {
            throw new StepFailed(STEP_REWIND, "writing the standby configuration in " + layout.dataDirectory()
                    + " failed: " + e);
        }
    }

    private Map<String, byte[]> snapshotOwnConfig() throws StepFailed {
        try {
            return data.snapshotConfig();
        } catch (IOException e) {
            throw new StepFailed(STEP_REWIND, "saving this node's configuration files failed: " + e);
        }
    }

    /** pg_rewind copies the source's configuration files found in the data directory; this node keeps its own. */
    private void restoreOwnConfig(Map<String, byte[]> ownConfig) throws StepFailed {
        try {
            List<String> restored = data.restoreConfig(ownConfig);
            if (!restored.isEmpty()) {
                LOG.info("Rejoin: kept this node's own {} (pg_rewind had copied the source's); primary_conninfo"
                        + " points at the source", String.join(", ", restored));
            }
        } catch (IOException e) {
            throw new StepFailed(STEP_REWIND, "restoring this node's configuration files failed: " + e);
        }
    }

    private void removeFence() throws StepFailed {
        long t = System.nanoTime();
        LOG.info("Rejoin step 3/4: removing {} from {}", String.join(" and ", FENCE_PARAMETERS), data.autoConf());
        try {
            List<String> removed = data.removeParameters(FENCE_PARAMETERS);
            LOG.info("Rejoin step 3/4 done in {} ms: {}", millisSince(t), removed.isEmpty()
                    ? "none present (pg_rewind copies the source's " + DataDirectory.AUTO_CONF + ")"
                    : "removed " + String.join(", ", removed));
        } catch (IOException e) {
            throw new StepFailed(STEP_CLEAN_UP, "editing " + data.autoConf() + " failed: " + e);
        }
    }

    private void startServer() throws StepFailed {
        long t = System.nanoTime();
        List<String> command = commands.start(serverLog, stepTimeout);
        LOG.info("Rejoin step 4/4: starting the server as a standby: {}", String.join(" ", command));
        try {
            data.createLogDirectory(serverLog);
        } catch (IOException e) {
            throw new StepFailed(STEP_START, "creating the directory of " + serverLog + " failed: " + e);
        }
        // No LC_ALL here: the server inherits pg_ctl's environment.
        CommandRunner.Completed start = exec(STEP_START, "pg_ctl", command, Map.of(), stepTimeout.plus(PG_CTL_GRACE));
        if (!start.succeeded()) {
            throw new StepFailed(STEP_START, "pg_ctl start " + ended(start) + "; the server's own messages are in "
                    + serverLog);
        }
        LOG.info("Rejoin step 4/4 done in {} ms: server started, its log is {}", millisSince(t), serverLog);
    }

    private boolean rewoundEarlier() throws StepFailed {
        try {
            return data.rewoundEarlier();
        } catch (IOException e) {
            throw new StepFailed(STEP_REWIND, "reading " + DataDirectory.BACKUP_LABEL + " failed: " + e);
        }
    }

    private byte[] autoConfBytes() throws StepFailed {
        try {
            return data.autoConfBytes();
        } catch (IOException e) {
            throw new StepFailed(STEP_REWIND, "reading " + data.autoConf() + " failed: " + e);
        }
    }

    private CommandRunner.Completed exec(String step, String tool, List<String> command, Map<String, String> env,
                                         Duration timeout) throws StepFailed {
        CommandRunner.Completed done;
        try {
            done = runner.run(command, env, timeout, line -> logOutput(tool, line));
        } catch (IOException e) {
            throw new StepFailed(step, "could not run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailed(step, "interrupted while " + tool + " was running (keeper is stopping); the server"
                    + " may be left stopped");
        }
        if (done.timedOut()) {
            throw new StepFailed(step, tool + " did not finish within " + timeout.toSeconds() + " s and was killed");
        }
        return done;
    }

    /** One line of a tool's output, prefixed with the tool's name unless the tool already did that. */
    private static void logOutput(String tool, String line) {
        String masked = Secrets.mask(line);
        if (masked.startsWith(tool + ": ")) {
            LOG.info("{}", masked);
        } else {
            LOG.info("{}: {}", tool, masked);
        }
    }

    /** LC_ALL=C so that pg_rewind's messages are the English ones matched above. */
    private static Map<String, String> english() {
        Map<String, String> env = new HashMap<>();
        env.put("LC_ALL", "C");
        return env;
    }

    private static String ended(CommandRunner.Completed c) {
        String last = c.lastLine();
        return "exited with " + c.exitCode() + (last.isEmpty() ? "" : ": " + Secrets.mask(last));
    }

    /** A libpq conninfo value: single-quoted, with ' and \ escaped by a backslash. */
    static String conninfoValue(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    @Override
    public String toString() {
        return "Rejoin[" + layout.dataDirectory() + ", config " + layout.configFile() + ", log " + serverLog + "]";
    }
}
