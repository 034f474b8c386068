package io.keeper.config;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Every configuration key keeper knows, defined once: name, type, default, unit, description, and
 * whether a reload (SIGHUP) applies it or a restart is needed. conf/keeper.conf is tested against this list.
 */
public enum Setting {
    NODE_NAME("node_name", ValueType.NAME, "", "",
            "Name of this node, written to failover_log.host and to every log line. Default: the host name.", true),
    MY_CONNINFO("my_conninfo", ValueType.CONNINFO, null, "",
            "How keeper reaches its own PostgreSQL server (libpq key=value or postgresql:// URI).", false),
    PARTNER_CONNINFO("partner_conninfo", ValueType.CONNINFO, null, "",
            "How keeper reaches the other server of the pair.", false),
    KEEPALIVE_TIME("keepalive_time", ValueType.DURATION, "5s", "100ms",
            "Interval between probes of the partner; also the limit for one probe.", true, "keepalives_time"),
    KEEPALIVE_COUNT("keepalive_count", ValueType.INTEGER, "4", "1",
            "Consecutive failed probes after which keeper acts (promotes, or releases synchronous commits).",
            true, "keepalives_count"),
    AFTER_COMMAND("after_command", ValueType.STRING, "", "",
            "Shell command run after a promotion or a synchronous replication change (via /bin/sh -c).", true),
    AFTER_COMMAND_TIMEOUT("after_command_timeout", ValueType.DURATION, "60s", "1s",
            "after_command is killed (with its children) when it runs longer than this.", true),
    FAILOVER_LOG_TABLE("failover_log_table", ValueType.TABLE_NAME, "failover_log", "",
            "Table recording promotions, in the database of my_conninfo; may be schema-qualified.", false),
    WITNESS_CONNINFO("witness_conninfo", ValueType.OPTIONAL_CONNINFO, "", "",
            "Optional arbiter: a PostgreSQL server both nodes can reach, holding the lease that decides which node"
                    + " may take writes. The standby promotes only after taking the lease; a primary that can renew"
                    + " neither the lease nor prove its standby streams demotes itself before the lease runs out.",
            false),
    ETCD_ENDPOINTS("etcd_endpoints", ValueType.URL_LIST, "", "",
            "Optional arbiter instead of witness_conninfo: the client URLs of an etcd cluster (v3 API), comma"
                    + " separated, e.g. 'http://etcd1:2379,http://etcd2:2379,http://etcd3:2379'. The lease is an etcd"
                    + " lease on one key per pair; keeper uses every endpoint, moving on when one fails.", false),
    ETCD_PREFIX("etcd_prefix", ValueType.KEY_PREFIX, "/keeper", "",
            "The etcd key prefix; the lease lives under PREFIX/<system_identifier>/.", false),
    ETCD_USER("etcd_user", ValueType.STRING, "", "",
            "etcd user name when etcd authentication is on (with etcd_password).", false),
    ETCD_PASSWORD("etcd_password", ValueType.SECRET, "", "",
            "Password of etcd_user; never logged or shown.", false),
    ETCD_CACERT("etcd_cacert", ValueType.STRING, "", "",
            "PEM file of the certificate authority that signed the etcd servers' certificates (https endpoints);"
                    + " empty = the JVM's trusted authorities.", false),
    ETCD_CERT("etcd_cert", ValueType.STRING, "", "",
            "PEM file of keeper's TLS client certificate, when etcd requires client certificates (with etcd_key).",
            false),
    ETCD_KEY("etcd_key", ValueType.STRING, "", "",
            "PEM file of the private key of etcd_cert, in PKCS#8 form (BEGIN PRIVATE KEY).", false),
    MAXIMUM_LAG_ON_FAILOVER("maximum_lag_on_failover", ValueType.BYTES, "16MB", "-1",
            "The standby does not promote when it has received this much less WAL than the primary was last"
                    + " seen at (units B, kB, MB, GB; -1 = no limit).", true),
    ON_SUPERSEDED("on_superseded", ValueType.SUPERSEDED_ACTION, "fence", "",
            "What a primary does when the partner is the rightful primary: fence (read-only until a human"
                    + " acts) or rejoin (fence, pg_rewind from the winner, restart as its standby).", true),
    HTTP_LISTEN("http_listen", ValueType.LISTEN_ADDRESS, "", "",
            "host:port for the HTTP checks /primary, /replica, /health and /status; empty = off.", false),
    PG_BINDIR("pg_bindir", ValueType.STRING, "", "",
            "Directory of pg_ctl, pg_rewind and pg_controldata; empty = /usr/lib/postgresql/<major version>/bin.",
            true),
    DATA_DIRECTORY("data_directory", ValueType.STRING, "", "",
            "The server's data directory, for keeper guard (which runs before the server starts); empty = the"
                    + " PGDATA environment variable.", true);

    private final String key;
    private final ValueType type;
    private final String defaultValue;
    private final String minimum;
    private final String description;
    private final boolean reloadable;
    private final List<String> aliases;

    Setting(String key, ValueType type, String defaultValue, String minimum, String description,
            boolean reloadable, String... aliases) {
        this.key = key;
        this.type = type;
        this.defaultValue = defaultValue;
        this.minimum = minimum;
        this.description = description;
        this.reloadable = reloadable;
        this.aliases = List.of(aliases);
    }

    public String key() {
        return key;
    }

    public ValueType type() {
        return type;
    }

    /** The default as written in the file, or null when the key is required. */
    public String defaultValue() {
        return defaultValue;
    }

    public boolean required() {
        return defaultValue == null;
    }

    public String minimum() {
        return minimum;
    }

    public String description() {
        return description;
    }

    /** True when SIGHUP applies a change at once; false when keeper must be restarted. */
    public boolean reloadable() {
        return reloadable;
    }

    public List<String> aliases() {
        return aliases;
    }

    /** Finds a setting by key or alias, after the pg_keeper. / keeper. prefix has been removed. */
    public static Optional<Setting> byKey(String key) {
        return Arrays.stream(values()).filter(s -> s.key.equals(key) || s.aliases.contains(key)).findFirst();
    }
}
