package io.keeper.aftercommand;

import static io.keeper.aftercommand.TestProcesses.backgroundSleep;
import static io.keeper.aftercommand.TestProcesses.isRunning;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Runs real commands through /bin/sh and checks their results, their environment, the log and the kill. */
class AfterCommandTest {

    private static final Duration GENEROUS = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(AfterCommand.class);

    @BeforeEach
    void captureLog() {
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(log);
    }

    @Test
    void passesKeeperVariablesToTheCommand() throws Exception {
        Path out = dir.resolve("env.txt");
        AfterCommandResult result = new AfterCommand("env > \"$OUT\"", GENEROUS)
                .run(Map.of("KEEPER_EVENT", "promote", "KEEPER_ROLE", "primary", "OUT", out.toString()));

        assertTrue(result.succeeded(), result.toString());
        List<String> env = Files.readAllLines(out);
        assertTrue(env.contains("KEEPER_EVENT=promote"), env.toString());
        assertTrue(env.contains("KEEPER_ROLE=primary"), env.toString());
        assertTrue(env.stream().anyMatch(line -> line.startsWith("PATH=")), "inherits keeper's environment");
    }

    @Test
    void givesTheCommandAnEmptyStdin() {
        AfterCommandResult result = new AfterCommand("cat", GENEROUS).run(Map.of());

        assertTrue(result.succeeded(), "cat must see end of input instead of waiting: " + result);
    }

    @Test
    void reportsNonZeroExit() {
        AfterCommandResult result = new AfterCommand("exit 3", GENEROUS).run(Map.of("KEEPER_EVENT", "demote"));

        assertEquals(3, result.exitCode());
        assertFalse(result.succeeded());
        assertFalse(result.timedOut());
        assertTrue(logged(Level.WARN, "after_command[demote] exited with code 3 after "));
    }

    @Test
    void reportsAMissingCommandAsExitCode127() {
        AfterCommandResult result = new AfterCommand("/no/such/command --now", GENEROUS).run(Map.of());

        assertEquals(127, result.exitCode());
        assertTrue(logged(Level.WARN, "after_command[-] err: "), "the shell's complaint reaches the log");
    }

    @Test
    void reportsAShellThatCannotStartInsteadOfThrowing() {
        AfterCommandResult result = new AfterCommand("true", GENEROUS, "/no/such/shell").run(Map.of());

        assertNotNull(result.startError());
        assertEquals(AfterCommandResult.NO_EXIT_CODE, result.exitCode());
        assertFalse(result.succeeded());
    }

    @Test
    void blankCommandRunsNothing() {
        for (String blank : new String[] {null, "", "   "}) {
            AfterCommandResult result = new AfterCommand(blank, GENEROUS).run(Map.of("KEEPER_EVENT", "promote"));

            assertEquals(AfterCommandResult.nothingConfigured(), result);
            assertTrue(result.succeeded());
        }
        assertFalse(logged(Level.INFO, "starting"), "no process was started");
    }

    @Test
    void copiesOutputIntoTheLog() {
        new AfterCommand("echo hello; echo oops >&2", GENEROUS).run(Map.of("KEEPER_EVENT", "promote"));

        assertTrue(logged(Level.INFO, "after_command[promote] out: hello"));
        assertTrue(logged(Level.WARN, "after_command[promote] err: oops"));
    }

    @Test
    void neverPassesAPasswordFromKeepersEnvironmentAndLogsTheCommandAsShown() throws Exception {
        assertEquals("from-keepers-environment", System.getenv("PGPASSWORD"), "the pom sets it for this test");
        Path out = dir.resolve("env.txt");
        AfterCommandResult result = new AfterCommand("env > \"$OUT\" # password=hunter2", "env > \"$OUT\" # password=****",
                GENEROUS).run(Map.of("KEEPER_EVENT", "promoted", "OUT", out.toString()));
        assertTrue(result.succeeded(), result.toString());
        List<String> env = Files.readAllLines(out);
        assertTrue(env.stream().noneMatch(line -> line.startsWith("PGPASSWORD=")), env.toString());
        assertEquals("/run/systemd/notify", System.getenv("NOTIFY_SOCKET"), "the pom sets it, as systemd does");
        assertTrue(env.stream().noneMatch(line -> line.startsWith("NOTIFY_SOCKET=") || line.startsWith("WATCHDOG_")),
                "the command cannot speak for keeper's unit: " + env);
        assertTrue(env.contains("KEEPER_EVENT=promoted"), env.toString());
        assertTrue(logged(Level.INFO, "starting: env > \"$OUT\" # password=****"));
        assertTrue(log.list.stream().noneMatch(e -> e.getFormattedMessage().contains("hunter2")));
    }

    @Test
    void logsStartAndExitWithElapsedTime() {
        new AfterCommand("true", GENEROUS).run(Map.of("KEEPER_EVENT", "promote"));

        assertTrue(logged(Level.INFO, "after_command[promote] starting: true (timeout 10000 ms)"));
        assertTrue(logged(Level.INFO, "after_command[promote] exited with code 0 after "));
    }

    @Test
    void killsACommandTheShellRunsDirectlyAtTimeout() {
        // "sh -c 'sleep 300'" usually execs sleep, so the process to kill is the direct child itself.
        AfterCommandResult result = new AfterCommand("sleep 300", Duration.ofMillis(300)).run(Map.of());

        assertTrue(result.timedOut());
        assertEquals(AfterCommandResult.NO_EXIT_CODE, result.exitCode());
        assertTrue(result.elapsed().compareTo(Duration.ofSeconds(5)) < 0, result.toString());
        assertTrue(ProcessHandle.current().children().noneMatch(child -> isRunning(child.pid())));
        assertTrue(logged(Level.WARN, "after_command[-] timed out after 300 ms"));
    }

    @Test
    void killsTheWholeProcessTreeAtTimeout() throws Exception {
        String command = backgroundSleep("child", 300) + "; (" + backgroundSleep("grandchild", 301) + "; wait) & wait";

        AfterCommandResult result = new AfterCommand(command, Duration.ofSeconds(1))
                .run(Map.of("PIDS", dir.toString()));

        assertTrue(result.timedOut());
        assertFalse(isRunning(TestProcesses.readPid(dir.resolve("child"))), "background child still runs");
        assertFalse(isRunning(TestProcesses.readPid(dir.resolve("grandchild"))), "grandchild still runs");
    }

    @Test
    void forceKillsAProcessTreeThatIgnoresSigterm() throws Exception {
        // An ignored signal stays ignored in children, so the background sleep ignores SIGTERM too.
        String command = "trap '' TERM; " + backgroundSleep("child", 300) + "; wait";

        AfterCommandResult result = new AfterCommand(command, Duration.ofMillis(500))
                .run(Map.of("PIDS", dir.toString()));

        assertTrue(result.timedOut());
        assertFalse(isRunning(TestProcesses.readPid(dir.resolve("child"))), "background child still runs");
        assertTrue(logged(Level.WARN, "ignored SIGTERM"));
    }

    @Test
    void returnsWhenABackgroundChildKeepsTheOutputOpen() throws Exception {
        long pid = -1;
        try {
            AfterCommandResult result = new AfterCommand(backgroundSleep("child", 300) + "; echo done", GENEROUS)
                    .run(Map.of("PIDS", dir.toString()));
            pid = TestProcesses.readPid(dir.resolve("child"));

            assertTrue(result.succeeded(), result.toString());
            assertTrue(result.elapsed().compareTo(Duration.ofSeconds(5)) < 0, result.toString());
            assertTrue(logged(Level.INFO, "after_command[-] out: done"));
        } finally {
            TestProcesses.killQuietly(pid);
        }
    }

    @Test
    void interruptKillsTheTreeAndKeepsTheInterruptFlag() throws Exception {
        AfterCommand command = new AfterCommand(backgroundSleep("child", 300) + "; wait", GENEROUS);
        AtomicReference<AfterCommandResult> result = new AtomicReference<>();
        AtomicBoolean flagKept = new AtomicBoolean();
        Thread caller = new Thread(() -> {
            result.set(command.run(Map.of("PIDS", dir.toString())));
            flagKept.set(Thread.currentThread().isInterrupted());
        });
        caller.start();
        long pid = TestProcesses.awaitPid(dir.resolve("child"), Duration.ofSeconds(5));

        caller.interrupt();
        caller.join(GENEROUS.toMillis());

        assertFalse(caller.isAlive(), "run() returned after the interrupt");
        assertTrue(result.get().interrupted(), String.valueOf(result.get()));
        assertTrue(flagKept.get(), "interrupt flag restored");
        assertFalse(isRunning(pid), "background child still runs");
    }

    private boolean logged(Level level, String text) {
        return log.list.stream()
                .anyMatch(event -> event.getLevel() == level && event.getFormattedMessage().contains(text));
    }
}
