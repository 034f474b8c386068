package io.keeper.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeeperConfigTest {

    private static final String REQUIRED = "my_conninfo = 'host=127.0.0.1 port=5432 user=postgres'\n"
            + "partner_conninfo = 'host=10.0.0.2 port=5432 user=postgres'\n";

    @TempDir
    Path dir;

    private KeeperConfig load(String text) throws IOException, ConfigException {
        Path file = dir.resolve("keeper.conf");
        Files.writeString(file, text);
        return KeeperConfig.load(file);
    }

    private List<String> problems(String text) throws IOException {
        return assertThrows(ConfigException.class, () -> load(text)).problems();
    }

    @Test
    void appliesDefaultsToKeysNotInTheFile() throws Exception {
        KeeperConfig c = load(REQUIRED);
        assertEquals(Duration.ofSeconds(5), c.keepaliveTime());
        assertEquals(4, c.keepaliveCount());
        assertEquals("", c.afterCommand());
        assertEquals(Duration.ofSeconds(60), c.afterCommandTimeout());
        assertEquals("failover_log", c.failoverLogTable());
        assertFalse(c.nodeName().isBlank());
        assertEquals("default", c.origins().get(Setting.KEEPALIVE_TIME));
        assertEquals(Duration.ofSeconds(20), c.detectionWindow());
    }

    @Test
    void readsTimeValuesInEveryUnitAndBareSeconds() throws Exception {
        assertEquals(Duration.ofMillis(250), load(REQUIRED + "keepalive_time = 250ms").keepaliveTime());
        assertEquals(Duration.ofSeconds(2), load(REQUIRED + "keepalive_time = 2s").keepaliveTime());
        assertEquals(Duration.ofSeconds(3), load(REQUIRED + "keepalive_time = 3").keepaliveTime());
        assertEquals(Duration.ofMinutes(1), load(REQUIRED + "keepalive_time = 1min").keepaliveTime());
        assertEquals(Duration.ofHours(2), load(REQUIRED + "after_command_timeout = 2h").afterCommandTimeout());
        assertEquals(Duration.ofDays(1), load(REQUIRED + "after_command_timeout = '1 d'").afterCommandTimeout());
        assertEquals(Duration.ofMillis(1500), load(REQUIRED + "keepalive_time = 1.5s").keepaliveTime());
    }

    @Test
    void acceptsAPgKeeperBlockWithPrefixesAndAliases() throws Exception {
        KeeperConfig c = load(REQUIRED
                + "pg_keeper.keepalives_time = 2\n"
                + "pg_keeper.keepalives_count = 3\n"
                + "keeper.after_command = 'touch /tmp/x'\n");
        assertEquals(Duration.ofSeconds(2), c.keepaliveTime());
        assertEquals(3, c.keepaliveCount());
        assertEquals("touch /tmp/x", c.afterCommand());
    }

    @Test
    void unknownKeyNamesFileLineKeyValueAndSuggestsTheNearestKey() throws Exception {
        List<String> p = problems(REQUIRED + "keepalive_tme = 5s\n");
        assertEquals(1, p.size());
        String file = dir.resolve("keeper.conf").toString();
        assertEquals(file + ":3: unknown setting keepalive_tme = '5s' (did you mean keepalive_time?)", p.get(0));
    }

    @Test
    void unknownKeyFarFromAnyKeyGetsNoSuggestion() throws Exception {
        String p = problems(REQUIRED + "colour = 'blue'\n").get(0);
        assertTrue(p.endsWith("unknown setting colour = 'blue'"), p);
    }

    @Test
    void pgKeeperNodeConninfoKeysExplainWhatToUseInstead() throws Exception {
        String p = problems(REQUIRED + "pg_keeper.node1_conninfo = 'host=a'\n").get(0);
        assertTrue(p.contains("my_conninfo") && p.contains("partner_conninfo"), p);
    }

    @Test
    void badValueNamesFileLineKeyValueAndReason() throws Exception {
        String file = dir.resolve("keeper.conf").toString();
        List<String> p = problems(REQUIRED + "keepalive_time = 5parsecs\nkeepalive_count = many\n");
        assertEquals(2, p.size());
        assertTrue(p.get(0).startsWith(file + ":3: invalid value for keepalive_time: '5parsecs': unknown time unit"),
                p.get(0));
        assertTrue(p.get(1).startsWith(file + ":4: invalid value for keepalive_count: 'many'"), p.get(1));
    }

    @Test
    void rejectsValuesBelowTheMinimum() throws Exception {
        assertTrue(problems(REQUIRED + "keepalive_time = 50ms").get(0).contains("must be at least 100ms"));
        assertTrue(problems(REQUIRED + "keepalive_count = 0").get(0).contains("must be at least 1"));
        assertTrue(problems(REQUIRED + "after_command_timeout = 10ms").get(0).contains("must be at least 1s"));
    }

    @Test
    void reportsAMissingRequiredKey() throws Exception {
        String p = problems("my_conninfo = 'host=a'\n").get(0);
        assertTrue(p.contains("missing required setting partner_conninfo"), p);
    }

    @Test
    void neverPrintsAPasswordInAnError() throws Exception {
        List<String> p = problems("my_conninfo = 'host=a password=hunter2 bogus=1'\n"
                + "partner_conninfo = 'postgresql://u:hunter2@b:notaport/db'\n");
        assertEquals(2, p.size());
        for (String line : p) {
            assertFalse(line.contains("hunter2"), line);
        }
        assertTrue(p.get(0).contains("unknown connection option \"bogus\""), p.get(0));
    }

    @Test
    void describeMasksPasswords() throws Exception {
        KeeperConfig c = load("my_conninfo = 'host=a password=hunter2'\n"
                + "partner_conninfo = 'postgresql://u:hunter2@b/db'\n");
        String all = String.join("\n", c.describe());
        assertFalse(all.contains("hunter2"), all);
        assertTrue(all.contains("password=********"), all);
    }

    @Test
    void rejectsPartnerThatIsTheSameServerAsThisNode() throws Exception {
        String p = problems("my_conninfo = 'host=a'\npartner_conninfo = 'host=a'\n").get(0);
        assertTrue(p.contains("partner_conninfo") && p.contains("same server"), p);
    }

    @Test
    void rejectsATableNameThatIsNotASimpleIdentifier() throws Exception {
        String p = problems(REQUIRED + "failover_log_table = 'x; DROP TABLE y'").get(0);
        assertTrue(p.contains("invalid value for failover_log_table"), p);
        assertEquals("keeper.failover_log", load(REQUIRED + "failover_log_table = keeper.failover_log")
                .failoverLogTable());
    }

    @Test
    void laterLinesOverrideEarlierOnesAsInPostgresqlConf() throws Exception {
        assertEquals(7, load(REQUIRED + "keepalive_count = 3\nkeepalive_count = 7\n").keepaliveCount());
    }

    @Test
    void namesTheKeysWhoseChangeNeedsARestart() throws Exception {
        KeeperConfig before = load(REQUIRED);
        KeeperConfig after = load(REQUIRED.replace("10.0.0.2", "10.0.0.3") + "keepalive_time = 1s\n"
                + "failover_log_table = other_log\n");
        assertEquals(List.of("partner_conninfo", "failover_log_table"), before.restartRequiredChanges(after));
    }

    @Test
    void reportsAMissingFileInOneLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> KeeperConfig.load(dir.resolve("nope.conf")));
        assertEquals(dir.resolve("nope.conf") + ": cannot read configuration file: no such file", e.getMessage());
    }

    @Test
    void readsAnEtcdArbiterWithItsDefaults() throws Exception {
        KeeperConfig c = load(REQUIRED + "etcd_endpoints = 'http://e1:2379, http://e2:2379,http://e3:2379/'\n");
        EtcdSettings etcd = c.etcd().orElseThrow();
        assertEquals(3, etcd.endpoints().size());
        assertEquals("e2", etcd.endpoints().get(1).getHost());
        assertEquals("/keeper", etcd.prefix());
        assertTrue(c.hasArbiter());
        assertEquals("etcd http://e1:2379,http://e2:2379,http://e3:2379/ (prefix /keeper)", c.arbiterDescription());
        assertFalse(load(REQUIRED).hasArbiter());
    }

    @Test
    void refusesTwoArbitersAndNamesBothLines() throws Exception {
        String file = dir.resolve("keeper.conf").toString();
        List<String> p = problems(REQUIRED + "witness_conninfo = 'host=w'\netcd_endpoints = 'http://e1:2379'\n");
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith(file + ":4: etcd_endpoints and witness_conninfo (" + file + ":3) are both set"),
                p.get(0));
    }

    @Test
    void namesTheBadEndpointURL() throws Exception {
        String p = problems(REQUIRED + "etcd_endpoints = 'http://e1:2379,e2:2379'\n").get(0);
        assertTrue(p.contains("invalid value for etcd_endpoints") && p.contains("\"e2:2379\" is not an endpoint URL"),
                p);
        assertTrue(problems(REQUIRED + "etcd_endpoints = 'http://e1'").get(0).contains("\"http://e1\""));
        assertTrue(problems(REQUIRED + "etcd_endpoints = 'http://u:pw@e1:2379'").get(0).contains("without a path or user"));
        assertTrue(problems(REQUIRED + "etcd_endpoints = 'http://e1:2379,http://e1:2379'").get(0)
                .contains("listed twice"));
        assertTrue(problems(REQUIRED + "etcd_endpoints = 'http://e1:2379,https://e2:2379'").get(0)
                .contains("mixes http and https"));
        assertTrue(problems(REQUIRED + "etcd_endpoints = 'http://e1:2379'\netcd_prefix = 'keeper/'").get(0)
                .contains("invalid value for etcd_prefix"));
    }

    @Test
    void etcdOptionsNeedEndpointsAndComeInPairs() throws Exception {
        assertTrue(problems(REQUIRED + "etcd_user = 'keeper'\n").get(0)
                .contains("etcd_user is set but etcd_endpoints is not"));
        String e = "etcd_endpoints = 'https://e1:2379'\n";
        assertTrue(problems(REQUIRED + e + "etcd_user = 'keeper'\n").get(0).contains("etcd_user is set without etcd_password"));
        assertTrue(problems(REQUIRED + e + "etcd_key = '/k.pem'\n").get(0).contains("etcd_key is set without etcd_cert"));
    }

    @Test
    void neverShowsTheEtcdPassword() throws Exception {
        KeeperConfig c = load(REQUIRED + "etcd_endpoints = 'http://e1:2379'\netcd_user = 'keeper'\n"
                + "etcd_password = 'hunter2'\n");
        String all = String.join("\n", c.describe()) + c.etcd().orElseThrow() + c.arbiterDescription();
        assertFalse(all.contains("hunter2"), all);
        assertEquals("hunter2", c.etcd().orElseThrow().password());
        KeeperConfig changed = load(REQUIRED + "etcd_endpoints = 'http://e1:2379'\netcd_user = 'keeper'\n"
                + "etcd_password = 'other'\n");
        assertEquals(List.of("etcd_password"), c.restartRequiredChanges(changed));
    }

    @Test
    void nodeNamesAreLimitedToADocumentedCharacterSet() throws Exception {
        assertEquals("pg-east.example_1", load(REQUIRED + "node_name = 'pg-east.example_1'").nodeName());
        for (String bad : List.of("'node 1'", "'-lead'", "'n\u00f6de'", "'x'';DROP'", "'" + "a".repeat(64) + "'")) {
            String p = problems(REQUIRED + "node_name = " + bad + "\n").get(0);
            assertTrue(p.contains("invalid value for node_name") && p.contains("ASCII letters, digits"), p);
        }
    }

    @Test
    void aPasswordInsideAfterCommandIsMaskedWhenShown() throws Exception {
        KeeperConfig c = load(REQUIRED + "after_command = 'psql \"host=db password=hunter2\" -c \"select 1\"'\n");
        String all = String.join("\n", c.describe());
        assertFalse(all.contains("hunter2"), all);
        assertTrue(c.afterCommand().contains("hunter2"), "the command itself is unchanged");
    }

    @Test
    void aLineThatIsNotUtf8IsNamedWithItsByte() throws Exception {
        Path file = dir.resolve("latin1.conf");
        Files.write(file, "my_conninfo = 'host=a'\npartner_conninfo = 'host=b'\nnode_name = 'caf\u00e9'\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        List<String> p = assertThrows(ConfigException.class, () -> KeeperConfig.load(file)).problems();
        assertEquals(List.of(file + ":3: not UTF-8 text (byte 0xe9 at byte 17 of the line)"), p);
    }

    @Test
    void aSettingGivenTwiceEvenThroughAnAliasIsWarnedAboutNamingBothLines() throws Exception {
        KeeperConfig c = load(REQUIRED + "keepalive_time = 2s\npg_keeper.keepalives_time = 3s\n");
        String file = dir.resolve("keeper.conf").toString();
        assertEquals(Duration.ofSeconds(3), c.keepaliveTime(), "the later line wins, as in postgresql.conf");
        assertEquals(List.of(file + ":4: keepalive_time is set again (first at line 3); this line wins"), c.warnings());
        assertEquals(List.of(), load(REQUIRED).warnings());
    }
}
