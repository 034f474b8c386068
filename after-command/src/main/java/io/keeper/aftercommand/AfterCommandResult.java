package io.keeper.aftercommand;

import java.time.Duration;
import java.util.Objects;

/**
 * How one after-command run ended: its exit code, or why it has none.
 *
 * @param exitCode    the shell's exit code, or {@link #NO_EXIT_CODE} when it timed out, was interrupted
 *                    or could not start
 * @param timedOut    the command ran past its timeout and its process tree was killed
 * @param elapsed     time from start to the end of the run, including the kill
 * @param interrupted the waiting thread was interrupted (keeper is shutting down) and the process tree
 *                    was killed
 * @param startError  why the shell could not be started, or {@code null} if it started
 */
public record AfterCommandResult(int exitCode, boolean timedOut, Duration elapsed, boolean interrupted,
                                 String startError) {

    /** The exit code reported when the command did not exit on its own. */
    public static final int NO_EXIT_CODE = -1;

    public AfterCommandResult {
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** No command is configured, so nothing ran; this counts as success. */
    public static AfterCommandResult nothingConfigured() {
        return new AfterCommandResult(0, false, Duration.ZERO, false, null);
    }

    /** The command exited on its own with the given code. */
    public static AfterCommandResult exited(int exitCode, Duration elapsed) {
        return new AfterCommandResult(exitCode, false, elapsed, false, null);
    }

    /** The command ran past its timeout and was killed. */
    public static AfterCommandResult timedOutAfter(Duration elapsed) {
        return new AfterCommandResult(NO_EXIT_CODE, true, elapsed, false, null);
    }

    /** The wait for the command was interrupted and the command was killed. */
    public static AfterCommandResult interruptedAfter(Duration elapsed) {
        return new AfterCommandResult(NO_EXIT_CODE, false, elapsed, true, null);
    }

    /** The command could not be started at all. */
    public static AfterCommandResult couldNotStart(String error) {
        return new AfterCommandResult(NO_EXIT_CODE, false, Duration.ZERO, false,
                Objects.requireNonNull(error, "error"));
    }

    /** True if the command exited with code 0, or if there was nothing to run. */
    public boolean succeeded() {
        return exitCode == 0 && !timedOut && !interrupted && startError == null;
    }
}
