package io.keeper.config;

import io.keeper.heartbeat.Conninfo;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * keeper's validated, immutable configuration.
 *
 * @param source the file it was read from
 * @param origins for each setting, where its value came from ("file:line" or "default")
 */
public record KeeperConfig(String nodeName, Conninfo myConninfo, Conninfo partnerConninfo, Duration keepaliveTime,
                           int keepaliveCount, String afterCommand, Duration afterCommandTimeout,
                           String failoverLogTable, Optional<Conninfo> witnessConninfo, Optional<EtcdSettings> etcd,
                           long maximumLagOnFailover,
                           String onSuperseded, String httpListen, String pgBindir, String dataDirectory,
                           Path source, Map<Setting, String> origins) {

    /** Prefixes accepted before a key so a block pasted from a pg_keeper setup works. */
    private static final List<String> PREFIXES = List.of("pg_keeper.", "keeper.");

    /** Reads and validates a file; every problem is reported, one line each. */
    public static KeeperConfig load(Path file) throws ConfigException {
        return fromEntries(file, ConfigFile.read(file));
    }

    @SuppressWarnings("unchecked")
    public static KeeperConfig fromEntries(Path file, List<ConfigFile.Entry> entries) throws ConfigException {
        List<String> errors = new ArrayList<>();
        Map<Setting, Object> values = new EnumMap<>(Setting.class);
        Map<Setting, String> origins = new EnumMap<>(Setting.class);
        for (ConfigFile.Entry entry : entries) {
            String where = file + ":" + entry.line();
            String key = stripPrefix(entry.name().toLowerCase(java.util.Locale.ROOT));
            Setting setting = Setting.byKey(key).orElse(null);
            if (setting == null) {
                errors.add(where + ": unknown setting " + entry.name() + " = '" + Secrets.mask(entry.value()) + "'"
                        + KeyHints.hintFor(key));
                continue;
            }
            try {
                Object value = setting.type().parse(entry.value());
                if (setting.type().belowMinimum(value, setting.minimum())) {
                    throw new IllegalArgumentException("must be at least " + setting.minimum());
                }
                values.put(setting, value);
                origins.put(setting, where);
            } catch (IllegalArgumentException e) {
                errors.add(where + ": invalid value for " + setting.key() + ": '" + Secrets.mask(entry.value())
                        + "': " + e.getMessage());
            }
        }
        for (Setting s : Setting.values()) {
            if (s.required() && !values.containsKey(s) && errors.stream().noneMatch(e -> e.contains(" " + s.key() + ":"))) {
                errors.add(file + ": missing required setting " + s.key() + " (" + s.description() + ")");
            }
        }
        if (errors.isEmpty() && values.get(Setting.MY_CONNINFO).equals(values.get(Setting.PARTNER_CONNINFO))) {
            errors.add(origins.get(Setting.PARTNER_CONNINFO) + ": invalid value for partner_conninfo: it is the same"
                    + " server as my_conninfo");
        }
        if (errors.isEmpty()) {
            checkArbiter(values, origins, errors);
        }
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        for (Setting s : Setting.values()) {
            if (!values.containsKey(s)) {
                values.put(s, s == Setting.NODE_NAME ? hostName() : s.type().parse(s.defaultValue()));
                origins.put(s, "default");
            }
        }
        return new KeeperConfig((String) values.get(Setting.NODE_NAME), (Conninfo) values.get(Setting.MY_CONNINFO),
                (Conninfo) values.get(Setting.PARTNER_CONNINFO), (Duration) values.get(Setting.KEEPALIVE_TIME),
                (Integer) values.get(Setting.KEEPALIVE_COUNT), (String) values.get(Setting.AFTER_COMMAND),
                (Duration) values.get(Setting.AFTER_COMMAND_TIMEOUT), (String) values.get(Setting.FAILOVER_LOG_TABLE),
                (Optional<Conninfo>) values.get(Setting.WITNESS_CONNINFO), etcd(values),
                (Long) values.get(Setting.MAXIMUM_LAG_ON_FAILOVER), (String) values.get(Setting.ON_SUPERSEDED),
                (String) values.get(Setting.HTTP_LISTEN), (String) values.get(Setting.PG_BINDIR),
                (String) values.get(Setting.DATA_DIRECTORY), file, Map.copyOf(origins));
    }

    /**
     * Settings given more than once (also through an alias or a prefix), each as "file:line: key is set again
     * (first at line N); this line wins": as in postgresql.conf the later line counts, which may not be what the
     * editor of the file meant.
     */
    public static List<String> repeatedSettings(Path file, List<ConfigFile.Entry> entries) {
        Map<Setting, Integer> first = new EnumMap<>(Setting.class);
        List<String> warnings = new ArrayList<>();
        for (ConfigFile.Entry entry : entries) {
            Setting setting = Setting.byKey(stripPrefix(entry.name().toLowerCase(java.util.Locale.ROOT))).orElse(null);
            if (setting == null) {
                continue;
            }
            Integer earlier = first.putIfAbsent(setting, entry.line());
            if (earlier != null) {
                warnings.add(file + ":" + entry.line() + ": " + setting.key() + " is set again (first at line "
                        + earlier + "); this line wins");
            }
        }
        return warnings;
    }

    /** {@link #repeatedSettings} of this configuration's file as it is now; empty when it cannot be read. */
    public List<String> warnings() {
        try {
            return repeatedSettings(source, ConfigFile.read(source));
        } catch (ConfigException e) {
            return List.of();
        }
    }

    private static final List<Setting> ETCD_OPTIONS = List.of(Setting.ETCD_PREFIX, Setting.ETCD_USER,
            Setting.ETCD_PASSWORD, Setting.ETCD_CACERT, Setting.ETCD_CERT, Setting.ETCD_KEY);

    /** One arbiter at most, and etcd options that make sense together. */
    private static void checkArbiter(Map<Setting, Object> values, Map<Setting, String> origins, List<String> errors) {
        boolean witness = values.get(Setting.WITNESS_CONNINFO) instanceof Optional<?> w && w.isPresent();
        boolean etcd = values.get(Setting.ETCD_ENDPOINTS) instanceof List<?> l && !l.isEmpty();
        if (witness && etcd) {
            errors.add(origins.get(Setting.ETCD_ENDPOINTS) + ": etcd_endpoints and witness_conninfo ("
                    + origins.get(Setting.WITNESS_CONNINFO) + ") are both set: choose one arbiter, the etcd cluster"
                    + " or the witness");
            return;
        }
        for (Setting s : ETCD_OPTIONS) {
            // A key set to its default (as a printed configuration has it) is harmless.
            if (!etcd && values.get(s) instanceof String v && !v.isEmpty() && !v.equals(s.defaultValue())) {
                errors.add(origins.get(s) + ": " + s.key() + " is set but etcd_endpoints is not");
            }
        }
        if (!etcd) {
            return;
        }
        List<?> urls = (List<?>) values.get(Setting.ETCD_ENDPOINTS);
        if (urls.stream().map(u -> ((java.net.URI) u).getScheme()).distinct().count() > 1) {
            errors.add(origins.get(Setting.ETCD_ENDPOINTS) + ": invalid value for etcd_endpoints: mixes http and"
                    + " https endpoints");
        }
        pair(values, origins, errors, Setting.ETCD_USER, Setting.ETCD_PASSWORD);
        pair(values, origins, errors, Setting.ETCD_CERT, Setting.ETCD_KEY);
    }

    private static void pair(Map<Setting, Object> values, Map<Setting, String> origins, List<String> errors,
                             Setting a, Setting b) {
        boolean hasA = !((String) values.getOrDefault(a, "")).isEmpty();
        boolean hasB = !((String) values.getOrDefault(b, "")).isEmpty();
        if (hasA != hasB) {
            Setting set = hasA ? a : b;
            errors.add(origins.get(set) + ": " + set.key() + " is set without " + (hasA ? b : a).key());
        }
    }

    @SuppressWarnings("unchecked")
    private static Optional<EtcdSettings> etcd(Map<Setting, Object> values) {
        List<java.net.URI> urls = (List<java.net.URI>) values.get(Setting.ETCD_ENDPOINTS);
        if (urls.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new EtcdSettings(urls, (String) values.get(Setting.ETCD_PREFIX),
                (String) values.get(Setting.ETCD_USER), (String) values.get(Setting.ETCD_PASSWORD),
                (String) values.get(Setting.ETCD_CACERT), (String) values.get(Setting.ETCD_CERT),
                (String) values.get(Setting.ETCD_KEY)));
    }

    /** A witness or an etcd cluster holds the lease. */
    public boolean hasArbiter() {
        return witnessConninfo.isPresent() || etcd.isPresent();
    }

    /** "witness host:port" or "etcd URL,URL (prefix /keeper)", for logs and messages; never a password. */
    public String arbiterDescription() {
        return witnessConninfo.map(w -> "witness " + w.masked())
                .orElseGet(() -> etcd.map(EtcdSettings::describe).orElse("no arbiter"));
    }

    private static String stripPrefix(String key) {
        for (String prefix : PREFIXES) {
            if (key.startsWith(prefix)) {
                return key.substring(prefix.length());
            }
        }
        return key;
    }

    static String hostName() {
        String fromEnv = System.getenv("HOSTNAME");
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return fromEnv != null && !fromEnv.isBlank() ? fromEnv : "localhost";
        }
    }

    /** The detection window: how long the partner must be unreachable before keeper acts. */
    public Duration detectionWindow() {
        return keepaliveTime.multipliedBy(keepaliveCount);
    }

    /** The value of one setting as it may be shown to a human (passwords masked). */
    public String display(Setting s) {
        switch (s) {
            case NODE_NAME: return nodeName;
            case MY_CONNINFO: return myConninfo.masked();
            case PARTNER_CONNINFO: return partnerConninfo.masked();
            case KEEPALIVE_TIME: return Durations.format(keepaliveTime);
            case KEEPALIVE_COUNT: return String.valueOf(keepaliveCount);
            case AFTER_COMMAND: return Secrets.mask(afterCommand);
            case AFTER_COMMAND_TIMEOUT: return Durations.format(afterCommandTimeout);
            case FAILOVER_LOG_TABLE: return failoverLogTable;
            case WITNESS_CONNINFO: return witnessConninfo.map(Conninfo::masked).orElse("");
            case ETCD_ENDPOINTS: return etcd.map(e -> String.join(",", e.endpoints().stream()
                    .map(java.net.URI::toString).toList())).orElse("");
            case ETCD_PREFIX: return etcd.map(EtcdSettings::prefix).orElse(Setting.ETCD_PREFIX.defaultValue());
            case ETCD_USER: return etcd.map(EtcdSettings::user).orElse("");
            case ETCD_PASSWORD: return etcd.map(EtcdSettings::password).filter(p -> !p.isEmpty()).map(p -> "********")
                    .orElse("");
            case ETCD_CACERT: return etcd.map(EtcdSettings::caCert).orElse("");
            case ETCD_CERT: return etcd.map(EtcdSettings::cert).orElse("");
            case ETCD_KEY: return etcd.map(EtcdSettings::key).orElse("");
            case MAXIMUM_LAG_ON_FAILOVER: return Sizes.format(maximumLagOnFailover);
            case ON_SUPERSEDED: return onSuperseded;
            case HTTP_LISTEN: return httpListen;
            case PG_BINDIR: return pgBindir;
            case DATA_DIRECTORY: return dataDirectory;
            default: throw new IllegalStateException(s.name());
        }
    }

    /** The effective settings, one "key = 'value'  # origin" line each, passwords masked. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        for (Setting s : Setting.values()) {
            lines.add(s.key() + " = '" + display(s).replace("'", "''") + "'    # " + origins.get(s));
        }
        return lines;
    }

    /** The keys whose values differ from other's and need a restart to take effect. */
    public List<String> restartRequiredChanges(KeeperConfig other) {
        List<String> changed = new ArrayList<>();
        for (Setting s : Setting.values()) {
            if (!s.reloadable() && !display(s).equals(other.display(s))) {
                changed.add(s.key());
            }
        }
        if (!myConninfo.equals(other.myConninfo) && !changed.contains("my_conninfo")) {
            changed.add("my_conninfo");
        }
        if (!partnerConninfo.equals(other.partnerConninfo) && !changed.contains("partner_conninfo")) {
            changed.add("partner_conninfo");
        }
        if (!witnessConninfo.equals(other.witnessConninfo) && !changed.contains("witness_conninfo")) {
            changed.add("witness_conninfo");
        }
        String password = etcd.map(EtcdSettings::password).orElse("");
        if (!password.equals(other.etcd.map(EtcdSettings::password).orElse(""))) {
            changed.add("etcd_password"); // display masks it
        }
        return changed;
    }
}
