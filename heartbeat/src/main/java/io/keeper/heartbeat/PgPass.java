package io.keeper.heartbeat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.nio.file.attribute.PosixFilePermission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads a libpq password file (.pgpass) the way libpq does: first matching line wins, '*' matches anything. */
public final class PgPass {

    private static final Logger LOG = LoggerFactory.getLogger(PgPass.class);
    /** Files already warned about: every reconnect looks the file up again, the warning is said once per file. */
    private static final Set<Path> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private PgPass() {
    }

    /** The password file to use: the passfile option, else PGPASSFILE, else ~/.pgpass; empty if none exists. */
    static Optional<Path> locate(String passfileOption, Map<String, String> env) {
        String name = passfileOption != null ? passfileOption : env.get("PGPASSFILE");
        Path path = name != null ? Path.of(name) : Path.of(System.getProperty("user.home"), ".pgpass");
        if (!Files.isReadable(path)) {
            return Optional.empty();
        }
        if (openToOthers(path)) {
            if (WARNED.add(path)) {
                LOG.warn("Password file {} has group or world access; ignored, as libpq does (chmod 0600 {})", path,
                        path);
            }
            return Optional.empty();
        }
        WARNED.remove(path); // fixed: should it open up again, that is said again
        return Optional.of(path);
    }

    private static boolean openToOthers(Path path) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(path);
            return perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    static Optional<String> lookup(Path file, String host, int port, String db, String user) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return Optional.empty();
        }
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> fields = split(line);
            if (fields.size() < 5) {
                continue;
            }
            if (matches(fields.get(0), host) && matches(fields.get(1), String.valueOf(port))
                    && matches(fields.get(2), db) && matches(fields.get(3), user)) {
                return Optional.of(fields.get(4));
            }
        }
        return Optional.empty();
    }

    private static boolean matches(String pattern, String value) {
        return "*".equals(pattern) || pattern.equals(value);
    }

    /** Splits on ':' honouring the backslash escapes libpq allows (\: and \\). */
    private static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (c == ':') {
                if (out.size() == 4) {
                    break; // like libpq: the password ends at the next unescaped colon
                }
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
