package io.keeper.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a .pgpass file the way libpq does. */
class PgPassTest {

    @TempDir
    Path dir;

    private Optional<String> lookup(String content, String host, int port, String db, String user)
            throws IOException {
        Path file = privateFile(Files.writeString(dir.resolve("pgpass"), content));
        return PgPass.lookup(file, host, port, db, user);
    }

    @Test
    void firstMatchingLineWins() throws IOException {
        String file = "db1:5432:appdb:app:first\n"
                + "db1:5432:appdb:app:second\n"
                + "*:*:*:*:catch-all\n";

        assertEquals(Optional.of("first"), lookup(file, "db1", 5432, "appdb", "app"));
    }

    @Test
    void catchAllLineBeforeASpecificOneWins() throws IOException {
        String file = "*:*:*:*:catch-all\n"
                + "db1:5432:appdb:app:specific\n";

        assertEquals(Optional.of("catch-all"), lookup(file, "db1", 5432, "appdb", "app"));
    }

    @Test
    void starMatchesAnyValueInItsField() throws IOException {
        String file = "db1:*:appdb:app:any-port\n"
                + "*:5433:*:app:any-host-and-db\n";

        assertEquals(Optional.of("any-port"), lookup(file, "db1", 6000, "appdb", "app"));
        assertEquals(Optional.of("any-host-and-db"), lookup(file, "db9", 5433, "other", "app"));
    }

    @Test
    void escapedColonAndBackslashAreLiteral() throws IOException {
        String file = "db\\:1:5432:app\\\\db:app:pa\\:ss\\\\word\n";

        assertEquals(Optional.of("pa:ss\\word"), lookup(file, "db:1", 5432, "app\\db", "app"));
    }

    @Test
    void commentsAndBlankLinesAreIgnored() throws IOException {
        String file = "# db1:5432:appdb:app:commented-out\n"
                + "\n"
                + "   \n"
                + "db1:5432:appdb:app:real\n";

        assertEquals(Optional.of("real"), lookup(file, "db1", 5432, "appdb", "app"));
    }

    @Test
    void linesWithTooFewFieldsAreSkipped() throws IOException {
        String file = "db1:5432:appdb:app\n"
                + "db1:5432:appdb:app:real\n";

        assertEquals(Optional.of("real"), lookup(file, "db1", 5432, "appdb", "app"));
    }

    @Test
    void windowsLineEndingsAreNotPartOfThePassword() throws IOException {
        assertEquals(Optional.of("secret"), lookup("db1:5432:appdb:app:secret\r\n", "db1", 5432, "appdb", "app"));
    }

    @Test
    void noMatchingLineGivesNothing() throws IOException {
        String file = "db1:5432:appdb:app:secret\n";

        assertEquals(Optional.empty(), lookup(file, "db2", 5432, "appdb", "app"));
        assertEquals(Optional.empty(), lookup(file, "db1", 5433, "appdb", "app"));
        assertEquals(Optional.empty(), lookup(file, "db1", 5432, "other", "app"));
        assertEquals(Optional.empty(), lookup(file, "db1", 5432, "appdb", "bob"));
    }

    @Test
    void unreadableFileGivesNothing() {
        assertEquals(Optional.empty(), PgPass.lookup(dir.resolve("absent"), "db1", 5432, "appdb", "app"));
    }

    @Test
    void locatePrefersThePassfileOptionThenPgpassfile() throws IOException {
        Path option = privateFile(Files.writeString(dir.resolve("option"), ""));
        Path env = privateFile(Files.writeString(dir.resolve("env"), ""));

        assertEquals(Optional.of(option), PgPass.locate(option.toString(), Map.of("PGPASSFILE", env.toString())));
        assertEquals(Optional.of(env), PgPass.locate(null, Map.of("PGPASSFILE", env.toString())));
        assertEquals(Optional.empty(), PgPass.locate(dir.resolve("absent").toString(), Map.of()));
    }

    /** Makes a password file private (0600), as libpq requires. */
    static Path privateFile(Path file) throws java.io.IOException {
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    @Test
    void aFileOthersCanReadIsIgnoredAsLibpqDoes() throws Exception {
        Path file = Files.writeString(dir.resolve("open"), "*:*:*:*:pw\n");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertTrue(PgPass.locate(file.toString(), java.util.Map.of()).isEmpty());
    }

    @Test
    void theAccessWarningIsSaidOncePerFileNotAtEveryReconnect() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(PgPass.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> lines =
                new ch.qos.logback.core.read.ListAppender<>();
        lines.start();
        logger.addAppender(lines);
        try {
            Path file = Files.writeString(dir.resolve("shared"), "*:*:*:*:pw\n");
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
            for (int i = 0; i < 5; i++) {
                assertTrue(PgPass.locate(file.toString(), java.util.Map.of()).isEmpty());
            }
            assertEquals(1, lines.list.size(), lines.list.toString());
            privateFile(file);
            assertTrue(PgPass.locate(file.toString(), java.util.Map.of()).isPresent());
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            assertTrue(PgPass.locate(file.toString(), java.util.Map.of()).isEmpty());
            assertEquals(2, lines.list.size(), "opened up again after a fix: said again");
        } finally {
            logger.detachAppender(lines);
        }
    }

    @Test
    void thePasswordEndsAtTheNextUnescapedColon() throws Exception {
        Path file = privateFile(Files.writeString(dir.resolve("colon"), "*:*:*:*:pw:trailing\n"));
        assertEquals(java.util.Optional.of("pw"), PgPass.lookup(file, "h", 5432, "d", "u"));
    }
}
