package io.keeper.metrics;

import io.keeper.role.Decision;
import io.keeper.role.KeeperStatus;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * keeper's Prometheus metrics, kept by the Prometheus Java client in a registry of keeper's own: updated after
 * every heartbeat run, written in the format the scraper asks for (text, OpenMetrics or protobuf) at GET /metrics.
 * Every name starts with keeper_, except the client's JVM and process metrics (jvm_*, process_*). Without exemplars:
 * keeper has no traces to link them to, and the client's exemplar sampler runs a thread of its own.
 */
public final class KeeperMetrics {

    static final List<String> ROLES = List.of("primary", "standby", "unknown");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    /** Set up at the first scrape, with the JVM and process metrics: see {@link #formats()}. */
    private ExpositionFormats formats;
    private final Gauge role;
    private final Gauge paused;
    private final Gauge fenced;
    private final Gauge failures;
    private final Gauge partnerReachable;
    private final Histogram probeSeconds;
    private final Gauge lagBytes;
    private final Gauge timeline;
    private final Counter promotions;
    private final Counter fences;
    private final Counter rejoins;
    private final Counter switchovers;
    private final Gauge leaseTerm;
    private final Gauge leaseValid;
    private final Gauge leaseHolder;
    private final boolean witness;
    private String lastHolder = "";
    private boolean wasFenced;

    /**
     * @param status keeper's latest status, read at each scrape for the time since the last run
     * @param witness a witness is configured: the lease metrics are exported
     */
    public KeeperMetrics(String nodeName, String version, boolean witness, Supplier<KeeperStatus> status,
                         Clock clock) {
        this.witness = witness;
        Info.builder().name("keeper_build_info").help("keeper's version and this node's node_name")
                .labelNames("version", "node").register(registry).addLabelValues(version, nodeName);
        role = Gauge.builder().name("keeper_role").help("1 for the local server's current role, 0 for the others")
                .labelNames("role").withoutExemplars().register(registry);
        ROLES.forEach(r -> role.labelValues(r).set(r.equals("unknown") ? 1 : 0));
        paused = Gauge.builder().name("keeper_paused").help("1 while a maintenance pause (keeper pause) holds")
                .withoutExemplars().register(registry);
        fenced = Gauge.builder().name("keeper_fenced")
                .help("1 while keeper has taken writes away from the local server (demoted or fenced)")
                .withoutExemplars().register(registry);
        failures = Gauge.builder().name("keeper_partner_consecutive_failures")
                .help("consecutive unreachable probes of the partner; keepalive_count of them is a dead partner")
                .withoutExemplars().register(registry);
        partnerReachable = Gauge.builder().name("keeper_partner_reachable")
                .help("1 when the partner answered the last probe (also when it refused keeper's login)")
                .withoutExemplars().register(registry);
        probeSeconds = Histogram.builder().name("keeper_partner_probe_duration_seconds")
                .help("how long each probe of the partner took, answered or not").classicOnly()
                .classicUpperBounds(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .withoutExemplars().register(registry);
        lagBytes = Gauge.builder().name("keeper_replication_lag_bytes")
                .help("on a standby: how far its received WAL is behind the primary's last seen position;"
                        + " NaN when unknown").withoutExemplars().register(registry);
        lagBytes.set(Double.NaN);
        timeline = Gauge.builder().name("keeper_timeline").help("the local server's timeline").withoutExemplars()
                .register(registry);
        promotions = Counter.builder().name("keeper_promotions_total")
                .help("promotions of the local server by this keeper process").withoutExemplars().register(registry);
        fences = Counter.builder().name("keeper_fences_total")
                .help("times this keeper process took writes away from the local server").withoutExemplars()
                .register(registry);
        rejoins = Counter.builder().name("keeper_rejoins_total")
                .help("times the local server became the partner's standby again").withoutExemplars()
                .register(registry);
        switchovers = Counter.builder().name("keeper_switchovers_total")
                .help("planned switchovers this keeper carried out (its server handed the primary role over)")
                .withoutExemplars().register(registry);
        GaugeWithCallback.builder().name("keeper_seconds_since_last_run")
                .help("seconds since the last completed heartbeat run; growing means keeper is stuck")
                .callback(cb -> cb.call(Duration.between(status.get().updatedAt(), clock.instant()).toMillis()
                        / 1000.0)).register(registry);
        if (witness) {
            leaseTerm = Gauge.builder().name("keeper_lease_term").help("the lease's term (fencing token) as last seen")
                    .withoutExemplars().register(registry);
            leaseValid = Gauge.builder().name("keeper_lease_valid")
                    .help("0 when this primary's write permission (lease or failsafe) ran out").withoutExemplars()
                    .register(registry);
            leaseHolder = Gauge.builder().name("keeper_lease_holder")
                    .help("1 for the node_name that holds the lease").labelNames("holder")
                    .withoutExemplars().register(registry);
        } else {
            leaseTerm = null;
            leaseValid = null;
            leaseHolder = null;
        }
    }

    /**
     * Exports the arbiter: keeper_arbiter_info{arbiter}, keeper_lease_expires_in_seconds (counted down on this
     * node's clock from the last answer) and, for etcd, keeper_arbiter_endpoint_up{endpoint}, asked at each scrape.
     */
    public void watchArbiter(String arbiter, DoubleSupplier leaseSecondsLeft,
                             Supplier<Map<String, String>> endpointHealth) {
        Info.builder().name("keeper_arbiter_info").help("where the lease lives (witness or etcd endpoints)")
                .labelNames("arbiter").register(registry).addLabelValues(arbiter);
        GaugeWithCallback.builder().name("keeper_lease_expires_in_seconds")
                .help("time left on the lease as last seen, by the arbiter's answer and this node's monotonic clock;"
                        + " NaN before the first answer").callback(cb -> cb.call(leaseSecondsLeft.getAsDouble()))
                .register(registry);
        GaugeWithCallback.builder().name("keeper_arbiter_endpoint_up")
                .help("1 when the etcd endpoint answered its status request at this scrape").labelNames("endpoint")
                .callback(cb -> endpointHealth.get().forEach((endpoint, health) ->
                        cb.call(health.startsWith("ok") ? 1 : 0, endpoint))).register(registry);
    }

    /** After every heartbeat run. */
    public synchronized void afterRun(KeeperStatus s, Decision decision, Duration partnerProbe, Long lag) {
        ROLES.forEach(r -> role.labelValues(r).set(r.equals(s.role()) ? 1 : 0));
        paused.set(s.paused().isEmpty() ? 0 : 1);
        boolean isFenced = !s.fenced().isEmpty();
        fenced.set(isFenced ? 1 : 0);
        if (isFenced && !wasFenced) {
            fences.inc();
        }
        wasFenced = isFenced;
        failures.set(s.consecutiveFailures());
        partnerReachable.set(s.consecutiveFailures() == 0 ? 1 : 0);
        if (partnerProbe != null) {
            probeSeconds.observe(partnerProbe.toNanos() / 1e9);
        }
        lagBytes.set(lag == null ? Double.NaN : lag);
        if (s.timeline() >= 0) {
            timeline.set(s.timeline());
        }
        if (decision == Decision.PROMOTED) {
            promotions.inc();
        } else if (decision == Decision.REJOINED) {
            rejoins.inc();
        } else if (decision == Decision.SWITCHED_OVER) {
            switchovers.inc();
        }
        if (witness) {
            leaseTerm.set(s.term());
            leaseValid.set(s.leaseValid() ? 1 : 0);
            if (!s.leaseHolder().equals(lastHolder)) {
                if (!lastHolder.isEmpty()) {
                    leaseHolder.remove(lastHolder);
                }
                if (!s.leaseHolder().isEmpty()) {
                    leaseHolder.labelValues(s.leaseHolder()).set(1);
                }
                lastHolder = s.leaseHolder();
            }
        }
    }

    /** The content type of the format chosen for this Accept header. */
    public String contentType(String accept) {
        return formats().findWriter(accept).getContentType();
    }

    /** Writes every metric in the format chosen for this Accept header. */
    public void write(String accept, OutputStream out) throws IOException {
        ExpositionFormatWriter writer = formats().findWriter(accept);
        writer.write(out, registry.scrape());
    }

    /**
     * The exposition formats, and the JVM and process metrics, set up at the first scrape: they load some 500
     * classes (java.management's among them) that a keeper nobody scrapes, or one only asked for its checks, would
     * carry for nothing. The JVM metrics read the JVM's own counters, so they lose nothing by starting late.
     */
    private synchronized ExpositionFormats formats() {
        if (formats == null) {
            JvmMemoryMetrics.builder().register(registry);
            JvmThreadsMetrics.builder().register(registry);
            JvmGarbageCollectorMetrics.builder().register(registry);
            JvmRuntimeInfoMetric.builder().register(registry);
            ProcessMetrics.builder().register(registry);
            formats = ExpositionFormats.init();
        }
        return formats;
    }
}
