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
                           String failoverLogTable, Optional<Conninfo> witnessConninfo, long maximumLagOnFailover,
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
                (Optional<Conninfo>) values.get(Setting.WITNESS_CONNINFO),
                (Long) values.get(Setting.MAXIMUM_LAG_ON_FAILOVER), (String) values.get(Setting.ON_SUPERSEDED),
                (String) values.get(Setting.HTTP_LISTEN), (String) values.get(Setting.PG_BINDIR),
                (String) values.get(Setting.DATA_DIRECTORY), file, Map.copyOf(origins));
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
            case AFTER_COMMAND: return afterCommand;
            case AFTER_COMMAND_TIMEOUT: return Durations.format(afterCommandTimeout);
            case FAILOVER_LOG_TABLE: return failoverLogTable;
            case WITNESS_CONNINFO: return witnessConninfo.map(Conninfo::masked).orElse("");
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
        return changed;
    }
}
