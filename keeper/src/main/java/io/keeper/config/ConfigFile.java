package io.keeper.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a file in postgresql.conf syntax into its entries: name [=] value, # comments, 'quoted '' strings'. */
public final class ConfigFile {

    /** One name = value line; value is unquoted and unescaped. */
    public record Entry(String name, String value, int line) {
    }

    private ConfigFile() {
    }

    public static List<Entry> read(Path file) throws ConfigException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read configuration file: " + reason(e));
        }
        return parse(file.toString(), decode(file.toString(), bytes));
    }

    /** The file as UTF-8 text; a line that is not UTF-8 is named (file:line:) with the offending byte. */
    static String decode(String fileName, byte[] bytes) throws ConfigException {
        List<String> errors = new ArrayList<>();
        StringBuilder text = new StringBuilder(bytes.length);
        int line = 1;
        int start = 0;
        for (int i = 0; i <= bytes.length; i++) {
            if (i == bytes.length || bytes[i] == '\n') {
                java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
                java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes, start, i - start);
                try {
                    text.append(decoder.decode(in));
                } catch (java.nio.charset.CharacterCodingException e) {
                    int at = in.position();
                    errors.add(fileName + ":" + line + ": not UTF-8 text (byte 0x"
                            + String.format("%02x", at < bytes.length ? bytes[at] & 0xff : 0) + " at byte "
                            + (at - start + 1) + " of the line)");
                }
                if (i < bytes.length) {
                    text.append('\n');
                }
                line++;
                start = i + 1;
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return text.toString();
    }

    private static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getClass().getSimpleName() + (e.getMessage() != null ? " " + e.getMessage() : "");
    }

    /** Parses text; all syntax errors are collected, one line each, as file:line: message. */
    public static List<Entry> parse(String fileName, String text) throws ConfigException {
        List<Entry> entries = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            try {
                Entry e = parseLine(lines[i], i + 1);
                if (e != null) {
                    entries.add(e);
                }
            } catch (IllegalArgumentException ex) {
                errors.add(fileName + ":" + (i + 1) + ": syntax error: " + ex.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return entries;
    }

    static Entry parseLine(String line, int number) {
        int i = skipSpace(line, 0);
        if (i >= line.length() || line.charAt(i) == '#') {
            return null;
        }
        int nameStart = i;
        while (i < line.length() && isNameChar(line.charAt(i))) {
            i++;
        }
        String name = line.substring(nameStart, i);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("expected a setting name, found \"" + line.strip() + "\"");
        }
        i = skipSpace(line, i);
        if (i < line.length() && line.charAt(i) == '=') {
            i = skipSpace(line, i + 1);
        }
        if (i >= line.length() || line.charAt(i) == '#') {
            throw new IllegalArgumentException("missing value for \"" + name + "\"");
        }
        String value;
        if (line.charAt(i) == '\'') {
            StringBuilder sb = new StringBuilder();
            i = readQuoted(line, i + 1, sb, name);
            value = sb.toString();
        } else {
            int start = i;
            while (i < line.length() && !Character.isWhitespace(line.charAt(i)) && line.charAt(i) != '#') {
                i++;
            }
            value = line.substring(start, i);
        }
        i = skipSpace(line, i);
        if (i < line.length() && line.charAt(i) != '#') {
            throw new IllegalArgumentException("unexpected text after the value of \"" + name
                    + "\" (quote values that contain spaces)");
        }
        return new Entry(name, value, number);
    }

    /** Reads a single-quoted string: '' is a quote, and backslash escapes work as in postgresql.conf. */
    private static int readQuoted(String line, int i, StringBuilder out, String name) {
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c == '\'') {
                if (i + 1 < line.length() && line.charAt(i + 1) == '\'') {
                    out.append('\'');
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            if (c == '\\' && i + 1 < line.length()) {
                char next = line.charAt(i + 1);
                switch (next) {
                    case 'n': out.append('\n'); break;
                    case 't': out.append('\t'); break;
                    case 'r': out.append('\r'); break;
                    case 'b': out.append('\b'); break;
                    case 'f': out.append('\f'); break;
                    default: out.append(next);
                }
                i += 2;
                continue;
            }
            out.append(c);
            i++;
        }
        throw new IllegalArgumentException("unterminated quoted string in the value of \"" + name + "\"");
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-';
    }

    private static int skipSpace(String line, int i) {
        while (i < line.length() && Character.isWhitespace(line.charAt(i))) {
            i++;
        }
        return i;
    }
}
