package io.keeper.heartbeat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * libpq's connection service file: {@code service=NAME} takes NAME's settings from the user's file (PGSERVICEFILE,
 * else ~/.pg_service.conf), else from the system's (PGSYSCONFDIR/pg_service.conf, Debian's
 * /etc/postgresql-common by default). Read here rather than by the JDBC driver, whose parser refuses libpq's own
 * key names (application_name) and then forgets the whole service.
 */
final class ServiceFile {

    /** Where Debian's libpq looks when PGSYSCONFDIR is not set. */
    static final String DEFAULT_SYSCONFDIR = "/etc/postgresql-common";

    private ServiceFile() {
    }

    /** NAME's settings; throws IllegalArgumentException naming the files looked at, or the bad line. */
    static Map<String, String> lookup(String name, Map<String, String> env) {
        if (name.isBlank()) {
            throw new IllegalArgumentException("service is empty");
        }
        List<Path> files = new ArrayList<>();
        String userFile = env.get("PGSERVICEFILE");
        String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        files.add(userFile != null ? Path.of(userFile) : Path.of(home, ".pg_service.conf"));
        files.add(Path.of(env.getOrDefault("PGSYSCONFDIR", DEFAULT_SYSCONFDIR), "pg_service.conf"));
        for (Path file : files) {
            Optional<Map<String, String>> found = read(file, name);
            if (found.isPresent()) {
                return found.get();
            }
        }
        throw new IllegalArgumentException("service \"" + name + "\" not found in " + files.get(0) + " or "
                + files.get(1));
    }

    private static Optional<Map<String, String>> read(Path file, String name) {
        if (!Files.isReadable(file)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read service file " + file + ": " + e.getMessage());
        }
        Map<String, String> settings = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (settings != null) {
                    break; // the next service begins
                }
                if (line.equals("[" + name + "]")) {
                    settings = new LinkedHashMap<>();
                }
                continue;
            }
            if (settings == null) {
                continue;
            }
            int eq = line.indexOf('=');
            String key = eq < 0 ? line : line.substring(0, eq).strip();
            if (eq < 0 || !Conninfo.KNOWN_KEYS.contains(key) || "service".equals(key)) {
                // never the value: it may be a password
                throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + (eq < 0 ? "expected key=value"
                        : "unknown connection option \"" + key + "\"") + " in service \"" + name + "\"");
            }
            settings.put(key, line.substring(eq + 1).strip());
        }
        return Optional.ofNullable(settings);
    }
}
