package io.keeper.aftercommand;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Looks at real processes from tests: reads pid files that commands write and tells whether a pid still runs. */
final class TestProcesses {

    private TestProcesses() {
    }

    /** Shell snippet that starts {@code sleep <seconds>} in the background and records its pid in $PIDS/name. */
    static String backgroundSleep(String name, int seconds) {
        // Written to a temporary name and renamed, so a reader never sees a half-written pid.
        return "sleep " + seconds + " & echo $! > \"$PIDS/" + name + ".tmp\" && mv \"$PIDS/" + name + ".tmp\" \"$PIDS/"
                + name + "\"";
    }

    /** Reads a pid file written by the command; fails the test if it does not exist. */
    static long readPid(Path file) throws IOException {
        if (!Files.exists(file)) {
            fail("the command never wrote " + file);
        }
        return Long.parseLong(Files.readString(file).trim());
    }

    /** Waits for a command running on another thread to write a pid file. */
    static long awaitPid(Path file, Duration bound) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        // Polling is the simple option here: the file is written by a shell we do not control.
        while (!Files.exists(file) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return readPid(file);
    }

    /**
     * True if the process exists and is not a zombie. A killed orphan stays a zombie until init reaps it,
     * which some container inits do slowly; it no longer runs, which is what the tests care about.
     */
    static boolean isRunning(long pid) {
        if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** Kills a process a test left behind on purpose. */
    static void killQuietly(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
}
