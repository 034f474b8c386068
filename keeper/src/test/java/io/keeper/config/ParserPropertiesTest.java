package io.keeper.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.keeper.heartbeat.Conninfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Properties of keeper's parsers, checked on many generated inputs from fixed seeds (reproducible; a failure names
 * the seed and the input): whatever a configuration file holds, loading it succeeds or throws a ConfigException
 * whose every problem is one line starting with file:line; a value parser and the conninfo parser throw only
 * IllegalArgumentException, with a message; a configuration keeper prints parses back to the same settings.
 */
class ParserPropertiesTest {

    private static final long SEED = 20261207L;
    private static final List<String> KEYS = java.util.Arrays.stream(Setting.values()).map(Setting::key).toList();
    private static final String[] TRICKY_KEYS = {"pg_keeper.keepalives_time", "keeper.keepalive_count",
        "keepalives_count", "node1_conninfo", "include", "", "=", "#", "my_conninfo\u0000"};
    private static final String[] TRICKY_VALUES = {"1s", "250ms", "0", "-1", "99999999999999999999",
        "9223372036854775808ms", "1e309", "16MB", "18446744073709551616GB", "order", "user.select", "select",
        "'host=a port=99999'", "'host=a password=x\\'y'", "'http://e1:2379,http://e1:2379'", "''", "'", "fence",
        "'x'' ; DROP'", "\u0000", "\uFFFF", "NaN", "'\\'", "1 2", "2147483648", "-2147483649", "0x10", "1.5e3s",
        "'\u00e9t\u00e9'", "\t", "\r", "'postgresql://u:p@h:5432/db?password=z'"};

    @TempDir
    Path dir;

    private Path write(byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(dir, "prop", ".conf"), bytes);
    }

    /** Loading succeeds, or fails with one-line problems that each start with file:line: (or file: for the file). */
    private void loadsOrNamesFileAndLine(byte[] bytes, String input) throws IOException {
        Path file = write(bytes);
        try {
            KeeperConfig.load(file);
        } catch (ConfigException e) {
            assertFalse(e.problems().isEmpty(), input);
            for (String problem : e.problems()) {
                // file:line: for what a line holds; file: alone for what the file lacks (a required setting)
                assertTrue(problem.matches(java.util.regex.Pattern.quote(file.toString()) + "(:\\d+)?: .*"),
                        "problem without file:line: " + problem + "\n  input: " + input);
                assertFalse(problem.contains("\n"), "one line per problem: " + problem);
            }
        } catch (RuntimeException e) {
            fail("loading threw " + e + "\n  input: " + input, e);
        }
    }

    private static String show(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(bytes.length, 200); i++) {
            out.append(String.format("%02x", bytes[i]));
        }
        return bytes.length + " bytes: " + out;
    }

    @Test
    void anyBytesAsTheConfigurationFileEndInAConfigExceptionAtWorst() throws IOException {
        Random random = new Random(SEED);
        for (int i = 0; i < 400; i++) {
            byte[] bytes = new byte[random.nextInt(300)];
            random.nextBytes(bytes);
            loadsOrNamesFileAndLine(bytes, "seed " + SEED + " try " + i + ", " + show(bytes));
        }
    }

    @Test
    void anyLinesOfKeysAndValuesEndInAConfigExceptionAtWorst() throws IOException {
        Random random = new Random(SEED + 1);
        for (int i = 0; i < 400; i++) {
            StringBuilder text = new StringBuilder("my_conninfo = 'host=a'\npartner_conninfo = 'host=b'\n");
            int lines = random.nextInt(12);
            for (int l = 0; l < lines; l++) {
                String key = random.nextInt(4) == 0 ? TRICKY_KEYS[random.nextInt(TRICKY_KEYS.length)]
                        : KEYS.get(random.nextInt(KEYS.size()));
                String value = switch (random.nextInt(4)) {
                    case 0 -> randomText(random, 30);
                    case 1 -> "'" + "a'b ".repeat(2000 + random.nextInt(3000)) + "'";
                    default -> TRICKY_VALUES[random.nextInt(TRICKY_VALUES.length)];
                };
                text.append(key).append(random.nextBoolean() ? " = " : "=").append(value).append('\n');
            }
            String input = text.toString();
            loadsOrNamesFileAndLine(input.getBytes(StandardCharsets.UTF_8), "seed " + (SEED + 1) + " try " + i
                    + ":\n" + (input.length() > 600 ? input.substring(0, 600) + "..." : input));
        }
    }

    private static String randomText(Random random, int max) {
        StringBuilder s = new StringBuilder();
        int n = random.nextInt(max + 1);
        for (int i = 0; i < n; i++) {
            s.append((char) (random.nextInt(4) == 0 ? random.nextInt(0x3000) : 32 + random.nextInt(95)));
        }
        return s.toString();
    }

    @Test
    void conninfoAndEveryValueParserThrowOnlyIllegalArgumentWithAMessage() {
        Random random = new Random(SEED + 2);
        List<String> inputs = new ArrayList<>(List.of(TRICKY_VALUES));
        for (int i = 0; i < 2000; i++) {
            inputs.add(randomText(random, 40));
        }
        for (String text : inputs) {
            try {
                Conninfo.parse(text);
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "conninfo " + text);
            } catch (RuntimeException e) {
                fail("Conninfo.parse threw " + e + " for: " + text, e);
            }
            for (ValueType type : ValueType.values()) {
                try {
                    type.parse(text);
                } catch (IllegalArgumentException e) {
                    assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), type + ": " + text);
                } catch (RuntimeException e) {
                    fail(type + " threw " + e + " for: " + text, e);
                }
            }
        }
    }

    @Test
    void aPrintedConfigurationParsesBackToTheSameSettings() throws Exception {
        Random random = new Random(SEED + 3);
        for (int i = 0; i < 200; i++) {
            String name = "n" + Integer.toString(random.nextInt(1 << 20), 36);
            String text = "my_conninfo = 'host=a port=5432'\npartner_conninfo = 'host=b port=5432 user=u'\n"
                    + "keepalive_time = " + (100 + random.nextInt(60000)) + "ms\n"
                    + "keepalive_count = " + (1 + random.nextInt(20)) + "\n"
                    + "on_superseded = " + (random.nextBoolean() ? "fence" : "rejoin") + "\n"
                    + "node_name = '" + name + "'\n"
                    + "maximum_lag_on_failover = " + (random.nextInt(5) == 0 ? "-1" : random.nextInt(1 << 20) + "kB")
                    + "\nafter_command = 'echo it''s " + name + " \\ > /tmp/x'\n"
                    + (random.nextBoolean() ? "etcd_endpoints = 'http://e1:2379,https://e2:2379'\n".replace("https", "http")
                    + "etcd_prefix = '/k/" + name + "'\n" : "witness_conninfo = 'host=w dbname=postgres'\n");
            Path first = write(text.getBytes(StandardCharsets.UTF_8));
            KeeperConfig loaded = KeeperConfig.load(first);
            Path second = write(String.join("\n", loaded.describe()).getBytes(StandardCharsets.UTF_8));
            KeeperConfig again = KeeperConfig.load(second);
            for (Setting s : Setting.values()) {
                assertEquals(loaded.display(s), again.display(s), s.key() + " after printing:\n" + text);
            }
        }
    }
}
