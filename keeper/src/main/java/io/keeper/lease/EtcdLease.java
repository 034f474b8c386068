package io.keeper.lease;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keeper.config.EtcdSettings;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The lease in an etcd cluster, built from etcd's own primitives. Under PREFIX/&lt;system_identifier&gt;/ live:
 * <ul>
 * <li>{@code holder}: the holder's node_name; its mod_revision is the term (an etcd revision, the fencing token);
 *     written only when the lease changes hands;</li>
 * <li>{@code alive}: the holder's name again, attached to an etcd lease whose TTL is the lease time (whole
 *     seconds, rounded up); the holder keeps it alive; when it is gone, the lease has expired by etcd's clock;</li>
 * <li>{@code sync_released}: "true" while the holder has released synchronous replication.</li>
 * </ul>
 * Every change is one etcd transaction whose compares (mod and create revisions) are the compare-and-set: a standby
 * takes the lease only while {@code alive} is absent and nothing changed since it looked. Neither node's clock is
 * used; etcd measures the lease on its leader. The holder counts its write allowance from before it asked, so a
 * lease that etcd keeps longer (a rounded-up TTL, a new etcd leader that refreshes leases) is only safer.
 */
public final class EtcdLease implements Lease {

    private final EtcdSettings settings;
    private final EtcdClient etcd;
    private final ExecutorService threads;

    /** @param deadline how long one call may take, all endpoints together */
    public EtcdLease(EtcdSettings settings, Duration deadline, javax.net.ssl.SSLContext tls) {
        this.settings = settings;
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "etcd-health");
            t.setDaemon(true);
            return t;
        });
        this.etcd = new EtcdClient(settings, deadline, tls);
    }

    private record Kv(String value, long create, long mod, long lease) {
    }

    /** The three keys as etcd answered them; null where a key is absent. */
    private record Snapshot(Kv holder, Kv alive, Kv sync) {
    }

    @Override
    public LeaseView renew(long cluster, String node, Duration ttl, boolean syncReleased) throws LeaseException {
        Snapshot s = range(cluster);
        if (s.holder() == null) {
            return claimNew(cluster, node, ttl, syncReleased);
        }
        if (s.holder().value().equals(node) && s.alive() != null && s.alive().value().equals(node)) {
            long left = keepAlive(s.alive().lease());
            if (left > 0) {
                if (syncReleased(s) != syncReleased) {
                    ObjectNode txn = txn(cluster);
                    compare(txn, "MOD", key(cluster, "holder"), s.holder().mod());
                    put(txn, key(cluster, "sync_released"), String.valueOf(syncReleased), 0);
                    JsonNode answer = call("recording the synchronous replication state", "/v3/kv/txn", txn);
                    if (!succeeded(answer)) {
                        return view(failureSnapshot(answer, cluster), null);
                    }
                }
                return new LeaseView(node, s.holder().mod(), Duration.ofSeconds(left), syncReleased);
            }
            s = range(cluster); // expired just now: take it again below unless the partner was quicker
            if (s.holder() == null) {
                return claimNew(cluster, node, ttl, syncReleased);
            }
        }
        boolean mine = s.holder().value().equals(node);
        boolean placeholder = s.holder().value().isEmpty();
        if (!mine && !placeholder || mine && s.alive() != null && s.alive().value().equals(node)) {
            return view(s, null);
        }
        // Expired with nobody taking it meanwhile, or a new etcd's placeholder: this node claims it on a new lease.
        long id = grant(ttl);
        ObjectNode txn = txn(cluster);
        compare(txn, "MOD", key(cluster, "holder"), s.holder().mod());
        compareUnchanged(txn, key(cluster, "alive"), s.alive());
        put(txn, key(cluster, "alive"), node, id);
        put(txn, key(cluster, "sync_released"), String.valueOf(syncReleased), 0);
        if (placeholder) {
            put(txn, key(cluster, "holder"), node, 0);
        }
        JsonNode answer = call("renewing the lease", "/v3/kv/txn", txn);
        if (!succeeded(answer)) {
            return lost(answer, cluster, id);
        }
        long term = placeholder ? revision(answer) : s.holder().mod();
        return new LeaseView(node, term, seconds(ttl), syncReleased);
    }

    @Override
    public LeaseView acquire(long cluster, String node, Duration ttl) throws LeaseException {
        Snapshot s = range(cluster);
        if (s.holder() == null) { // this etcd has never seen the pair: a lease held by nobody, free after ttl
            long id = grant(ttl);
            ObjectNode txn = txn(cluster);
            compare(txn, "CREATE", key(cluster, "holder"), 0);
            put(txn, key(cluster, "holder"), "", 0);
            put(txn, key(cluster, "alive"), "", id);
            JsonNode answer = call("creating the lease", "/v3/kv/txn", txn);
            if (!succeeded(answer)) {
                return lost(answer, cluster, id);
            }
            return new LeaseView("", revision(answer), seconds(ttl), false);
        }
        if (s.holder().value().equals(node) || s.alive() != null || syncReleased(s)) {
            return view(s, null);
        }
        long id = grant(ttl);
        ObjectNode txn = txn(cluster);
        compare(txn, "MOD", key(cluster, "holder"), s.holder().mod());
        compare(txn, "CREATE", key(cluster, "alive"), 0);
        compareUnchanged(txn, key(cluster, "sync_released"), s.sync());
        put(txn, key(cluster, "holder"), node, 0);
        put(txn, key(cluster, "alive"), node, id);
        put(txn, key(cluster, "sync_released"), "false", 0);
        JsonNode answer = call("taking the lease", "/v3/kv/txn", txn);
        if (!succeeded(answer)) {
            return lost(answer, cluster, id);
        }
        return new LeaseView(node, revision(answer), seconds(ttl), false);
    }

    @Override
    public LeaseView handOver(long cluster, String from, String to, Duration ttl) throws LeaseException {
        Snapshot s = range(cluster);
        if (s.holder() == null || !s.holder().value().equals(from) || s.alive() == null
                || !s.alive().value().equals(from)) {
            return view(s, null);
        }
        long id = grant(ttl);
        ObjectNode txn = txn(cluster);
        compare(txn, "MOD", key(cluster, "holder"), s.holder().mod());
        compare(txn, "MOD", key(cluster, "alive"), s.alive().mod());
        put(txn, key(cluster, "holder"), to, 0);
        put(txn, key(cluster, "alive"), to, id);
        put(txn, key(cluster, "sync_released"), "false", 0);
        JsonNode answer = call("handing the lease over", "/v3/kv/txn", txn);
        if (!succeeded(answer)) {
            return lost(answer, cluster, id);
        }
        revoke(s.alive().lease()); // holds no key any more
        return new LeaseView(to, revision(answer), seconds(ttl), false);
    }

    @Override
    public LeaseView read(long cluster) throws LeaseException {
        return view(range(cluster), null);
    }

    @Override
    public String describe() {
        return settings.describe();
    }

    /** The endpoint calls go to first now, for status output. */
    public String currentEndpoint() {
        return etcd.endpoint().toString();
    }

    /** Every endpoint asked at once for its status: "ok (etcd 3.4.23, leader)", "ok (etcd 3.4.23)" or why not. */
    @Override
    public Map<String, String> endpointHealth(Duration timeout) {
        Map<URI, Future<String>> asked = new LinkedHashMap<>();
        for (URI endpoint : settings.endpoints()) {
            asked.put(endpoint, threads.submit(() -> health(endpoint, timeout)));
        }
        Map<String, String> health = new LinkedHashMap<>();
        asked.forEach((endpoint, answer) -> {
            String text;
            try {
                text = answer.get();
            } catch (ExecutionException e) {
                text = "error: " + e.getCause().getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                text = "not asked: interrupted";
            }
            health.put(endpoint.toString(), text);
        });
        return health;
    }

    private String health(URI endpoint, Duration timeout) {
        try {
            JsonNode status = etcd.postTo(endpoint, "/v3/maintenance/status", etcd.object(), timeout);
            if (status.path("code").asInt(0) != 0) {
                return "error: " + status.path("error").asText() + " (code " + status.path("code").asInt() + ")";
            }
            String version = status.path("version").asText("?");
            String leader = status.path("leader").asText("0");
            if (leader.equals("0")) {
                return "no leader (etcd " + version + ")";
            }
            return "ok (etcd " + version + (leader.equals(status.path("header").path("member_id").asText())
                    ? ", leader)" : ")");
        } catch (IOException e) {
            return "unreachable: " + e.getMessage();
        } catch (LeaseException e) {
            return "refused: " + e.getMessage();
        }
    }

    @Override
    public void setDeadline(Duration deadline) {
        etcd.setDeadline(deadline);
    }

    @Override
    public void close() {
        threads.shutdownNow();
    }

    private LeaseView claimNew(long cluster, String node, Duration ttl, boolean syncReleased) throws LeaseException {
        long id = grant(ttl);
        ObjectNode txn = txn(cluster);
        compare(txn, "CREATE", key(cluster, "holder"), 0);
        put(txn, key(cluster, "holder"), node, 0);
        put(txn, key(cluster, "alive"), node, id);
        put(txn, key(cluster, "sync_released"), String.valueOf(syncReleased), 0);
        JsonNode answer = call("creating the lease", "/v3/kv/txn", txn);
        if (!succeeded(answer)) {
            return lost(answer, cluster, id);
        }
        return new LeaseView(node, revision(answer), seconds(ttl), syncReleased);
    }

    /** The lease as a snapshot shows it; expired exactly when {@code alive} is gone (etcd's clock decides). */
    private LeaseView view(Snapshot s, Duration remaining) throws LeaseException {
        if (s.holder() == null) {
            return LeaseView.NONE;
        }
        String holder = s.holder().value();
        Duration left = Duration.ZERO;
        if (s.alive() != null && s.alive().value().equals(holder)) {
            left = remaining != null ? remaining : Duration.ofMillis(Math.max(1, timeToLive(s.alive().lease()) * 1000));
        }
        return new LeaseView(holder, s.holder().mod(), left, syncReleased(s));
    }

    private static boolean syncReleased(Snapshot s) {
        return s.sync() != null && s.sync().value().equals("true");
    }

    private String base(long cluster) {
        return settings.prefix() + "/" + Long.toUnsignedString(cluster) + "/";
    }

    private String key(long cluster, String name) {
        return base(cluster) + name;
    }

    private Snapshot range(long cluster) throws LeaseException {
        JsonNode answer = call("reading the lease", "/v3/kv/range", rangeRequest(cluster));
        return snapshot(answer.path("kvs"), cluster);
    }

    private ObjectNode rangeRequest(long cluster) {
        String base = base(cluster);
        String end = base.substring(0, base.length() - 1) + (char) ('/' + 1);
        return etcd.object().put("key", EtcdClient.b64(base)).put("range_end", EtcdClient.b64(end));
    }

    private Snapshot snapshot(JsonNode kvs, long cluster) {
        Kv holder = null;
        Kv alive = null;
        Kv sync = null;
        for (JsonNode kv : kvs) {
            String k = EtcdClient.unb64(kv.get("key"));
            Kv v = new Kv(EtcdClient.unb64(kv.get("value")), kv.path("create_revision").asLong(),
                    kv.path("mod_revision").asLong(), kv.path("lease").asLong());
            if (k.equals(key(cluster, "holder"))) {
                holder = v;
            } else if (k.equals(key(cluster, "alive"))) {
                alive = v;
            } else if (k.equals(key(cluster, "sync_released"))) {
                sync = v;
            }
        }
        return new Snapshot(holder, alive, sync);
    }

    /** A transaction whose failure branch reads the keys again, so a lost race costs no extra round trip. */
    private ObjectNode txn(long cluster) {
        ObjectNode txn = etcd.object();
        txn.putArray("compare");
        txn.putArray("success");
        txn.putArray("failure").addObject().set("request_range", rangeRequest(cluster));
        return txn;
    }

    private Snapshot failureSnapshot(JsonNode answer, long cluster) {
        return snapshot(answer.path("responses").path(0).path("response_range").path("kvs"), cluster);
    }

    /** The key is as the snapshot saw it: still absent, or not modified since. */
    private static void compareUnchanged(ObjectNode txn, String key, Kv seen) {
        if (seen == null) {
            compare(txn, "CREATE", key, 0);
        } else {
            compare(txn, "MOD", key, seen.mod());
        }
    }

    private static void compare(ObjectNode txn, String target, String key, long revision) {
        ((ArrayNode) txn.get("compare")).addObject().put("target", target).put("result", "EQUAL")
                .put("key", EtcdClient.b64(key))
                .put(target.equals("MOD") ? "mod_revision" : "create_revision", String.valueOf(revision));
    }

    private static void put(ObjectNode txn, String key, String value, long lease) {
        ObjectNode put = ((ArrayNode) txn.get("success")).addObject().putObject("request_put")
                .put("key", EtcdClient.b64(key)).put("value", EtcdClient.b64(value));
        if (lease != 0) {
            put.put("lease", String.valueOf(lease));
        }
    }

    private static boolean succeeded(JsonNode txnAnswer) {
        return txnAnswer.path("succeeded").asBoolean(false);
    }

    /**
     * A transaction's compares failed: the etcd lease granted for it goes, and the lease is as the answer shows it.
     * Unless {@code alive} already carries that etcd lease: then this very transaction had succeeded on an endpoint
     * whose answer was lost, and the client sent it again to the next one; the lease is ours and stays.
     */
    private LeaseView lost(JsonNode txnAnswer, long cluster, long grantedId) throws LeaseException {
        Snapshot s = failureSnapshot(txnAnswer, cluster);
        if (s.alive() == null || s.alive().lease() != grantedId) {
            revoke(grantedId);
        }
        return view(s, null);
    }

    private static long revision(JsonNode answer) {
        return answer.path("header").path("revision").asLong();
    }

    /** The etcd lease time: whole seconds, rounded up (etcd may raise it to its own minimum). */
    private static long ttlSeconds(Duration ttl) {
        return Math.max(1, (ttl.toMillis() + 999) / 1000);
    }

    private static Duration seconds(Duration ttl) {
        return Duration.ofSeconds(ttlSeconds(ttl));
    }

    private long grant(Duration ttl) throws LeaseException {
        JsonNode answer = call("granting an etcd lease", "/v3/lease/grant",
                etcd.object().put("TTL", String.valueOf(ttlSeconds(ttl))));
        long id = answer.path("ID").asLong(0);
        if (id == 0) {
            throw new LeaseException("granting an etcd lease on " + describe() + " gave no lease ID", null, null);
        }
        return id;
    }

    /** Seconds left after refreshing the etcd lease; 0 when it has expired (etcd no longer knows it). */
    private long keepAlive(long id) throws LeaseException {
        JsonNode answer = post("renewing the lease", "/v3/lease/keepalive",
                etcd.object().put("ID", String.valueOf(id)));
        if (answer.path("code").asInt(0) == EtcdClient.NOT_FOUND) {
            return 0;
        }
        failOnError("renewing the lease", answer);
        return answer.path("result").path("TTL").asLong(0);
    }

    private long timeToLive(long id) throws LeaseException {
        JsonNode answer = post("reading the lease's time to live", "/v3/lease/timetolive",
                etcd.object().put("ID", String.valueOf(id)));
        return answer.path("code").asInt(0) == EtcdClient.NOT_FOUND ? 0 : answer.path("TTL").asLong(0);
    }

    /** Best effort: an etcd lease left behind expires by itself. */
    private void revoke(long id) {
        try {
            etcd.post("/v3/lease/revoke", etcd.object().put("ID", String.valueOf(id)));
        } catch (LeaseException e) {
            // expires on its own after ttl
        }
    }

    private JsonNode call(String what, String path, ObjectNode body) throws LeaseException {
        JsonNode answer = post(what, path, body);
        failOnError(what, answer);
        return answer;
    }

    /** etcd's answer, errors included; fails only when no endpoint answered. */
    private JsonNode post(String what, String path, ObjectNode body) throws LeaseException {
        try {
            return etcd.post(path, body);
        } catch (LeaseException e) {
            throw new LeaseException(what + " on " + describe() + " failed: " + e.getMessage(), null, e);
        }
    }

    private void failOnError(String what, JsonNode answer) throws LeaseException {
        if (answer.has("code") && answer.path("code").asInt(0) != 0) {
            throw new LeaseException(what + " on " + describe() + " failed: etcd answered "
                    + answer.path("error").asText(answer.path("message").asText()) + " (code "
                    + answer.path("code").asInt() + ")", null, null);
        }
    }
}
