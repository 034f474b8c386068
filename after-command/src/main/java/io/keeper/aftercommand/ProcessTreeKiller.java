package io.keeper.aftercommand;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Stops a process and every process below it: politely first, forcibly after a grace period. */
final class ProcessTreeKiller {

    private static final long POLL_MILLIS = 20;
    private static final Duration AFTER_SIGKILL = Duration.ofSeconds(1);

    private ProcessTreeKiller() {
    }

    /**
     * Sends SIGTERM to {@code root} and all its descendants, waits up to {@code grace} for them to exit,
     * then sends SIGKILL to whatever is left. Returns once the tree is gone or a further second has passed.
     * An interrupt during the wait skips straight to SIGKILL and is kept on the thread.
     *
     * @return how many processes needed SIGKILL
     */
    static int kill(ProcessHandle root, Duration grace) {
        // Take the snapshot before signalling anything: once the shell is gone its children are
        // re-parented and no longer show up as its descendants.
        List<ProcessHandle> tree = new ArrayList<>();
        tree.add(root);
        tree.addAll(root.descendants().toList());
        // The shell goes first so that it cannot start the next command of a list such as
        // "a; b" when a dies; the snapshot still reaches the children it leaves behind.
        tree.forEach(ProcessHandle::destroy);
        boolean interrupted = !awaitExit(tree, grace);

        Set<ProcessHandle> survivors = new LinkedHashSet<>();
        for (ProcessHandle process : tree) {
            if (!hasExited(process)) {
                // A survivor ignored SIGTERM and may have started new children in the meantime.
                process.descendants().forEach(survivors::add);
                survivors.add(process);
            }
        }
        survivors.forEach(ProcessHandle::destroyForcibly);
        if (!interrupted) {
            interrupted = !awaitExit(survivors, AFTER_SIGKILL);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return survivors.size();
    }

    /** Polls until every process has exited; returns false if interrupted (the flag is then cleared). */
    private static boolean awaitExit(Collection<ProcessHandle> processes, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        try {
            while (!processes.stream().allMatch(ProcessTreeKiller::hasExited) && System.nanoTime() < deadline) {
                Thread.sleep(POLL_MILLIS);
            }
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /**
     * True once the process no longer runs. A zombie counts as exited: only its new parent can reap it,
     * and without this an init that reaps slowly (or never, in some containers) would use up the grace.
     */
    private static boolean hasExited(ProcessHandle process) {
        if (!process.isAlive()) {
            return true;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            int endOfName = stat.lastIndexOf(')');
            return endOfName >= 0 && endOfName + 2 < stat.length() && stat.charAt(endOfName + 2) == 'Z';
        } catch (IOException | RuntimeException e) {
            return !process.isAlive();
        }
    }
}
