package io.keeper.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.heartbeat.Conninfo;
import io.keeper.heartbeat.JdbcServerProbe;
import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ProbeOutcome;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.rejoin.LocalServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** host=DIRECTORY, as in libpq: keeper probes a real PostgreSQL 15 through its Unix-domain socket. */
class UnixSocketOnRealServerTest {

    private static final int PORT = 56151;

    @TempDir
    Path tmp;

    private LocalServers servers;

    @BeforeEach
    void server() throws Exception {
        servers = LocalServers.assumeAvailable(tmp);
        servers.initdb("s", PORT);
        servers.start(servers.conf("s"));
    }

    @AfterEach
    void stop() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    private ProbeResult probe(String conninfo) {
        try (JdbcServerProbe probe = new JdbcServerProbe(new PgSession(Conninfo.parse(conninfo), Map.of(),
                Duration.ofSeconds(5), "socket-test"))) {
            return probe.probe();
        }
    }

    @Test
    void theServerAnswersThroughItsSocketDirectory() {
        // the socket file is tmp/.s.PGSQL.56151; local connections are trusted (initdb --auth-local=trust)
        ProbeResult result = probe("host=" + tmp + " port=" + PORT + " user=postgres dbname=postgres");
        assertTrue(result.answered(), result.describe());
        assertFalse(result.state().inRecovery());
    }

    @Test
    void aDirectoryWithoutTheSocketIsUnreachableAndSaysWhere() {
        ProbeResult result = probe("host=" + tmp.resolve("nowhere") + " port=" + PORT + " user=postgres");
        assertEquals(ProbeOutcome.UNREACHABLE, result.outcome(), result.describe());
        assertTrue(result.describe().contains(".s.PGSQL." + PORT), result.describe());
    }
}
