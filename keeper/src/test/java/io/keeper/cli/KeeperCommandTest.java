package io.keeper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KeeperCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = KeeperCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    private Path write(String text) throws Exception {
        Path file = dir.resolve("keeper.conf");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void checkConfigPrintsEffectiveSettingsWithPasswordsMasked() throws Exception {
        Path file = write("node_name = n1\nmy_conninfo = 'host=a password=hunter2'\npartner_conninfo = 'host=b'\n");
        assertEquals(0, run("check-config", "-c", file.toString()));
        assertTrue(out.toString().contains("node_name = 'n1'"), out.toString());
        assertTrue(out.toString().contains("keepalive_time = '5s'    # default"), out.toString());
        assertFalse(out.toString().contains("hunter2"), out.toString());
    }

    @Test
    void badConfigurationExitsTwoWithFileAndLineAndNoStackTrace() throws Exception {
        Path file = write("my_conninfo = 'host=a'\npartner_conninfo = 'host=b'\nkeepalive_count = -3\n");
        assertEquals(2, run("check-config", "-c", file.toString()));
        assertEquals(file + ":3: invalid value for keepalive_count: '-3': must be at least 1",
                err.toString().strip());
    }

    @Test
    void runRefusesABadConfigurationWithExitTwoBeforeConnectingAnywhere() throws Exception {
        Path file = write("my_conninfo = 'host=a'\npartner_conninfo = 'host=b'\nbogus = 1\n");
        assertEquals(2, run("run", "-c", file.toString()));
        assertEquals(file + ":3: unknown setting bogus = '1'", err.toString().strip());
    }

    @Test
    void aMissingFileIsAConfigurationError() {
        assertEquals(2, run("check-config", "-c", dir.resolve("missing.conf").toString()));
        assertTrue(err.toString().contains("cannot read configuration file"), err.toString());
    }

    @Test
    void unknownSubcommandIsBadUsage() {
        assertEquals(2, run("frobnicate"));
    }

    @Test
    void aBadPauseLengthIsOneLineAndExitTwo() throws Exception {
        Path file = write("my_conninfo = 'host=a'\npartner_conninfo = 'host=b'\n");
        assertEquals(2, run("pause", "-c", file.toString(), "--for", "ten minutes"));
        assertEquals("keeper: Invalid value for option '--for': 'ten minutes': expected a time such as 5s, 500ms,"
                + " 1min (units: ms, s, min, h, d) (see: keeper pause --help)", err.toString().strip());
        assertEquals(0, out.toString().length());
    }

    @Test
    void versionAndHelpExitZero() {
        assertEquals(0, run("--version"));
        assertTrue(out.toString().startsWith("keeper "), out.toString());
        assertEquals(0, run("--help"));
        assertTrue(out.toString().contains("check-config"));
    }
}
