package io.keeper.e2e;

import java.util.LinkedHashMap;
import java.util.Map;

/** An immutable keeper.conf for one test node, starting from the defaults every e2e test shares. */
public final class KeeperConf {
    private final Map<String, String> values;

    private KeeperConf(Map<String, String> values) {
        this.values = new LinkedHashMap<>(values);
    }

    /** The default configuration of {@code node} (node1 or node2), whose partner is the other node. */
    public static KeeperConf defaults(String node) {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("node_name", quote(node));
        values.put("my_conninfo",
                quote("host=127.0.0.1 port=5432 dbname=postgres user=postgres password=secret"));
        values.put("partner_conninfo", quote(conninfo(PgPair.partnerOf(node))));
        values.put("keepalive_time", "1s");
        values.put("keepalive_count", "3");
        values.put("after_command", quote("env | grep ^KEEPER_ > /tmp/after-$KEEPER_EVENT.env"));
        return new KeeperConf(values);
    }

    /** How keeper reaches the server running on {@code host} of the test bed (node2, node1-hb, witness...). */
    public static String conninfo(String host) {
        return "host=" + host + " port=5432 dbname=postgres user=postgres password=secret";
    }

    /** A copy whose keeper serves /primary, /replica, /health and /status on port 8008 of its host. */
    public KeeperConf withHttp() {
        return withString("http_listen", "0.0.0.0:" + PgNode.HTTP_PORT);
    }

    /** A copy with {@code key} set to {@code value}, written verbatim (e.g. {@code 2s}, {@code 5}). */
    public KeeperConf with(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(key, value);
        return new KeeperConf(copy);
    }

    /** A copy with {@code key} set to the quoted string {@code text}. */
    public KeeperConf withString(String key, String text) {
        return with(key, quote(text));
    }

    /** A copy without {@code key}, so keeper uses its default. */
    public KeeperConf without(String key) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.remove(key);
        return new KeeperConf(copy);
    }

    /** The file content, in postgresql.conf syntax. */
    public String render() {
        StringBuilder out = new StringBuilder();
        values.forEach((key, value) -> out.append(key).append(" = ").append(value).append('\n'));
        return out.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
