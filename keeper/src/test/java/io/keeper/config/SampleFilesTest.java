package io.keeper.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.lease.WitnessLease;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The shipped conf/keeper.conf and sql/*.sql agree with the code. */
class SampleFilesTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @Test
    void sampleConfigParsesAndShowsEveryKeyWithItsDefault() throws Exception {
        Path sample = ROOT.resolve("conf/keeper.conf");
        KeeperConfig parsed = KeeperConfig.load(sample);
        assertEquals("failover_log", parsed.failoverLogTable());
        String text = Files.readString(sample);
        for (Setting s : Setting.values()) {
            if (s.required()) {
                assertTrue(text.contains("\n" + s.key() + " = "), "sample sets " + s.key());
            } else if (s == Setting.NODE_NAME || s.defaultValue().isEmpty()) {
                assertTrue(text.contains("#" + s.key() + " = ''"), "sample shows " + s.key());
            } else {
                String shown = s.type() == ValueType.STRING || s.type() == ValueType.TABLE_NAME
                        || s.type() == ValueType.SUPERSEDED_ACTION || s.type() == ValueType.KEY_PREFIX ? "'" + s.defaultValue() + "'" : s.defaultValue();
                assertTrue(text.contains("#" + s.key() + " = " + shown), "sample shows " + s.key() + " = " + shown);
            }
        }
    }

    @Test
    void leaseScriptHoldsTheSameTableDefinitionAsTheCode() throws Exception {
        String script = Files.readString(ROOT.resolve("sql/keeper_lease.sql"));
        assertTrue(script.contains(WitnessLease.DDL + ";"), "sql/keeper_lease.sql matches the code");
    }

    @Test
    void sqlScriptHoldsTheSameTableDefinitionAsTheCode() throws Exception {
        String script = Files.readString(ROOT.resolve("sql/failover_log.sql"));
        assertTrue(script.contains(new FailoverLogTable("failover_log").ddl()), "sql/failover_log.sql matches the code");
    }
}
