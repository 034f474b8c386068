package io.keeper.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigFileTest {

    private static List<ConfigFile.Entry> parse(String text) throws ConfigException {
        return ConfigFile.parse("keeper.conf", text);
    }

    @Test
    void readsNameValueLinesWithOrWithoutEqualsSign() throws Exception {
        List<ConfigFile.Entry> entries = parse("keepalive_time = 5s\nkeepalive_count 3\n");
        assertEquals(new ConfigFile.Entry("keepalive_time", "5s", 1), entries.get(0));
        assertEquals(new ConfigFile.Entry("keepalive_count", "3", 2), entries.get(1));
    }

    @Test
    void skipsCommentsAndBlankLinesAndKeepsLineNumbers() throws Exception {
        List<ConfigFile.Entry> entries = parse("# header\n\n   \nnode_name = 'a'   # trailing comment\n");
        assertEquals(1, entries.size());
        assertEquals(new ConfigFile.Entry("node_name", "a", 4), entries.get(0));
    }

    @Test
    void unquotesSingleQuotedStringsWithDoubledQuotesAndBackslashEscapes() throws Exception {
        List<ConfigFile.Entry> entries = parse("after_command = 'echo ''hi'' # not a comment \\' x'\n");
        assertEquals("echo 'hi' # not a comment ' x", entries.get(0).value());
    }

    @Test
    void acceptsAnEmptyQuotedString() throws Exception {
        assertEquals("", parse("after_command = ''").get(0).value());
    }

    @Test
    void acceptsWindowsLineEndings() throws Exception {
        assertEquals(2, parse("a = 1\r\nb = 2\r\n").size());
    }

    @Test
    void reportsUnterminatedQuoteWithFileAndLine() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("node_name = 'a'\nafter_command = 'oops\n"));
        assertEquals(1, e.problems().size());
        assertTrue(e.problems().get(0).startsWith("keeper.conf:2: syntax error: unterminated quoted string"),
                e.problems().get(0));
        assertTrue(e.problems().get(0).contains("after_command"));
    }

    @Test
    void reportsUnquotedValueWithSpaces() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("keepalive_time = 5 s\n"));
        assertTrue(e.problems().get(0).startsWith("keeper.conf:1: syntax error"), e.problems().get(0));
        assertTrue(e.problems().get(0).contains("keepalive_time"));
    }

    @Test
    void reportsMissingValue() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("\n\nkeepalive_time =\n"));
        assertEquals("keeper.conf:3: syntax error: missing value for \"keepalive_time\"", e.problems().get(0));
    }

    @Test
    void reportsEverySyntaxErrorNotOnlyTheFirst() {
        ConfigException e = assertThrows(ConfigException.class, () -> parse("a =\n= 3\nb = 'x\n"));
        assertEquals(3, e.problems().size());
    }
}
