package io.keeper.aftercommand;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One user-configured shell command that keeper runs after an event, with keeper's variables in its
 * environment, a timeout that kills its whole process tree, and its output copied into the log.
 */
public final class AfterCommand {

    private static final Logger LOG = LoggerFactory.getLogger(AfterCommand.class);
    private static final String DEFAULT_SHELL = "/bin/sh";
    private static final File NO_INPUT = new File("/dev/null");
    /** How long a killed command gets to clean up after SIGTERM before SIGKILL. */
    static final Duration KILL_GRACE = Duration.ofSeconds(2);
    /** How long to wait for the rest of the output once the shell has exited. */
    static final Duration OUTPUT_DRAIN = Duration.ofSeconds(1);

    /** Variables keeper's own environment may hold that carry a secret; the command never gets them. */
    static final java.util.List<String> SECRET_VARIABLES = java.util.List.of("PGPASSWORD");
    /**
     * What systemd gives keeper's own process only: a child that kept NOTIFY_SOCKET could speak for keeper's unit
     * (a PostgreSQL started by pg_ctl sends READY=1 and STOPPING=1 to it, and STOPPING=1 makes systemd stop keeper).
     */
    public static final java.util.List<String> SERVICE_MANAGER_VARIABLES =
            java.util.List.of("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID");

    private final String command;
    private final String shown;
    private final Duration timeout;
    private final String shell;

    /**
     * @param command the shell command line; null or blank means no command is configured
     * @param timeout how long the command may run before its process tree is killed; must be positive
     */
    public AfterCommand(String command, Duration timeout) {
        this(command, command, timeout, DEFAULT_SHELL);
    }

    /** @param shown the command as the log shows it (with any password in it masked) */
    public AfterCommand(String command, String shown, Duration timeout) {
        this(command, shown, timeout, DEFAULT_SHELL);
    }

    AfterCommand(String command, Duration timeout, String shell) {
        this(command, command, timeout, shell);
    }

    private AfterCommand(String command, String shown, Duration timeout, String shell) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("after_command timeout must be positive, got " + timeout);
        }
        this.command = command == null ? "" : command;
        this.shown = shown == null ? this.command : shown;
        this.timeout = timeout;
        this.shell = shell;
    }

    public String command() {
        return command;
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * Runs the command with the current environment plus {@code extraEnv} and waits for it, at most for
     * the timeout. Never throws: every failure is logged and described by the result. If the calling
     * thread is interrupted, the process tree is killed and the interrupt flag is set again on return.
     */
    public AfterCommandResult run(Map<String, String> extraEnv) {
        if (command.isBlank()) {
            LOG.debug("no after_command configured; nothing to run");
            return AfterCommandResult.nothingConfigured();
        }
        Map<String, String> env = extraEnv == null ? Map.of() : extraEnv;
        String tag = "after_command[" + Objects.requireNonNullElse(env.get("KEEPER_EVENT"), "-") + "]";
        LOG.info("{} starting: {} (timeout {} ms)", tag, shown, timeout.toMillis());
        long startNanos = System.nanoTime();
        Process process;
        try {
            process = processBuilder(env).start();
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} could not start {}: {}", tag, shell, e.toString());
            return AfterCommandResult.couldNotStart(e.toString());
        }
        List<Thread> copiers = List.of(
                OutputCopier.start(process.getInputStream(), line -> LOG.info("{} out: {}", tag, line),
                        "after-command-out-" + process.pid()),
                OutputCopier.start(process.getErrorStream(), line -> LOG.warn("{} err: {}", tag, line),
                        "after-command-err-" + process.pid()));
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                LOG.warn("{} timed out after {} ms; killing its process tree", tag, timeout.toMillis());
                killTree(process, copiers, tag);
                Duration elapsed = elapsedSince(startNanos);
                LOG.warn("{} killed after {} ms", tag, elapsed.toMillis());
                return AfterCommandResult.timedOutAfter(elapsed);
            }
        } catch (InterruptedException e) {
            LOG.warn("{} interrupted while waiting (keeper is stopping?); killing its process tree", tag);
            killTree(process, copiers, tag);
            Thread.currentThread().interrupt();
            return AfterCommandResult.interruptedAfter(elapsedSince(startNanos));
        }
        return exited(process, copiers, tag, startNanos);
    }

    private ProcessBuilder processBuilder(Map<String, String> extraEnv) {
        ProcessBuilder builder = new ProcessBuilder(shell, "-c", command).redirectInput(NO_INPUT);
        Map<String, String> environment = builder.environment();
        SECRET_VARIABLES.forEach(environment::remove);
        SERVICE_MANAGER_VARIABLES.forEach(environment::remove);
        extraEnv.forEach((name, value) -> {
            // The process environment cannot hold nulls; a missing value simply leaves the variable out.
            if (name != null && value != null) {
                environment.put(name, value);
            }
        });
        return builder;
    }

    private static void killTree(Process process, List<Thread> copiers, String tag) {
        int forced = ProcessTreeKiller.kill(process.toHandle(), KILL_GRACE);
        if (forced > 0) {
            LOG.warn("{} {} process(es) ignored SIGTERM for {} ms and were killed with SIGKILL",
                    tag, forced, KILL_GRACE.toMillis());
        }
        OutputCopier.joinAll(copiers, OUTPUT_DRAIN);
    }

    private static AfterCommandResult exited(Process process, List<Thread> copiers, String tag, long startNanos) {
        // A background child that inherited stdout or stderr can keep the pipe open long after the
        // shell is gone; its remaining output still reaches the log, but we stop waiting for it.
        if (!OutputCopier.joinAll(copiers, OUTPUT_DRAIN) && !Thread.currentThread().isInterrupted()) {
            LOG.warn("{} exited but a background process still holds its output open; not waiting for it", tag);
        }
        int exitCode = process.exitValue();
        Duration elapsed = elapsedSince(startNanos);
        if (exitCode == 0) {
            LOG.info("{} exited with code 0 after {} ms", tag, elapsed.toMillis());
        } else {
            LOG.warn("{} exited with code {} after {} ms", tag, exitCode, elapsed.toMillis());
        }
        return AfterCommandResult.exited(exitCode, elapsed);
    }

    private static Duration elapsedSince(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    @Override
    public String toString() {
        return "AfterCommand[" + command + ", timeout " + timeout.toMillis() + " ms]";
    }
}
