package io.keeper.aftercommand;

import static io.keeper.aftercommand.TestProcesses.backgroundSleep;
import static io.keeper.aftercommand.TestProcesses.isRunning;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks that the runner keeps commands off the caller's thread and shuts down without leaving processes. */
class AfterCommandRunnerTest {

    private static final Duration GENEROUS = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @Test
    void runnerKeepsWorkingAfterAHangingCommand() throws Exception {
        try (AfterCommandRunner runner = new AfterCommandRunner()) {
            Future<AfterCommandResult> hanging = runner.submit(
                    new AfterCommand("sleep 300", Duration.ofSeconds(1)), Map.of("KEEPER_EVENT", "promote"));
            assertFalse(hanging.isDone(), "submit returns while the command still runs");

            Future<AfterCommandResult> next = runner.submit(new AfterCommand("exit 0", GENEROUS), Map.of());

            assertTrue(next.get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS).succeeded());
            assertTrue(hanging.get().timedOut());
        }
    }

    @Test
    void closeInterruptsTheRunningCommandAndKillsItsTree() throws Exception {
        AfterCommandRunner runner = new AfterCommandRunner(Duration.ofMillis(100));
        Future<AfterCommandResult> running = runner.submit(
                new AfterCommand(backgroundSleep("child", 300) + "; wait", GENEROUS), Map.of("PIDS", dir.toString()));
        Future<AfterCommandResult> queued = runner.submit(new AfterCommand("true", GENEROUS), Map.of());
        long pid = TestProcesses.awaitPid(dir.resolve("child"), Duration.ofSeconds(5));

        runner.close();

        assertTrue(running.get(1, TimeUnit.SECONDS).interrupted());
        assertTrue(queued.isCancelled(), "a queued command that never started is cancelled, not left hanging");
        assertFalse(isRunning(pid), "background child still runs");
    }

    @Test
    void runsNothingOnceClosedAndClosesTwiceWithoutHarm() throws Exception {
        AfterCommandRunner runner = new AfterCommandRunner();
        runner.close();
        runner.close();
        Path marker = dir.resolve("ran");

        AfterCommandResult result = runner.submit(new AfterCommand("touch \"$MARKER\"", GENEROUS),
                Map.of("MARKER", marker.toString())).get(1, TimeUnit.SECONDS);

        assertNotNull(result.startError());
        assertEquals(AfterCommandResult.NO_EXIT_CODE, result.exitCode());
        assertFalse(Files.exists(marker));
    }

    /** A command that holds the runner's one thread until {@code release} exists; returns once it runs. */
    private void block(AfterCommandRunner runner, Path release) throws Exception {
        Path started = dir.resolve("blocker-started");
        runner.submit(new AfterCommand("touch '" + started + "'; while [ ! -e '" + release + "' ]; do sleep 0.05; done",
                GENEROUS), Map.of("KEEPER_EVENT", "fenced"));
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (!Files.exists(started) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(Files.exists(started), "the blocking command started");
    }

    @Test
    void aRepeatedEventWaitingToStartRunsOnceWithTheLatestEnvironment() throws Exception {
        Path release = dir.resolve("release");
        Path out = dir.resolve("out");
        try (AfterCommandRunner runner = new AfterCommandRunner()) {
            block(runner, release);
            AfterCommand record = new AfterCommand("echo \"$KEEPER_EVENT $N\" >> '" + out + "'", GENEROUS);
            Future<AfterCommandResult> first = runner.submit(record, Map.of("KEEPER_EVENT", "sync_disabled", "N", "1"));
            for (int n = 2; n <= 5; n++) {
                Future<AfterCommandResult> again = runner.submit(record,
                        Map.of("KEEPER_EVENT", "sync_disabled", "N", String.valueOf(n)));
                assertTrue(again.isDone() && again.get().startError().contains("coalesced"), again.get().toString());
            }
            Files.writeString(release, "");
            assertTrue(first.get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS).succeeded());
            assertEquals(java.util.List.of("sync_disabled 5"), Files.readAllLines(out), "one run, the latest values");
        }
    }

    @Test
    void aHookWhoseEventNoLongerHoldsIsSkippedAndTheQueueIsBounded() throws Exception {
        Path release = dir.resolve("release");
        Path out = dir.resolve("ran");
        try (AfterCommandRunner runner = new AfterCommandRunner()) {
            block(runner, release);
            java.util.concurrent.atomic.AtomicReference<String> stale = new java.util.concurrent.atomic.AtomicReference<>();
            Future<AfterCommandResult> promoted = runner.submit(new AfterCommand("touch '" + out + "'", GENEROUS),
                    Map.of("KEEPER_EVENT", "promoted"), stale::get);
            java.util.List<Future<AfterCommandResult>> more = new java.util.ArrayList<>();
            for (int i = 0; i < AfterCommandRunner.MAX_WAITING + 3; i++) {
                more.add(runner.submit(new AfterCommand("true", GENEROUS), Map.of("KEEPER_EVENT", "e" + i)));
            }
            long refused = more.stream().filter(f -> f.isDone()).count();
            assertEquals(4, refused, "16 wait (the promoted hook and 15 more), the rest are refused");
            stale.set("this node stopped being the primary before the command could start");
            Files.writeString(release, "");
            AfterCommandResult r = promoted.get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
            assertFalse(r.succeeded(), r.toString());
            assertTrue(r.startError().startsWith("skipped: this node stopped being the primary"), r.toString());
            assertFalse(Files.exists(out), "the promoted hook did not run");
        }
    }
}
