package io.keeper.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloneTargetTest {

    private static final Path CONF = Path.of("/etc/keeper/keeper.conf");

    @TempDir
    Path tmp;

    @Test
    void pgdataOptionWinsOverTheSettingAndTheDefault() {
        assertEquals(new CloneTarget.Choice(Path.of("/srv/pg"), "--pgdata"),
                CloneTarget.choose(Path.of("/srv/pg"), "/var/lib/postgresql/15/main", CONF, 15, p -> true));
        assertEquals(new CloneTarget.Choice(Path.of("/data/pg15"), "data_directory in /etc/keeper/keeper.conf"),
                CloneTarget.choose(null, "/data/pg15", CONF, 15, p -> true));
    }

    @Test
    void defaultsToTheDistributionsDirectoryForThePrimarysMajorVersion() {
        assertEquals(Path.of("/var/lib/postgresql/16/main"), CloneTarget.choose(null, "", CONF, 16, p -> false)
                .directory());
        Set<Path> rpmHost = Set.of(Path.of("/var/lib/pgsql"));
        assertEquals(Path.of("/var/lib/pgsql/15/data"), CloneTarget.choose(null, " ", CONF, 15, rpmHost::contains)
                .directory());
    }

    @Test
    void tellsAbsentEmptyAndNotEmptyApart() throws Exception {
        Path dir = tmp.resolve("data");
        assertEquals(CloneTarget.State.ABSENT, CloneTarget.inspect(dir).state());
        Files.createDirectory(dir);
        assertEquals(CloneTarget.State.EMPTY, CloneTarget.inspect(dir).state());
        Files.writeString(dir.resolve("PG_VERSION"), "15\n");
        assertEquals(new CloneTarget.Inspection(CloneTarget.State.NOT_EMPTY, List.of("PG_VERSION"), 0),
                CloneTarget.inspect(dir));
        Files.writeString(tmp.resolve("file"), "x");
        assertEquals(CloneTarget.State.NOT_A_DIRECTORY, CloneTarget.inspect(tmp.resolve("file")).state());
    }

    @Test
    void aLivePostmasterMeansRunningAStaleOneDoesNot() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("data"));
        Files.writeString(dir.resolve("postmaster.pid"), "999999999\n" + dir + "\n");
        assertEquals(CloneTarget.State.NOT_EMPTY, CloneTarget.inspect(dir).state(), "no such process: stale");
        Files.writeString(dir.resolve("postmaster.pid"), ProcessHandle.current().pid() + "\n");
        assertEquals(CloneTarget.State.NOT_EMPTY, CloneTarget.inspect(dir).state(), "alive, but java, not postgres");
    }

    @Test
    void refusesARunningServerAlwaysAndADirectoryThatIsNotEmptyWithoutForce() {
        Path dir = Path.of("/var/lib/postgresql/15/main");
        CloneTarget.Inspection running = new CloneTarget.Inspection(CloneTarget.State.RUNNING, List.of("PG_VERSION"), 42);
        assertEquals(Optional.of("a server is running on " + dir + " (postmaster pid 42): a standby that already runs"
                + " needs no clone; to replace it, stop it first"), CloneTarget.refusal(dir, running, true, true, "u"));
        CloneTarget.Inspection full = new CloneTarget.Inspection(CloneTarget.State.NOT_EMPTY,
                List.of("PG_VERSION", "base", "global"), 0);
        assertEquals(Optional.of(dir + " is not empty (PG_VERSION, base, global, ...): refusing to overwrite it; empty"
                + " it, or run again with --force to move it aside to main.keeper-old-TIMESTAMP"),
                CloneTarget.refusal(dir, full, false, true, "u"));
        assertEquals(Optional.empty(), CloneTarget.refusal(dir, full, true, true, "u"));
        CloneTarget.Inspection absent = new CloneTarget.Inspection(CloneTarget.State.ABSENT, List.of(), 0);
        assertEquals(Optional.of("cannot create " + dir + ": /var/lib/postgresql/15 is missing or not writable by OS"
                + " user postgres"), CloneTarget.refusal(dir, absent, false, false, "postgres"));
        assertEquals(Optional.empty(), CloneTarget.refusal(dir, absent, false, true, "postgres"));
    }

    @Test
    void anEmptyDirectoryOthersMayEnterIsSetTo0700() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("data"));
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        assertTrue(CloneTarget.restrictMode(dir).isPresent());
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir)));
        assertEquals(Optional.empty(), CloneTarget.restrictMode(dir), "0700 is left alone");
    }

    @Test
    void movesAsideBesideTheDirectoryWithATimestamp() {
        assertEquals(Path.of("/var/lib/postgresql/15/main.keeper-old-20261207T031500"), CloneTarget.asideName(
                Path.of("/var/lib/postgresql/15/main"), LocalDateTime.of(2026, 12, 7, 3, 15, 0)));
    }

    @Test
    void findsDebiansConfigurationDirectoryByItsDataDirectory() throws Exception {
        Path etc = tmp.resolve("etc");
        Path other = Files.createDirectories(etc.resolve("15/other"));
        Files.writeString(other.resolve("postgresql.conf"), "# data_directory = '/srv/standby'\n"
                + "data_directory = '/srv/standby'\nport = 5433\n");
        Path main = Files.createDirectories(etc.resolve("15/main"));
        Files.writeString(main.resolve("postgresql.conf"), "data_directory = '/var/lib/postgresql/15/main'\n");
        assertEquals(Optional.of(other), CloneTarget.debianConfigDirectory(etc, 15, Path.of("/srv/standby")));
        assertEquals(Optional.of(main), CloneTarget.debianConfigDirectory(etc, 15, Path.of("/var/lib/postgresql/15/main")));
        assertEquals(Optional.empty(), CloneTarget.debianConfigDirectory(etc, 16, Path.of("/var/lib/postgresql/16/main")));
        assertEquals(Optional.empty(), CloneTarget.debianConfigDirectory(etc, 15, Path.of("/srv/elsewhere")));
    }
}
