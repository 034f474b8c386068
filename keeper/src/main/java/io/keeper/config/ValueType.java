package io.keeper.config;

import io.keeper.heartbeat.Conninfo;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The kinds of values settings take, each with its parser; a parser throws IllegalArgumentException with a reason. */
public enum ValueType {
    STRING,
    NAME,
    CONNINFO,
    DURATION,
    INTEGER,
    TABLE_NAME,
    OPTIONAL_CONNINFO,
    BYTES,
    SUPERSEDED_ACTION,
    LISTEN_ADDRESS,
    /** Comma-separated http:// or https:// URLs (host and port, no path); empty = none. */
    URL_LIST,
    /** An absolute etcd key prefix without a trailing slash. */
    KEY_PREFIX,
    /** A string never shown: display masks it. */
    SECRET;

    private static final Pattern BYTES_PATTERN = Pattern.compile("(-?[0-9]+)\\s*([a-z]*)");
    private static final Map<String, Long> UNIT_BYTES = Map.of("b", 1L, "kb", 1024L, "mb", 1024L * 1024,
            "gb", 1024L * 1024 * 1024, "tb", 1024L * 1024 * 1024 * 1024);
    private static final Pattern LISTEN = Pattern.compile("(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9_.-]*):([0-9]{1,5})");

    private static final Pattern DURATION_PATTERN = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([a-z]*)");
    private static final Map<String, Long> UNIT_MILLIS = Map.of("ms", 1L, "s", 1000L, "min", 60_000L,
            "h", 3_600_000L, "d", 86_400_000L);
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_$]*(\\.[a-z_][a-z0-9_$]*)?");

    /** Parses and checks a raw value; returns the Java value (String, Conninfo, Duration or Integer). */
    public Object parse(String raw) {
        switch (this) {
            case STRING:
                return raw;
            case NAME:
                if (!NODE_NAME_PATTERN.matcher(raw).matches()) {
                    throw new IllegalArgumentException("a node name is 1 to 63 characters: ASCII letters, digits, '_',"
                            + " '-' and '.', starting with a letter or digit (e.g. db1 or pg-east.example)");
                }
                return raw;
            case CONNINFO:
                return Conninfo.parse(raw);
            case DURATION:
                return parseDuration(raw);
            case INTEGER:
                try {
                    return Integer.parseInt(raw.strip());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("expected a whole number");
                }
            case TABLE_NAME:
                if (!IDENTIFIER.matcher(raw).matches()) {
                    throw new IllegalArgumentException(
                            "expected a lower-case table name, optionally schema-qualified (e.g. keeper.failover_log)");
                }
                return raw;
            case OPTIONAL_CONNINFO:
                return raw.isBlank() ? Optional.empty() : Optional.of(Conninfo.parse(raw));
            case BYTES:
                return parseBytes(raw);
            case SUPERSEDED_ACTION:
                if (!raw.equals("fence") && !raw.equals("rejoin")) {
                    throw new IllegalArgumentException("expected fence or rejoin");
                }
                return raw;
            case LISTEN_ADDRESS:
                if (!raw.isEmpty()) {
                    Matcher m = LISTEN.matcher(raw);
                    if (!m.matches() || Integer.parseInt(m.group(2)) > 65535) {
                        throw new IllegalArgumentException("expected host:port such as 0.0.0.0:8008, or empty");
                    }
                }
                return raw;
            case URL_LIST:
                return parseUrls(raw);
            case KEY_PREFIX:
                if (!raw.startsWith("/") || raw.endsWith("/") || raw.contains("//")
                        || raw.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
                    throw new IllegalArgumentException("expected an absolute key prefix such as /keeper or"
                            + " /service/db (starts with /, no trailing /, printable ASCII without spaces)");
                }
                return raw;
            case SECRET:
                return raw;
            default:
                throw new IllegalStateException(name());
        }
    }

    /** The documented node_name character set: it goes into SQL, application_name, logs and label values. */
    static final java.util.regex.Pattern NODE_NAME_PATTERN =
            java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    /** http://host:port URLs, comma separated; each is checked and named when wrong. */
    static List<URI> parseUrls(String raw) {
        List<URI> urls = new ArrayList<>();
        if (raw.isBlank()) {
            return List.of();
        }
        for (String part : raw.split(",", -1)) {
            String text = part.strip();
            URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("\"" + text + "\" is not a URL: " + e.getReason());
            }
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                    || uri.getHost() == null || uri.getPort() < 0 || uri.getUserInfo() != null
                    || !(uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/"))
                    || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                throw new IllegalArgumentException("\"" + text + "\" is not an endpoint URL: expected http://host:port"
                        + " or https://host:port, without a path or user (e.g. http://etcd1:2379)");
            }
            if (urls.contains(uri)) {
                throw new IllegalArgumentException("\"" + text + "\" is listed twice");
            }
            urls.add(uri);
        }
        return List.copyOf(urls);
    }

    /** A size like 16MB, 512kB, 1GB or a bare number of bytes; -1 means no limit. */
    static long parseBytes(String raw) {
        Matcher m = BYTES_PATTERN.matcher(raw.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a size such as 16MB, 512kB, 1GB, or -1 for no limit");
        }
        long number = Long.parseLong(m.group(1));
        Long factor = UNIT_BYTES.get(m.group(2).isEmpty() ? "b" : m.group(2));
        if (factor == null) {
            throw new IllegalArgumentException("unknown size unit \"" + m.group(2) + "\" (units: B, kB, MB, GB, TB)");
        }
        if (number < 0 && number != -1) {
            throw new IllegalArgumentException("must be -1 (no limit) or a size of 0 or more");
        }
        return number == -1 ? -1 : Math.multiplyExact(number, factor);
    }

    /** A time like 5s, 500ms, 1min, 2h, 1d; a bare number is seconds, as in pg_keeper. */
    static Duration parseDuration(String raw) {
        Matcher m = DURATION_PATTERN.matcher(raw.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a time such as 5s, 500ms, 1min (units: ms, s, min, h, d)");
        }
        String unit = m.group(2).isEmpty() ? "s" : m.group(2);
        Long factor = UNIT_MILLIS.get(unit);
        if (factor == null) {
            throw new IllegalArgumentException("unknown time unit \"" + m.group(2) + "\" (units: ms, s, min, h, d)");
        }
        BigDecimal millis = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(factor));
        if (millis.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 1_000_000)) > 0) {
            throw new IllegalArgumentException("time is too large");
        }
        return Duration.ofMillis(millis.longValue());
    }

    /** True when value is below the minimum written as text in the same type. */
    boolean belowMinimum(Object value, String minimum) {
        if (minimum == null || minimum.isEmpty()) {
            return false;
        }
        if (this == DURATION) {
            return ((Duration) value).compareTo(parseDuration(minimum)) < 0;
        }
        if (this == INTEGER) {
            return (Integer) value < Integer.parseInt(minimum);
        }
        if (this == BYTES) {
            return (Long) value < Long.parseLong(minimum);
        }
        return false;
    }
}
