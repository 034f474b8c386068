package io.keeper.role;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.heartbeat.Conninfo;
import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ServerState;
import io.keeper.rejoin.LocalServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * keeper's promotion of a real standby: announced first, wal_retrieve_retry_interval shortened for it and put back
 * as it was. Runs only as root beside PostgreSQL 15.
 */
@Timeout(90)
class PromotionOnRealServersTest {

    private static final int PRIMARY = 56131;
    private static final int STANDBY = 56132;

    @TempDir
    Path tmp;

    private LocalServers servers;
    private PgSession session;
    private JdbcLocalServer standby;

    @BeforeEach
    void pair() throws Exception {
        servers = LocalServers.assumeAvailable(tmp);
        servers.initdb("p", PRIMARY);
        servers.start(servers.conf("p"));
        Path data = tmp.resolve("s-data");
        Path conf = Files.createDirectory(tmp.resolve("s-conf"));
        Files.setOwner(conf, Files.getOwner(tmp));
        servers.postgres("pg_basebackup", "-h", "127.0.0.1", "-p", String.valueOf(PRIMARY), "-U", "postgres", "-D",
                data.toString(), "-c", "fast", "-R");
        for (String file : List.of("pg_hba.conf", "pg_ident.conf")) {
            Files.copy(servers.conf("p").resolve(file), conf.resolve(file));
            Files.setOwner(conf.resolve(file), Files.getOwner(tmp));
        }
        Files.writeString(conf.resolve("postgresql.conf"), Files.readString(servers.conf("p").resolve("postgresql.conf"))
                .replace(tmp.resolve("p-data").toString(), data.toString())
                .replace(servers.conf("p").toString(), conf.toString())
                .replace("port = " + PRIMARY, "port = " + STANDBY));
        Files.setOwner(conf.resolve("postgresql.conf"), Files.getOwner(tmp));
        servers.start(conf);
        session = new PgSession(Conninfo.parse("host=127.0.0.1 port=" + STANDBY + " user=postgres dbname=postgres"
                + " password=" + LocalServers.PASSWORD), Map.of(), Duration.ofSeconds(5), "promotion-test");
        standby = new JdbcLocalServer(session, new FailoverLogTable("failover_log"));
    }

    @AfterEach
    void stop() throws Exception {
        if (session != null) {
            session.close();
        }
        if (servers != null) {
            servers.close();
        }
    }

    private static String retrySetting() throws Exception {
        try (Connection c = LocalServers.connect(STANDBY)) {
            return LocalServers.query(c, "SHOW wal_retrieve_retry_interval").get(0);
        }
    }

    @Test
    void promotesAndPutsTheRetryIntervalBackAsItWas() throws Exception {
        assertEquals("5s", retrySetting());
        standby.announce("promoted", 2);

        ServerState promoted = standby.promote(Duration.ofSeconds(30));

        assertFalse(promoted.inRecovery());
        assertEquals(2, promoted.timeline());
        assertEquals("5s", retrySetting(), "back to the default from postgresql.conf");
        String autoConf = Files.readString(tmp.resolve("s-data/postgresql.auto.conf"));
        assertFalse(autoConf.contains("wal_retrieve_retry_interval"), autoConf);
        assertTrue(autoConf.contains("keeper.pending_event = 'promoted'"), autoConf);
    }

    @Test
    void aRetryIntervalSetWithAlterSystemIsRestoredToItsValue() throws Exception {
        servers.psql(STANDBY, "ALTER SYSTEM SET wal_retrieve_retry_interval = '3s'", "SELECT pg_reload_conf()");
        Thread.sleep(200);
        standby.promote(Duration.ofSeconds(30));
        assertEquals("3s", retrySetting());
    }
}
