package io.keeper.rejoin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The few files of a stopped server's data directory that a rejoin reads or edits: postgresql.auto.conf,
 * standby.signal and backup_label. Files it creates get the data directory's owner, which changes nothing
 * when keeper runs as postgres and keeps them usable when a test runs as root.
 */
final class DataDirectory {

    static final String AUTO_CONF = "postgresql.auto.conf";
    /** The name PostgreSQL itself uses for ALTER SYSTEM's temporary file; pg_rewind and backups skip it. */
    private static final String AUTO_CONF_TMP = "postgresql.auto.conf.tmp";
    static final String STANDBY_SIGNAL = "standby.signal";
    static final String BACKUP_LABEL = "backup_label";

    private final Path directory;

    DataDirectory(Path directory) {
        this.directory = directory;
    }

    Path path() {
        return directory;
    }

    Path autoConf() {
        return directory.resolve(AUTO_CONF);
    }

    /** The raw bytes of postgresql.auto.conf, empty when it does not exist. */
    byte[] autoConfBytes() throws IOException {
        return Files.exists(autoConf()) ? Files.readAllBytes(autoConf()) : new byte[0];
    }

    /** True when an uncommented line of postgresql.auto.conf sets this parameter. */
    boolean setsParameter(String name) throws IOException {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (String line : autoConfLines()) {
            if (wanted.equals(parameterName(line))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Rewrites postgresql.auto.conf without the lines setting these parameters, keeping every other line in
     * order; the server must be stopped. Returns the lines removed.
     */
    List<String> removeParameters(Collection<String> names) throws IOException {
        if (!Files.exists(autoConf())) {
            return List.of();
        }
        Set<String> unwanted = names.stream().map(n -> n.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
        List<String> kept = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        for (String line : autoConfLines()) {
            (unwanted.contains(parameterName(line)) ? removed : kept).add(line);
        }
        if (!removed.isEmpty()) {
            replaceAutoConf(String.join("\n", kept) + "\n");
        }
        return removed;
    }

    /** Appends {@code name = 'value'} (quoted like ALTER SYSTEM does) with a comment line above it. */
    void appendParameter(String name, String value, String comment) throws IOException {
        String existing = new String(autoConfBytes(), StandardCharsets.UTF_8);
        String separator = existing.isEmpty() || existing.endsWith("\n") ? "" : "\n";
        replaceAutoConf(existing + separator + "# " + comment + "\n" + name + " = " + quote(value) + "\n");
    }

    /** Configuration files of this node that pg_rewind would overwrite with the source's, when they live here. */
    static final List<String> OWN_CONFIG_FILES = List.of("postgresql.conf", "pg_hba.conf", "pg_ident.conf", AUTO_CONF);

    /** The contents of this node's own configuration files inside the data directory, by name. */
    java.util.Map<String, byte[]> snapshotConfig() throws IOException {
        java.util.Map<String, byte[]> copies = new java.util.LinkedHashMap<>();
        for (String name : OWN_CONFIG_FILES) {
            Path file = directory.resolve(name);
            if (Files.isRegularFile(file)) {
                copies.put(name, Files.readAllBytes(file));
            }
        }
        return copies;
    }

    /**
     * Puts this node's own configuration back after pg_rewind copied the source's (its port, cluster_name,
     * pg_hba rules), keeping from the rewound postgresql.auto.conf only the primary_conninfo -R wrote.
     * Returns the names of the files restored.
     */
    List<String> restoreConfig(java.util.Map<String, byte[]> copies) throws IOException {
        String conninfoLine = null;
        List<String> lines = autoConfLines();
        for (int i = 0; i < lines.size(); i++) {
            if ("primary_conninfo".equals(parameterName(lines.get(i)))) {
                boolean commented = i > 0 && lines.get(i - 1).startsWith("#");
                conninfoLine = (commented ? lines.get(i - 1) + "\n" : "") + lines.get(i);
            }
        }
        List<String> restored = new ArrayList<>();
        for (java.util.Map.Entry<String, byte[]> copy : copies.entrySet()) {
            Path file = directory.resolve(copy.getKey());
            if (copy.getKey().equals(AUTO_CONF)) {
                replaceAutoConf(new String(copy.getValue(), StandardCharsets.UTF_8));
                // keeper clone's slot lives on the server that was the primary then; the source may not have it.
                removeParameters(List.of("primary_conninfo", "primary_slot_name"));
                if (conninfoLine != null) {
                    String existing = new String(autoConfBytes(), StandardCharsets.UTF_8);
                    String separator = existing.isEmpty() || existing.endsWith("\n") ? "" : "\n";
                    replaceAutoConf(existing + separator + conninfoLine + "\n");
                }
            } else {
                Files.write(file, copy.getValue());
            }
            restored.add(copy.getKey());
        }
        return restored;
    }

    boolean hasStandbySignal() {
        return Files.exists(directory.resolve(STANDBY_SIGNAL));
    }

    void writeStandbySignal() throws IOException {
        Path signal = directory.resolve(STANDBY_SIGNAL);
        Files.write(signal, new byte[0], StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        Files.setPosixFilePermissions(signal, PosixFilePermissions.fromString("rw-------"));
        giveToOwnerOfDataDirectory(signal);
    }

    /**
     * True when an earlier pg_rewind finished here and the server has not started since: pg_rewind writes
     * backup_label ("BACKUP METHOD: pg_rewind") before it updates the control file, and -R writes
     * standby.signal last. Such a directory is in archive recovery, so pg_rewind would refuse it and
     * single-user mode cannot run with standby.signal; starting it as a standby is all that is left.
     */
    boolean rewoundEarlier() throws IOException {
        Path label = directory.resolve(BACKUP_LABEL);
        return hasStandbySignal() && Files.exists(label)
                && Files.readString(label, StandardCharsets.UTF_8).contains("BACKUP METHOD: pg_rewind");
    }

    /** Creates the directory of the server log file (and its parents) if missing, mode 0700. */
    void createLogDirectory(Path logFile) throws IOException {
        Path dir = logFile.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            giveToOwnerOfDataDirectory(dir);
        }
    }

    /** The lower-case parameter a line sets, or null for a comment or blank line. */
    static String parameterName(String line) {
        String s = line.strip();
        if (s.isEmpty() || s.startsWith("#")) {
            return null;
        }
        int end = 0;
        while (end < s.length() && (Character.isLetterOrDigit(s.charAt(end)) || s.charAt(end) == '_'
                || s.charAt(end) == '.')) {
            end++;
        }
        return end == 0 ? null : s.substring(0, end).toLowerCase(Locale.ROOT);
    }

    /** A value quoted the way ALTER SYSTEM writes it: in single quotes, with ' and \ doubled. */
    static String quote(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /** The value the last uncommented line of postgresql.auto.conf gives this parameter, if any. */
    java.util.Optional<String> parameterValue(String name) throws IOException {
        String wanted = name.toLowerCase(Locale.ROOT);
        String value = null;
        for (String line : autoConfLines()) {
            if (wanted.equals(parameterName(line))) {
                value = valueOf(line.strip().substring(wanted.length()));
            }
        }
        return java.util.Optional.ofNullable(value);
    }

    /** The value part of "name = 'va''lue'" (what follows the name): unquoted, '' and \\ undone. */
    static String valueOf(String rest) {
        String s = rest.strip();
        if (s.startsWith("=")) {
            s = s.substring(1).strip();
        }
        if (!s.startsWith("'")) {
            int end = s.indexOf(' ');
            return end < 0 ? s : s.substring(0, end);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                out.append(s.charAt(++i));
            } else if (c == '\'' && i + 1 < s.length() && s.charAt(i + 1) == '\'') {
                out.append('\'');
                i++;
            } else if (c == '\'') {
                break;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private List<String> autoConfLines() throws IOException {
        return Files.exists(autoConf()) ? Files.readAllLines(autoConf(), StandardCharsets.UTF_8) : List.of();
    }

    /** Writes a temporary file with the same mode and owner, flushes it, then renames it over the original. */
    private void replaceAutoConf(String content) throws IOException {
        Path tmp = directory.resolve(AUTO_CONF_TMP);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                ch.write(buffer);
            }
            ch.force(true);
        }
        if (Files.exists(autoConf())) {
            Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(autoConf()));
            UserPrincipal owner = Files.getOwner(autoConf());
            if (!owner.equals(Files.getOwner(tmp))) {
                Files.setOwner(tmp, owner);
            }
        } else {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            giveToOwnerOfDataDirectory(tmp);
        }
        Files.move(tmp, autoConf(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private void giveToOwnerOfDataDirectory(Path file) throws IOException {
        UserPrincipal owner = Files.getOwner(directory);
        if (!owner.equals(Files.getOwner(file))) {
            Files.setOwner(file, owner);
        }
    }
}
