package io.keeper.heartbeat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/** A libpq connection string (key=value or postgresql:// URI) and its translation to JDBC. */
public final class Conninfo {

    /** Keys keeper understands; anything else is refused so typos do not pass silently. */
    static final Set<String> KNOWN_KEYS = Set.of("host", "hostaddr", "port", "dbname", "user", "password",
            "passfile", "sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout", "application_name",
            "options", "target_session_attrs", "keepalives", "keepalives_idle", "keepalives_interval",
            "keepalives_count", "gssencmode", "channel_binding", "service");

    private final Map<String, String> values;

    private Conninfo(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /** Parses a libpq connection string; the message of the exception never contains the password. */
    public static Conninfo parse(String text) {
        return parse(text, System.getenv());
    }

    /**
     * As {@link #parse(String)}; {@code env} locates a connection service file when the string names a
     * {@code service} (PGSERVICEFILE, HOME, PGSYSCONFDIR), whose settings are the defaults of the string's own.
     */
    public static Conninfo parse(String text, Map<String, String> env) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("connection string is empty");
        }
        String trimmed = text.strip();
        Map<String, String> map = trimmed.startsWith("postgresql://") || trimmed.startsWith("postgres://")
                ? parseUri(trimmed) : parseKeyValue(trimmed);
        for (String key : map.keySet()) {
            if (!KNOWN_KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown connection option \"" + key + "\"");
            }
        }
        String port = map.get("port");
        if (port != null && (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1
                || Integer.parseInt(port) > 65535)) {
            // the value is not echoed: in a malformed URI it may be part of the password
            throw new IllegalArgumentException("port must be a number from 1 to 65535");
        }
        if (map.containsKey("service")) {
            Map<String, String> merged = new LinkedHashMap<>(ServiceFile.lookup(map.get("service"), env));
            merged.putAll(map); // the string's own settings win, as in libpq
            map = merged;
        }
        if (map.getOrDefault("host", "").contains(",")) {
            throw new IllegalArgumentException("several hosts in one connection string are not supported");
        }
        String hostaddr = map.get("hostaddr");
        if (hostaddr != null && !hostaddr.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
            throw new IllegalArgumentException("hostaddr must be a numeric IPv4 or IPv6 address, not \"" + hostaddr
                    + "\" (a host name goes in host)");
        }
        return new Conninfo(map);
    }

    private static Map<String, String> parseKeyValue(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int keyStart = i;
            while (i < n && text.charAt(i) != '=' && !Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            String key = text.substring(keyStart, i);
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i >= n || text.charAt(i) != '=') {
                // name the word only if it is a known option: otherwise it may be a piece of a password
                throw new IllegalArgumentException(KNOWN_KEYS.contains(key)
                        ? "missing \"=\" after \"" + key + "\""
                        : "missing \"=\" after the word at position " + (keyStart + 1));
            }
            i++;
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            if (i < n && text.charAt(i) == '\'') {
                i++;
                boolean closed = false;
                while (i < n) {
                    char c = text.charAt(i++);
                    if (c == '\\' && i < n) {
                        value.append(text.charAt(i++));
                    } else if (c == '\'') {
                        closed = true;
                        break;
                    } else {
                        value.append(c);
                    }
                }
                if (!closed) {
                    throw new IllegalArgumentException("unterminated quoted value for \"" + key + "\"");
                }
            } else {
                while (i < n && !Character.isWhitespace(text.charAt(i))) {
                    char c = text.charAt(i++);
                    if (c == '\\' && i < n) {
                        c = text.charAt(i++);
                    }
                    value.append(c);
                }
            }
            map.put(key, value.toString());
        }
        return map;
    }

    private static Map<String, String> parseUri(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        String rest = text.substring(text.indexOf("://") + 3);
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        int slash = rest.indexOf('/');
        String authority = slash >= 0 ? rest.substring(0, slash) : rest;
        if (slash >= 0 && slash + 1 < rest.length()) {
            map.put("dbname", decode(rest.substring(slash + 1)));
        }
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            if (colon >= 0) {
                map.put("user", decode(userInfo.substring(0, colon)));
                map.put("password", decode(userInfo.substring(colon + 1)));
            } else if (!userInfo.isEmpty()) {
                map.put("user", decode(userInfo));
            }
        }
        if (!authority.isEmpty()) {
            String host = authority;
            if (authority.startsWith("[")) {
                int close = authority.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("missing \"]\" after an IPv6 host");
                }
                host = authority.substring(1, close);
                if (close + 1 < authority.length() && authority.charAt(close + 1) == ':') {
                    map.put("port", authority.substring(close + 2));
                }
            } else {
                int colon = authority.lastIndexOf(':');
                if (colon >= 0) {
                    host = authority.substring(0, colon);
                    map.put("port", authority.substring(colon + 1));
                }
            }
            map.put("host", decode(host));
        }
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&")) {
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("bad parameter in the URI query (expected name=value)");
                }
                map.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        return map;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad %-escape in the connection URI");
        }
    }

    public String host() {
        String host = values.get("host");
        if (host == null || host.isEmpty()) {
            host = values.getOrDefault("hostaddr", "localhost");
        }
        return host;
    }

    /** A Unix-domain socket directory given as host (it starts with /), as libpq allows. */
    public boolean viaSocket() {
        return values.getOrDefault("hostaddr", "").isEmpty() && host().startsWith("/");
    }

    public int port() {
        return Integer.parseInt(values.getOrDefault("port", "5432"));
    }

    public String user() {
        return values.getOrDefault("user", System.getProperty("user.name"));
    }

    public String dbname() {
        return values.getOrDefault("dbname", user());
    }

    public boolean hasPassword() {
        return values.containsKey("password");
    }

    /** Where this server is, for logs and after_command: host:port, never the password. */
    public String address() {
        String host = host();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    /** The connection string as it may be shown to a human: the password replaced by ********. */
    public String masked() {
        return values.entrySet().stream()
                .map(e -> e.getKey() + "=" + ("password".equals(e.getKey()) ? "********" : quote(e.getValue())))
                .collect(Collectors.joining(" "));
    }

    private static String quote(String v) {
        if (!v.isEmpty() && v.chars().noneMatch(c -> Character.isWhitespace(c) || c == '\'' || c == '\\')) {
            return v;
        }
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** The connection string in libpq key=value form without the password, for libpq tools (pg_rewind). */
    public String withoutPassword() {
        return values.entrySet().stream().filter(e -> !"password".equals(e.getKey()))
                .map(e -> e.getKey() + "=" + quote(e.getValue())).collect(Collectors.joining(" "));
    }

    /**
     * Where to connect: hostaddr when given (no name lookup, as in libpq), else host. host() stays the name used
     * for the password file and, with sslmode=verify-full, for the certificate.
     */
    public String connectHost() {
        String hostaddr = values.get("hostaddr");
        return hostaddr != null && !hostaddr.isEmpty() ? hostaddr : host();
    }

    /** The JDBC URL for this server (no credentials in it). */
    public String jdbcUrl() {
        String host = viaSocket() ? "localhost" : connectHost(); // the socket factory goes to the directory
        String hostPart = host.contains(":") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + hostPart + ":" + port() + "/"
                + java.net.URLEncoder.encode(dbname(), StandardCharsets.UTF_8);
    }

    /** JDBC properties: user, the resolved password and SSL options; timeouts are added by the caller. */
    public Properties jdbcProperties(Map<String, String> env) {
        Properties props = new Properties();
        props.setProperty("user", user());
        resolvePassword(env).ifPresent(p -> props.setProperty("password", p));
        copy(props, "sslmode", "sslmode");
        copy(props, "sslrootcert", "sslrootcert");
        copy(props, "sslcert", "sslcert");
        copy(props, "sslkey", "sslkey");
        copy(props, "options", "options");
        copy(props, "gssencmode", "gssEncMode");
        copy(props, "channel_binding", "channelBinding");
        if (!values.containsKey("sslmode")) {
            props.setProperty("sslmode", "prefer");
        }
        props.setProperty("ApplicationName", values.getOrDefault("application_name", "keeper"));
        if (viaSocket()) {
            props.setProperty("socketFactory", UnixSocketFactory.class.getName());
            props.setProperty(UnixSocketFactory.DIRECTORY, host());
            props.setProperty("sslmode", "disable"); // libpq never uses TLS on a Unix-domain socket
        } else if (!connectHost().equals(host())) {
            // The URL names hostaddr; the certificate must still name host (libpq checks it against host).
            props.setProperty("sslhostnameverifier", HostNameVerifier.class.getName());
            props.setProperty(HostNameVerifier.EXPECTED_HOST, host());
        }
        return props;
    }

    private void copy(Properties props, String key, String jdbcKey) {
        String v = values.get(key);
        if (v != null) {
            props.setProperty(jdbcKey, v);
        }
    }

    /** Password from the conninfo, else PGPASSWORD, else the password file (passfile, PGPASSFILE, ~/.pgpass). */
    public java.util.Optional<String> resolvePassword(Map<String, String> env) {
        if (values.containsKey("password")) {
            return java.util.Optional.of(values.get("password"));
        }
        String fromEnv = env.get("PGPASSWORD");
        if (fromEnv != null) {
            return java.util.Optional.of(fromEnv);
        }
        return PgPass.locate(values.get("passfile"), env)
                .flatMap(file -> PgPass.lookup(file, viaSocket() ? "localhost" : host(), port(), dbname(), user()));
    }

    public String get(String key) {
        return values.get(key);
    }

    @Override
    public String toString() {
        return masked();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Conninfo && ((Conninfo) o).values.equals(values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }
}
