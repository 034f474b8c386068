package io.keeper.aftercommand;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs after-commands one at a time on a daemon thread, so a hanging command never holds up the heartbeat. */
public final class AfterCommandRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AfterCommandRunner.class);
    /** How long {@link #close()} lets running and queued commands finish before interrupting them. */
    public static final Duration DEFAULT_CLOSE_WAIT = Duration.ofSeconds(5);
    // Enough for the interrupted command to kill its tree: SIGTERM grace, SIGKILL wait, output drain.
    private static final Duration KILL_WAIT = AfterCommand.KILL_GRACE.plusSeconds(3);

    private final ExecutorService worker = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "after-command");
        thread.setDaemon(true);
        return thread;
    });
    private final Duration closeWait;
    private final AtomicBoolean closed = new AtomicBoolean();

    public AfterCommandRunner() {
        this(DEFAULT_CLOSE_WAIT);
    }

    /** @param closeWait how long {@link #close()} waits for commands before interrupting them */
    public AfterCommandRunner(Duration closeWait) {
        this.closeWait = Objects.requireNonNull(closeWait, "closeWait");
    }

    /**
     * Queues {@code command} to run with {@code env} added to its environment and returns at once.
     * After {@link #close()} nothing runs and the future holds a "could not start" result.
     */
    public Future<AfterCommandResult> submit(AfterCommand command, Map<String, String> env) {
        Objects.requireNonNull(command, "command");
        // Copied now: the caller may reuse its map before the command gets to run.
        Map<String, String> envCopy = env == null ? Map.of() : Collections.unmodifiableMap(new HashMap<>(env));
        try {
            return worker.submit(() -> runLoggingBugs(command, envCopy));
        } catch (RejectedExecutionException e) {
            LOG.warn("after-command runner is closed; not running {}", command);
            return CompletableFuture.completedFuture(
                    AfterCommandResult.couldNotStart("after-command runner is closed"));
        }
    }

    private static AfterCommandResult runLoggingBugs(AfterCommand command, Map<String, String> env) {
        try {
            return command.run(env);
        } catch (RuntimeException e) {
            // Nobody may ever call get() on the future, so a bug here would otherwise vanish.
            LOG.error("after-command failed unexpectedly: {}", command, e);
            throw e;
        }
    }

    /**
     * Stops accepting commands, lets the running and queued ones finish for up to the close wait, then
     * interrupts the running one (which kills its process tree) and cancels the rest. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        worker.shutdown();
        try {
            if (!worker.awaitTermination(closeWait.toNanos(), TimeUnit.NANOSECONDS)) {
                LOG.warn("after-command still running after {} ms; interrupting it", closeWait.toMillis());
                stopNow();
                if (!worker.awaitTermination(KILL_WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
                    LOG.warn("after-command did not stop within {} ms of the interrupt", KILL_WAIT.toMillis());
                }
            }
        } catch (InterruptedException e) {
            stopNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("after-command runner stopped");
    }

    private void stopNow() {
        List<Runnable> neverStarted = worker.shutdownNow();
        // Cancel them so that callers waiting on their futures are released.
        for (Runnable task : neverStarted) {
            if (task instanceof Future<?> future) {
                future.cancel(false);
            }
        }
    }
}
