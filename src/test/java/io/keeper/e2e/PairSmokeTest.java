package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The test bed itself works: two containers, streaming replication, no keeper involved. */
class PairSmokeTest {

    @Test
    void replicationStreamsBetweenTheTwoNodes() throws SQLException {
        try (PgPair pair = PgPair.withoutKeeper()) {
            PgNode primary = pair.node1();
            PgNode standby = pair.node2();
            assertFalse(primary.isInRecovery(), "node1 boots as primary");
            assertTrue(primary.acceptsWrites(), "node1 accepts writes");
            try (Connection c = primary.connect(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE smoke (id int PRIMARY KEY, note text)");
                s.execute("INSERT INTO smoke VALUES (1, 'replicated')");
            }

            assertTrue(standby.isInRecovery(), "node2 boots as standby");
            assertFalse(standby.acceptsWrites(), "node2 is read-only");
            Await.until("row 1 to reach node2", Duration.ofSeconds(30), () -> rowOnStandby(standby),
                    "replicated"::equals);
        }
    }

    private static String rowOnStandby(PgNode standby) {
        try (Connection c = standby.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT note FROM smoke WHERE id = 1")) {
            return rs.next() ? rs.getString(1) : "no row";
        } catch (SQLException e) {
            return e.getMessage();
        }
    }
}
