package io.keeper.role;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.rejoin.LocalServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What keeper writes into SQL text on a real server, from sessions with standard_conforming_strings off (where a
 * backslash in an ordinary string literal escapes the quote after it): setting values that try to end their literal,
 * and failover_log tables named with reserved words. Runs only as root beside PostgreSQL 15.
 */
@Timeout(60)
class SqlQuotingOnRealServerTest {

    private static final int PORT = 56141;
    /** Ends an ordinary literal early when backslashes escape, then tries to run a statement of its own. */
    private static final String HOSTILE = "it's a \\' trap'; CREATE TABLE pwned (); -- and a \\\\ backslash";

    @TempDir
    Path tmp;

    private LocalServers servers;

    @BeforeEach
    void server() throws Exception {
        servers = LocalServers.assumeAvailable(tmp);
        servers.initdb("q", PORT);
        servers.start(servers.conf("q"));
    }

    @AfterEach
    void stop() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    private static Connection legacyStrings() throws Exception {
        Connection c = LocalServers.connect(PORT);
        try (Statement st = c.createStatement()) {
            st.execute("SET standard_conforming_strings = off");
            st.execute("SET escape_string_warning = off");
        }
        return c;
    }

    @Test
    void aSettingValueIsStoredExactlyWhateverItHolds() throws Exception {
        try (Connection c = legacyStrings()) {
            ServerSettings.alter(c, "keeper.fenced", HOSTILE);
        }
        Thread.sleep(300); // the reload
        try (Connection c = LocalServers.connect(PORT)) {
            assertEquals(List.of(HOSTILE), LocalServers.query(c, "SELECT current_setting('keeper.fenced')"));
            assertEquals(List.of("f"), LocalServers.query(c, "SELECT to_regclass('pwned') IS NOT NULL"));
        }
    }

    @Test
    void failoverLogTablesNamedWithReservedWordsWork() throws Exception {
        for (String name : List.of("order", "user.select", "keeper.failover_log")) {
            FailoverLogTable table = new FailoverLogTable(name);
            try (Connection c = legacyStrings()) {
                assertEquals(true, table.createIfMissing(c), name);
                assertEquals(false, table.createIfMissing(c), name + " exists now");
                table.insert(c, "node1", "promoted", 2, "0/3000060", "node2", HOSTILE, 7L);
                List<FailoverLogEntry> rows = table.readAll(c);
                assertEquals(1, rows.size(), name);
                assertEquals(HOSTILE, rows.get(0).reason(), name);
                assertEquals(7L, rows.get(0).term(), name);
            }
        }
    }
}
