package io.keeper.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.role.Decision;
import io.keeper.role.KeeperStatus;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class KeeperMetricsTest {

    static final String PROTOBUF = "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily;"
            + " encoding=delimited";
    private static final Instant NOW = Instant.parse("2026-12-01T06:00:00Z");

    private static KeeperStatus status(String role, String fenced, String paused, String holder, long term,
                                       Instant at) {
        return new KeeperStatus("node1", role, true, fenced, false, false, 2, "0/3000060", "node2:5432", "standby",
                "reachable", "etcd http://e1:2379 (prefix /keeper)", 1, 3, "WATCHING", "why", "held by " + holder, term, true, "primary-watching", paused,
                holder, at);
    }

    /** Every sample as "name{label=value,...}" to its value, parsed from the protobuf exposition. */
    static Map<String, Double> parse(InputStream in) throws Exception {
        Map<String, Double> samples = new HashMap<>();
        Metrics.MetricFamily family;
        while ((family = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
            for (Metrics.Metric m : family.getMetricList()) {
                StringBuilder key = new StringBuilder(family.getName());
                if (m.getLabelCount() > 0) {
                    key.append('{');
                    m.getLabelList().forEach(l -> key.append(l.getName()).append('=').append(l.getValue()).append(','));
                    key.setLength(key.length() - 1);
                    key.append('}');
                }
                double value = m.hasGauge() ? m.getGauge().getValue() : m.hasCounter() ? m.getCounter().getValue()
                        : m.hasHistogram() ? m.getHistogram().getSampleCount() : m.hasUntyped()
                        ? m.getUntyped().getValue() : Double.NaN;
                samples.put(key.toString(), value);
            }
        }
        return samples;
    }

    @Test
    void theStateOfEachRunIsExportedAndParsesWithTheClientsOwnProtobufClasses() throws Exception {
        AtomicReference<KeeperStatus> latest = new AtomicReference<>(status("primary", "", "", "node1", 3,
                NOW.minusMillis(1500)));
        KeeperMetrics metrics = new KeeperMetrics("node1", "1.1.0", true, latest::get, Clock.fixed(NOW,
                ZoneOffset.UTC));
        metrics.afterRun(latest.get(), Decision.WATCHING, Duration.ofMillis(4), null);
        latest.set(status("standby", "isolated: lease ran out", "paused until resumed", "node2", 4, NOW));
        metrics.afterRun(latest.get(), Decision.FENCED, Duration.ofMillis(6), 4096L);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(PROTOBUF, out);
        assertTrue(metrics.contentType(PROTOBUF).startsWith("application/vnd.google.protobuf"));
        Map<String, Double> m = parse(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(1.0, m.get("keeper_role{role=standby}"));
        assertEquals(0.0, m.get("keeper_role{role=primary}"));
        assertEquals(1.0, m.get("keeper_paused"));
        assertEquals(1.0, m.get("keeper_fenced"));
        assertEquals(1.0, m.get("keeper_fences_total"));
        assertEquals(0.0, m.get("keeper_promotions_total"));
        assertEquals(1.0, m.get("keeper_partner_consecutive_failures"));
        assertEquals(2.0, m.get("keeper_partner_probe_duration_seconds"), "two probes observed");
        assertEquals(4096.0, m.get("keeper_replication_lag_bytes"));
        assertEquals(2.0, m.get("keeper_timeline"));
        assertEquals(4.0, m.get("keeper_lease_term"));
        assertEquals(1.0, m.get("keeper_lease_holder{holder=node2}"));
        assertTrue(!m.containsKey("keeper_lease_holder{holder=node1}"), "the old holder is gone");
        assertEquals(0.0, m.get("keeper_seconds_since_last_run"));
        assertEquals(1.0, m.get("keeper_build_info{node=node1,version=1.1.0}"));
        assertTrue(m.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes")), m.keySet().toString());

        ByteArrayOutputStream text = new ByteArrayOutputStream();
        metrics.write("text/plain", text);
        String body = text.toString(StandardCharsets.UTF_8);
        assertTrue(body.contains("# TYPE keeper_promotions_total counter"), body);
        assertTrue(body.contains("keeper_role{role=\"standby\"} 1.0"), body);
    }

    @Test
    void withoutAWitnessThereAreNoLeaseMetrics() throws Exception {
        KeeperStatus s = status("standby", "", "", "", 0, NOW);
        KeeperMetrics metrics = new KeeperMetrics("node2", "1.1.0", false, () -> s, Clock.fixed(NOW, ZoneOffset.UTC));
        metrics.afterRun(s, Decision.PROMOTED, Duration.ofMillis(3), null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(PROTOBUF, out);
        Map<String, Double> m = parse(new ByteArrayInputStream(out.toByteArray()));
        assertTrue(m.keySet().stream().noneMatch(k -> k.startsWith("keeper_lease")), m.keySet().toString());
        assertEquals(1.0, m.get("keeper_promotions_total"));
        assertTrue(m.get("keeper_replication_lag_bytes").isNaN());
    }

    @Test
    void theArbiterItsEndpointsAndTheTimeLeftOnTheLeaseAreExported() throws Exception {
        KeeperStatus s = status("primary", "", "", "node1", 57, NOW);
        KeeperMetrics metrics = new KeeperMetrics("node1", "1.1.0", true, () -> s, Clock.fixed(NOW, ZoneOffset.UTC));
        Map<String, String> health = new java.util.LinkedHashMap<>();
        health.put("http://e1:2379", "ok (etcd 3.4.23, leader)");
        health.put("http://e2:2379", "unreachable: connection refused");
        metrics.watchArbiter("etcd http://e1:2379,http://e2:2379 (prefix /keeper)", () -> 2.4, () -> health);
        metrics.afterRun(s, Decision.WATCHING, Duration.ofMillis(4), null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(PROTOBUF, out);
        Map<String, Double> m = parse(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(1.0, m.get("keeper_arbiter_endpoint_up{endpoint=http://e1:2379}"), m.toString());
        assertEquals(0.0, m.get("keeper_arbiter_endpoint_up{endpoint=http://e2:2379}"));
        assertEquals(2.4, m.get("keeper_lease_expires_in_seconds"));
        assertEquals(57.0, m.get("keeper_lease_term"));
        assertEquals(1.0, m.get("keeper_lease_holder{holder=node1}"));
        assertTrue(m.keySet().stream().anyMatch(k -> k.startsWith("keeper_arbiter_info")
                && k.contains("arbiter=etcd http://e1:2379,http://e2:2379 (prefix /keeper)")), m.keySet().toString());
    }
}
