package io.keeper.clone;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The local data directory a clone fills: which one (--pgdata, data_directory, the distribution's default), whether
 * it may be filled (absent or empty, no server running on it), where an old one is moved aside, and the directory of
 * this node's own postgresql.conf when it lives outside the data directory (Debian's /etc/postgresql/MAJOR/CLUSTER).
 */
final class CloneTarget {

    /** What is at the path now. */
    enum State { ABSENT, EMPTY, NOT_EMPTY, RUNNING, NOT_A_DIRECTORY }

    /** The data directory and where the choice came from ("--pgdata", "data_directory in FILE", ...). */
    record Choice(Path directory, String source) {
    }

    /** What is at the path; {@code entries} names a few files, {@code pid} the running postmaster. */
    record Inspection(State state, List<String> entries, long pid) {
    }

    private static final DateTimeFormatter ASIDE_STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");
    private static final Pattern DATA_DIRECTORY = Pattern.compile("^\\s*data_directory\\s*=?\\s*'((?:[^']|'')*)'");

    private CloneTarget() {
    }

    /**
     * --pgdata, else data_directory, else the default of the distribution for the primary's major version: Debian's
     * /var/lib/postgresql/MAJOR/main, or /var/lib/pgsql/MAJOR/data where only the PGDG RPM layout exists.
     */
    static Choice choose(Path option, String setting, Path configFile, int major, Predicate<Path> exists) {
        if (option != null) {
            return new Choice(option.toAbsolutePath().normalize(), "--pgdata");
        }
        if (setting != null && !setting.isBlank()) {
            return new Choice(Path.of(setting.strip()), "data_directory in " + configFile);
        }
        boolean rpm = exists.test(Path.of("/var/lib/pgsql")) && !exists.test(Path.of("/var/lib/postgresql"));
        Path dir = rpm ? Path.of("/var/lib/pgsql", String.valueOf(major), "data")
                : Path.of("/var/lib/postgresql", String.valueOf(major), "main");
        return new Choice(dir, "the default for PostgreSQL " + major + (rpm ? " (PGDG RPM layout)" : " on Debian"));
    }

    static Inspection inspect(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return new Inspection(State.ABSENT, List.of(), 0);
        }
        if (!Files.isDirectory(dir)) {
            return new Inspection(State.NOT_A_DIRECTORY, List.of(), 0);
        }
        List<String> entries = new ArrayList<>();
        long count = 0;
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                if (count++ < 3) {
                    entries.add(child.getFileName().toString());
                }
            }
        }
        if (count == 0) {
            return new Inspection(State.EMPTY, List.of(), 0);
        }
        long pid = runningPostmaster(dir);
        return new Inspection(pid > 0 ? State.RUNNING : State.NOT_EMPTY, entries, pid);
    }

    /**
     * Why the clone must not fill this directory, or empty: a server runs on it, it is no directory, it is not empty
     * (without --force), or it is absent and its parent is not writable by this OS user.
     */
    static Optional<String> refusal(Path dir, Inspection target, boolean force, boolean parentWritable, String osUser) {
        return Optional.ofNullable(switch (target.state()) {
            case RUNNING -> "a server is running on " + dir + " (postmaster pid " + target.pid() + "): a standby that"
                    + " already runs needs no clone; to replace it, stop it first";
            case NOT_A_DIRECTORY -> dir + " exists and is not a directory";
            case NOT_EMPTY -> force ? null : dir + " is not empty (" + String.join(", ", target.entries())
                    + (target.entries().size() == 3 ? ", ..." : "") + "): refusing to overwrite it; empty it, or run"
                    + " again with --force to move it aside to " + dir.getFileName() + ".keeper-old-TIMESTAMP";
            case ABSENT -> parentWritable ? null : "cannot create " + dir + ": " + dir.toAbsolutePath().getParent()
                    + " is missing or not writable by OS user " + osUser;
            case EMPTY -> null;
        });
    }

    /** The pid in postmaster.pid when that process is alive and a postgres, else 0 (a stale file after a crash). */
    static long runningPostmaster(Path dir) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
            long pid = lines.isEmpty() ? 0 : Long.parseLong(lines.get(0).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(p -> p.info().command().map(c -> c.contains("postgres")).orElse(true))
                    .map(p -> pid).orElse(0L);
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /**
     * PostgreSQL refuses a data directory others may enter, and pg_basebackup keeps the mode of an existing one: an
     * empty directory with a wider mode than 0750 is set to 0700. Returns what was done, if anything.
     */
    static Optional<String> restrictMode(Path dir) throws IOException {
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(dir));
        if (mode.matches("rwx(---|r-x)---")) {
            return Optional.empty();
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        return Optional.of("set the mode of the empty " + dir + " to 0700 (it was " + mode
                + "; PostgreSQL refuses a data directory others may enter)");
    }

    /** DIR.keeper-old-20261207T031500 beside DIR. */
    static Path asideName(Path dir, LocalDateTime now) {
        return dir.resolveSibling(dir.getFileName() + ".keeper-old-" + ASIDE_STAMP.format(now));
    }

    /**
     * Debian's configuration directory of this data directory: the /etc/postgresql/MAJOR/* whose postgresql.conf
     * names it as data_directory, else /etc/postgresql/MAJOR/NAME for a data directory called NAME.
     */
    static Optional<Path> debianConfigDirectory(Path etcRoot, int major, Path dataDirectory) throws IOException {
        Path versionDir = etcRoot.resolve(String.valueOf(major));
        if (!Files.isDirectory(versionDir)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> clusters = Files.newDirectoryStream(versionDir, Files::isDirectory)) {
            for (Path cluster : clusters) {
                Optional<Path> named = namedDataDirectory(cluster.resolve("postgresql.conf"));
                if (named.isPresent() && named.get().equals(dataDirectory)) {
                    return Optional.of(cluster);
                }
            }
        }
        Path byName = versionDir.resolve(dataDirectory.getFileName().toString());
        return Files.isRegularFile(byName.resolve("postgresql.conf")) ? Optional.of(byName) : Optional.empty();
    }

    /** The data_directory a postgresql.conf sets (its last uncommented line), if any. */
    static Optional<Path> namedDataDirectory(Path postgresqlConf) throws IOException {
        if (!Files.isRegularFile(postgresqlConf)) {
            return Optional.empty();
        }
        Path named = null;
        for (String line : Files.readAllLines(postgresqlConf, StandardCharsets.UTF_8)) {
            Matcher m = DATA_DIRECTORY.matcher(line);
            if (m.find()) {
                named = Path.of(m.group(1).replace("''", "'"));
            }
        }
        return Optional.ofNullable(named);
    }
}
