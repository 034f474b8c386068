package io.keeper.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keeper.heartbeat.Conninfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The password reaches pg_basebackup through its environment only, and only where libpq would not find it. */
class ClonePasswordTest {

    private static final Conninfo PARTNER = Conninfo.parse("host=node1 port=5432 dbname=postgres user=postgres");

    @TempDir
    Path tmp;

    @Test
    void thePasswordOfPartnerConninfoGoesAsPgpassword() {
        Conninfo withPassword = Conninfo.parse("host=node1 dbname=postgres user=postgres password=s3cret");
        assertEquals("s3cret", Clone.childEnvironment(withPassword, Map.of()).get("PGPASSWORD"));
    }

    @Test
    void anInheritedPgpasswordIsLeftAsItIs() {
        assertEquals(null, Clone.childEnvironment(PARTNER, Map.of("PGPASSWORD", "x")).get("PGPASSWORD"));
    }

    @Test
    void aPgpassLineLibpqFindsForReplicationIsLeftToLibpq() throws Exception {
        Path pgpass = pgpass("node1:5432:*:postgres:from-file\n");
        Map<String, String> child = Clone.childEnvironment(PARTNER, Map.of("PGPASSFILE", pgpass.toString()));
        assertEquals(null, child.get("PGPASSWORD"));
        assertEquals("C", child.get("LC_ALL"));
    }

    @Test
    void aPgpassLineForTheConninfosDatabaseOnlyIsPassedOn() throws Exception {
        Path pgpass = pgpass("node1:5432:postgres:postgres:db-only\n");
        assertEquals("db-only", Clone.childEnvironment(PARTNER, Map.of("PGPASSFILE", pgpass.toString()))
                .get("PGPASSWORD"));
    }

    private Path pgpass(String content) throws Exception {
        Path file = tmp.resolve("pgpass");
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
