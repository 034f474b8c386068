package io.keeper.rejoin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The commands keeper runs for a demotion or rejoin (pg_ctl, pg_rewind) and what they inherit. */
class ProcessCommandRunnerTest {

    @Test
    void aCommandNeverInheritsSystemdsNotifySocketButGetsWhatKeeperPasses() throws Exception {
        assertEquals("/run/systemd/notify", System.getenv("NOTIFY_SOCKET"), "the pom sets it, as systemd does");
        List<String> lines = new ArrayList<>();
        CommandRunner.Completed done = new ProcessCommandRunner(List.of()).run(List.of("env"),
                Map.of("PGPASSFILE", "/var/lib/postgresql/.pgpass"), Duration.ofSeconds(30), lines::add);
        assertEquals(0, done.exitCode(), done.toString());
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("NOTIFY_SOCKET=") || l.startsWith("WATCHDOG_")),
                "a PostgreSQL started by pg_ctl would speak for keeper's unit: " + lines);
        assertTrue(lines.contains("PGPASSFILE=/var/lib/postgresql/.pgpass"), lines.toString());
    }
}
