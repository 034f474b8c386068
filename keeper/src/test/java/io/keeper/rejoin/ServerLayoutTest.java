package io.keeper.rejoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the layout from SHOW and the prerequisites reported at start-up. */
class ServerLayoutTest {

    @TempDir
    Path tmp;

    private static final Map<String, String> DEBIAN_SERVER = Map.of(
            "data_directory", "/var/lib/postgresql/15/main",
            "config_file", "/etc/postgresql/15/main/postgresql.conf",
            "server_version_num", "150005",
            "wal_log_hints", "on",
            "data_checksums", "off");

    @Test
    void readsTheLayoutFromShowAndDefaultsToTheDebianBindir() throws SQLException {
        ServerLayout layout = ServerLayout.read(answering(DEBIAN_SERVER), "");

        assertEquals(new ServerLayout(Path.of("/var/lib/postgresql/15/main"),
                Path.of("/etc/postgresql/15/main/postgresql.conf"), Path.of("/usr/lib/postgresql/15/bin"), 15, true,
                false), layout);
        assertEquals(Path.of("/etc/postgresql/15/main"), layout.configDirectory());
    }

    @Test
    void usesTheConfiguredBindir() throws SQLException {
        assertEquals(Path.of("/usr/pgsql-15/bin"), ServerLayout.read(answering(DEBIAN_SERVER), " /usr/pgsql-15/bin ")
                .bindir());
        assertEquals(Path.of("/usr/lib/postgresql/15/bin"), ServerLayout.read(answering(DEBIAN_SERVER), null)
                .bindir());
    }

    @Test
    void aShowThatFailsSaysWhichSettingAndKeepsTheSqlState() {
        SQLException e = assertThrows(SQLException.class, () -> ServerLayout.read(answering(Map.of()), ""));

        assertEquals("reading the server layout: SHOW data_directory failed: must be superuser or have privileges"
                + " of pg_read_all_settings to examine \"data_directory\"", e.getMessage());
        assertEquals("42501", e.getSQLState());
    }

    @Test
    void theConfigDirectoryIsTheDataDirectoryWhenPostgresqlConfIsInside() {
        Path data = Path.of("/var/lib/pgsql/15/data");
        ServerLayout layout = new ServerLayout(data, data.resolve("postgresql.conf"), Path.of("/usr/pgsql-15/bin"),
                15, true, false);

        assertEquals(data, layout.configDirectory());
    }

    @Test
    void reportsNothingWhenEverythingIsInPlace() throws IOException {
        assertEquals(List.of(), layoutWithTools("pg_ctl", "pg_rewind", "postgres").rewindProblems());
    }

    @Test
    void reportsAServerWithNeitherWalLogHintsNorChecksums() throws IOException {
        Path bin = tools("pg_ctl", "pg_rewind", "postgres");
        ServerLayout neither = new ServerLayout(tmp, tmp.resolve("postgresql.conf"), bin, 15, false, false);
        ServerLayout checksums = new ServerLayout(tmp, tmp.resolve("postgresql.conf"), bin, 15, false, true);

        assertEquals(List.of("pg_rewind needs wal_log_hints = on or data checksums; this server has neither"),
                neither.rewindProblems());
        assertEquals(List.of(), checksums.rewindProblems());
    }

    @Test
    void namesAMissingOrNonExecutableProgram() throws IOException {
        ServerLayout layout = layoutWithTools("pg_ctl", "postgres");
        Path pgCtl = layout.bindir().resolve("pg_ctl");
        Files.setPosixFilePermissions(pgCtl, PosixFilePermissions.fromString("rw-r--r--"));

        List<String> problems = layout.rewindProblems();

        // No x bit at all: not executable even for root, so this holds when the tests run as root.
        assertTrue(problems.contains("pg_rewind not found at " + layout.bindir().resolve("pg_rewind")
                + " (is the PostgreSQL 15 bindir right?)"), problems.toString());
        assertTrue(problems.contains("pg_ctl at " + pgCtl + " is not an executable file for this user"),
                problems.toString());
    }

    @Test
    void reportsAConfigFileThatPgCtlCannotFindByDirectory() throws IOException {
        Path bin = tools("pg_ctl", "pg_rewind", "postgres");
        ServerLayout layout = new ServerLayout(tmp, Path.of("/etc/pg/main.conf"), bin, 15, true, false);

        assertEquals(List.of("config_file /etc/pg/main.conf is not named postgresql.conf, so pg_ctl -D /etc/pg"
                + " cannot find it"), layout.rewindProblems());
    }

    @Test
    void takesTheMajorVersionFromServerVersionNum() throws SQLException {
        assertEquals(15, ServerLayout.majorVersion("150005"));
        assertEquals(16, ServerLayout.majorVersion("160002"));
        assertThrows(SQLException.class, () -> ServerLayout.majorVersion("15.5"));
    }

    private ServerLayout layoutWithTools(String... names) throws IOException {
        return new ServerLayout(tmp, tmp.resolve("postgresql.conf"), tools(names), 15, true, false);
    }

    private Path tools(String... names) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        for (String name : names) {
            Path program = bin.resolve(name);
            Files.writeString(program, "#!/bin/sh\n");
            Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return bin;
    }

    /** A connection whose SHOW answers come from the map; a setting not in it fails like a missing privilege. */
    private static Connection answering(Map<String, String> settings) {
        return proxy(Connection.class, (method, args) -> switch (method) {
            case "createStatement" -> proxy(Statement.class, (m, a) -> switch (m) {
                case "executeQuery" -> result(settings, ((String) a[0]).substring("SHOW ".length()));
                case "close" -> null;
                default -> throw new UnsupportedOperationException(m);
            });
            default -> throw new UnsupportedOperationException(method);
        });
    }

    private static ResultSet result(Map<String, String> settings, String name) throws SQLException {
        String value = settings.get(name);
        if (value == null) {
            throw new SQLException("must be superuser or have privileges of pg_read_all_settings to examine \""
                    + name + "\"", "42501");
        }
        boolean[] read = {false};
        return proxy(ResultSet.class, (m, a) -> switch (m) {
            case "next" -> {
                boolean first = !read[0];
                read[0] = true;
                yield first;
            }
            case "getString" -> value;
            case "close" -> null;
            default -> throw new UnsupportedOperationException(m);
        });
    }

    /** Just enough of a JDBC interface: the method name and arguments decide the answer. */
    @FunctionalInterface
    private interface Answer {
        Object answer(String method, Object[] args) throws Exception;
    }

    private static <T> T proxy(Class<T> type, Answer answer) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (p, method, args) -> answer.answer(method.getName(), args)));
    }
}
