package io.keeper.rejoin;

import io.keeper.config.Secrets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Demotes a primary for real: an immediate shutdown (so no commit is acknowledged once it began), then the data
 * directory is set up as a standby of the partner (standby.signal, primary_conninfo, and keeper.fenced with the
 * reason in postgresql.auto.conf) and the server is started again: a hot standby, read-only by PostgreSQL's own
 * rules for every session and background worker, that streams from the partner when their histories allow it.
 * Runs as the OS user owning the data directory, on the server's own host.
 */
public final class Demotion {

    private static final Logger LOG = LoggerFactory.getLogger(Demotion.class);
    /** The marker keeper's rules read back as ServerState.fenced; survives restarts like any ALTER SYSTEM value. */
    public static final String MARKER = "keeper.fenced";
    /** The read-only fence of a server keeper could not restart; a standby must not keep it. */
    static final String READ_ONLY = "default_transaction_read_only";
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);
    private static final Duration START_WAIT = Duration.ofSeconds(60);
    private static final Duration GRACE = Duration.ofSeconds(15);

    /** How a demotion ended; {@code stopped} says whether the server stopped taking writes. */
    public record Result(boolean stopped, boolean started, String message, Duration stopTook, Duration elapsed) {
    }

    private final ServerLayout layout;
    private final CommandRunner runner;
    private final PgCommands commands;
    private final DataDirectory data;
    private final Path serverLog;

    public Demotion(ServerLayout layout) {
        this(layout, new ProcessCommandRunner(List.of()));
    }

    Demotion(ServerLayout layout, CommandRunner runner) {
        this.layout = layout;
        this.runner = runner;
        this.commands = new PgCommands(layout);
        this.data = new DataDirectory(layout.dataDirectory());
        this.serverLog = Rejoin.defaultServerLog(layout);
    }

    /** Human sentences for what keeps keeper from restarting this server itself; empty when it can. */
    public static List<String> problems(ServerLayout layout) {
        Path pgCtl = layout.program("pg_ctl");
        if (!Files.isDirectory(layout.dataDirectory()) || !Files.isWritable(layout.dataDirectory())) {
            return List.of("data directory " + layout.dataDirectory() + " is not writable by keeper's OS user here"
                    + " (keeper must run on the database host as the server's owner)");
        }
        if (!Files.isExecutable(pgCtl)) {
            return List.of("pg_ctl not found at " + pgCtl + " (set pg_bindir)");
        }
        return List.of();
    }

    /**
     * Stops the server at once and starts it again as a standby of {@code partnerConninfo}.
     *
     * @param partnerConninfo the partner, without a password (it is written to primary_conninfo)
     * @param password the partner's password, or null to let libpq use ~/.pgpass
     * @param reason stored in keeper.fenced
     */
    public Result run(String partnerConninfo, String password, String reason) {
        return run(partnerConninfo, password, reason, false);
    }

    /**
     * As {@link #run(String, String, String)}; with {@code clean} a fast shutdown instead (a planned switchover):
     * it writes a shutdown checkpoint and its WAL senders send every record to the standby before they exit.
     */
    public Result run(String partnerConninfo, String password, String reason, boolean clean) {
        long start = System.nanoTime();
        String stopFailure = clean ? stopCleanly() : stopNow();
        Duration stopTook = since(start);
        if (stopFailure != null) {
            return new Result(false, false, stopFailure, stopTook, stopTook);
        }
        LOG.info("Demotion: server stopped ({}) in {} ms; setting it up as a standby of {}",
                clean ? "fast" : "immediate", stopTook.toMillis(), Secrets.mask(partnerConninfo));
        try {
            configureStandby(data, partnerConninfo, password, reason);
        } catch (IOException e) {
            return new Result(true, false, "writing the standby configuration in " + layout.dataDirectory()
                    + " failed: " + e, stopTook, since(start));
        }
        try {
            data.createLogDirectory(serverLog);
            CommandRunner.Completed started = runner.run(commands.start(serverLog, START_WAIT), Map.of(),
                    START_WAIT.plus(GRACE), line -> LOG.info("pg_ctl: {}", line));
            if (!started.succeeded()) {
                return new Result(true, false, "pg_ctl start exited with " + started.exitCode() + "; the server's"
                        + " messages are in " + serverLog, stopTook, since(start));
            }
        } catch (IOException e) {
            return new Result(true, false, "could not start the server: " + e.getMessage(), stopTook, since(start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(true, false, "interrupted while starting the server", stopTook, since(start));
        }
        return new Result(true, true, "runs as a standby of " + Secrets.mask(partnerConninfo), stopTook, since(start));
    }

    /**
     * Immediate shutdown; null once no server runs on this data directory (also when none ran), else why not.
     * Safe to call at any moment and more than once: the lease watchdog calls it without waiting for the heartbeat.
     */
    public String stopNow() {
        return stop(commands.stopImmediately(STOP_WAIT), "immediate");
    }

    /** Fast shutdown (a shutdown checkpoint, every WAL record sent to the standby); null once stopped, else why not. */
    String stopCleanly() {
        return stop(commands.stop(STOP_WAIT), "fast");
    }

    private String stop(List<String> command, String mode) {
        CommandRunner.Completed stop;
        try {
            stop = runner.run(command, Map.of("LC_ALL", "C"), STOP_WAIT.plus(GRACE),
                    line -> LOG.info("pg_ctl: {}", line));
        } catch (IOException e) {
            return "could not run pg_ctl: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while stopping the server";
        }
        if (stop.succeeded() || notRunning()) {
            return null;
        }
        return "pg_ctl stop -m " + mode + " exited with " + stop.exitCode() + ": " + stop.lastLine();
    }

    /** standby.signal, primary_conninfo to the partner, the marker; the read-only fence is not needed any more. */
    static void configureStandby(DataDirectory data, String partnerConninfo, String password, String reason)
            throws IOException {
        if (!data.hasStandbySignal()) {
            data.writeStandbySignal();
        }
        // keeper clone's slot lives on the server that was the primary then; the partner may not have it.
        data.removeParameters(List.of("primary_conninfo", "primary_slot_name", MARKER, READ_ONLY));
        String conninfo = password == null ? partnerConninfo
                : partnerConninfo + " password=" + Rejoin.conninfoValue(password);
        data.appendParameter("primary_conninfo", conninfo, "written by keeper: demoted, streams from the partner");
        data.appendParameter(MARKER, reason, "written by keeper: why this server was demoted");
    }

    private boolean notRunning() {
        try {
            return runner.run(commands.status(), Map.of("LC_ALL", "C"), GRACE, line -> { }).exitCode()
                    == Rejoin.PG_CTL_NOT_RUNNING;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Duration since(long start) {
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
