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

/**
 * Runs after-commands one at a time on a daemon thread, so a hanging command never holds up the heartbeat. The
 * queue is bounded ({@link #MAX_WAITING} commands waiting) and coalesces: an event submitted while the same event
 * still waits to start replaces that one's environment instead of queueing again (a flapping partner cannot pile
 * up hooks). A command may come with a condition checked just before it starts, so a hook whose event no longer
 * holds (a `promoted` hook after the node stopped being the primary) is skipped, and logged.
 */
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
    /** At most this many commands wait to start; more are refused (logged). */
    public static final int MAX_WAITING = 16;
    /** KEEPER_EVENT of each command waiting to start, with the environment it will get. */
    private final Map<String, java.util.concurrent.atomic.AtomicReference<Map<String, String>>> waiting =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger waitingCount = new java.util.concurrent.atomic.AtomicInteger();

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
        return submit(command, env, () -> null);
    }

    /**
     * As {@link #submit(AfterCommand, Map)}; {@code stale} is asked just before the command starts and returns why
     * it must not run any more (e.g. "this node is not the primary any more"), or null to run it.
     */
    public Future<AfterCommandResult> submit(AfterCommand command, Map<String, String> env,
                                             java.util.function.Supplier<String> stale) {
        Objects.requireNonNull(command, "command");
        // Copied now: the caller may reuse its map before the command gets to run.
        Map<String, String> envCopy = env == null ? Map.of() : Collections.unmodifiableMap(new HashMap<>(env));
        // Only keeper's events coalesce; a command without KEEPER_EVENT gets a key of its own.
        String event = Objects.requireNonNullElse(envCopy.get("KEEPER_EVENT"), "-");
        String key = envCopy.containsKey("KEEPER_EVENT") ? event : "-" + System.identityHashCode(envCopy);
        java.util.concurrent.atomic.AtomicReference<Map<String, String>> mine =
                new java.util.concurrent.atomic.AtomicReference<>(envCopy);
        java.util.concurrent.atomic.AtomicReference<Map<String, String>> queued = waiting.putIfAbsent(key, mine);
        if (queued != null) {
            queued.set(envCopy);
            LOG.info("after_command[{}] not queued again: the one still waiting to start gets this event's"
                    + " environment", event);
            return CompletableFuture.completedFuture(AfterCommandResult.couldNotStart("coalesced with a waiting "
                    + event));
        }
        if (waitingCount.incrementAndGet() > MAX_WAITING) {
            waitingCount.decrementAndGet();
            waiting.remove(key, mine);
            LOG.warn("after_command[{}] not run: {} commands already wait behind a slow one", event, MAX_WAITING);
            return CompletableFuture.completedFuture(AfterCommandResult.couldNotStart("queue full"));
        }
        try {
            return worker.submit(() -> {
                waiting.remove(key, mine);
                waitingCount.decrementAndGet();
                String why = stale.get();
                if (why != null) {
                    LOG.warn("after_command[{}] skipped: {}", event, why);
                    return AfterCommandResult.couldNotStart("skipped: " + why);
                }
                return runLoggingBugs(command, mine.get());
            });
        } catch (RejectedExecutionException e) {
            waiting.remove(key, mine);
            waitingCount.decrementAndGet();
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
