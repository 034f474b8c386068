package io.keeper.rejoin;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The command lines of a rejoin, built from the server layout; nothing here runs anything. */
final class PgCommands {

    private final ServerLayout layout;

    PgCommands(ServerLayout layout) {
        this.layout = layout;
    }

    /** pg_ctl -D names the directory of postgresql.conf; pg_ctl finds the data directory from there. */
    List<String> stop(Duration wait) {
        return List.of(program("pg_ctl"), "stop", "-D", configDirectory(), "-m", "fast", "-w", "-t", seconds(wait));
    }

    /**
     * Immediate shutdown: every backend is killed at once, so no commit is acknowledged after the signal; the
     * next start replays the WAL as after a crash.
     */
    List<String> stopImmediately(Duration wait) {
        return List.of(program("pg_ctl"), "stop", "-D", configDirectory(), "-m", "immediate", "-w", "-t",
                seconds(wait));
    }

    /** Exit code 3 means no server is running. */
    List<String> status() {
        return List.of(program("pg_ctl"), "status", "-D", configDirectory());
    }

    /**
     * --no-ensure-shutdown: keeper finishes crash recovery itself (see {@link #singleUser()}), because
     * pg_rewind's own single-user run looks for postgresql.conf in the data directory unless given
     * --config-file, which only exists from PostgreSQL 15 on, and would hide that step's time and output.
     */
    List<String> rewind(String sourceConninfo) {
        return List.of(program("pg_rewind"), "--target-pgdata=" + layout.dataDirectory(),
                "--source-server=" + sourceConninfo, "--write-recovery-conf", "--progress", "--no-ensure-shutdown");
    }

    /** Single-user mode replays WAL, then shuts down cleanly at the end of its input (stdin is /dev/null). */
    List<String> singleUser() {
        return List.of(program("postgres"), "--single", "-D", layout.dataDirectory().toString(),
                "-c", "config_file=" + layout.configFile(), "template1");
    }

    /** -l is required: without it the server would inherit keeper's output pipe. */
    List<String> start(Path logFile, Duration wait) {
        return List.of(program("pg_ctl"), "start", "-D", configDirectory(), "-l", logFile.toString(), "-w", "-t",
                seconds(wait));
    }

    private String program(String name) {
        return layout.program(name).toString();
    }

    private String configDirectory() {
        return layout.configDirectory().toString();
    }

    private static String seconds(Duration d) {
        return String.valueOf(Math.max(1, d.toSeconds()));
    }
}
