package io.keeper.rejoin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A data directory whose server is not running yet, as keeper guard sees it before PostgreSQL starts: its version,
 * whether it will boot as a standby, keeper's settings in postgresql.auto.conf and pg_controldata's facts; and the
 * one change the guard makes, setting it up to boot as a standby of the partner.
 */
public final class StoppedServer {

    /** What pg_controldata says; timeline -1 and systemIdentifier 0 when a line is missing. */
    public record ControlData(String state, int timeline, long systemIdentifier) {
    }

    private final DataDirectory data;

    public StoppedServer(Path dataDirectory) {
        this.data = new DataDirectory(dataDirectory);
    }

    public Path path() {
        return data.path();
    }

    /** The major version in PG_VERSION, or empty when this is not a data directory. */
    public Optional<Integer> majorVersion() {
        Path version = data.path().resolve("PG_VERSION");
        try {
            return Optional.of(Integer.parseInt(Files.readString(version, StandardCharsets.UTF_8).strip()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** standby.signal or recovery.signal: the server starts in recovery and cannot take writes. */
    public boolean bootsInRecovery() {
        return data.hasStandbySignal() || Files.exists(data.path().resolve("recovery.signal"));
    }

    /** A setting keeper stored with ALTER SYSTEM (keeper.term, keeper.fenced, keeper.node_name). */
    public Optional<String> autoConfSetting(String name) throws IOException {
        return data.parameterValue(name);
    }

    /** Runs pg_controldata from {@code bindir} (LC_ALL=C, so its labels are the English ones). */
    public ControlData controlData(Path bindir, Duration timeout) throws IOException, InterruptedException {
        CommandRunner.Completed done = new ProcessCommandRunner(List.of()).run(
                List.of(bindir.resolve("pg_controldata").toString(), "-D", data.path().toString()),
                Map.of("LC_ALL", "C"), timeout, line -> { });
        if (done.timedOut() || !done.succeeded()) {
            throw new IOException("pg_controldata -D " + data.path() + " " + (done.timedOut() ? "timed out"
                    : "exited with " + done.exitCode() + ": " + done.lastLine()));
        }
        return parse(done.output());
    }

    static ControlData parse(List<String> lines) {
        Map<String, String> values = new HashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                values.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        }
        return new ControlData(values.getOrDefault("Database cluster state", ""),
                parseInt(values.get("Latest checkpoint's TimeLineID")),
                parseLong(values.get("Database system identifier")));
    }

    private static int parseInt(String s) {
        try {
            return s == null ? -1 : Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long parseLong(String s) {
        try {
            return s == null ? 0 : Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * Makes the server boot as a standby of the partner: standby.signal, primary_conninfo and keeper.fenced with
     * the reason, in postgresql.auto.conf (the same files a demotion writes).
     */
    public void prepareStandby(String partnerConninfo, String password, String reason) throws IOException {
        Demotion.configureStandby(data, partnerConninfo, password, reason);
    }
}
