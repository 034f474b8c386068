package io.keeper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** keeper's HTTP endpoints on one node, reached from the test process through the published port. */
final class KeeperHttp {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String node;
    private final Supplier<String> baseUrl;

    /** {@code baseUrl} is read at every request: the published port changes when a host boots again. */
    KeeperHttp(String node, Supplier<String> baseUrl) {
        this.node = node;
        this.baseUrl = baseUrl;
    }

    /**
     * The HTTP status of GET {@code path}; throws, naming why, when nothing answers (an await then reports the
     * cause of its last attempt).
     */
    int get(String path) {
        try {
            return HTTP.send(request(path), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " on " + node + " got no answer: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during GET " + path + " on " + node, e);
        }
    }

    /** GET /status as JSON; throws when keeper does not answer with 200 and a JSON body. */
    JsonNode status() {
        try {
            HttpResponse<String> response = HTTP.send(request("/status"), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET /status on " + node + " answered " + response.statusCode()
                        + ": " + response.body());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException("GET /status on " + node + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during GET /status on " + node, e);
        }
    }

    /** One field of /status as text; throws when /status has no such field. */
    String status(String field) {
        JsonNode status = status();
        JsonNode value = status.get(field);
        if (value == null) {
            throw new IllegalStateException("/status on " + node + " has no field " + field + ": " + status);
        }
        return value.asText();
    }

    /**
     * GET /metrics in the Prometheus protobuf format, parsed with the Prometheus client's own generated classes:
     * each sample as "name{label=value,...}" (labels sorted by the exposition) to its value.
     */
    Map<String, Double> metrics() {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl.get() + "/metrics"))
                .timeout(Duration.ofSeconds(3)).header("Accept", "application/vnd.google.protobuf;"
                        + " proto=io.prometheus.client.MetricFamily; encoding=delimited").GET().build();
        try {
            HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET /metrics on " + node + " answered " + response.statusCode());
            }
            Map<String, Double> samples = new HashMap<>();
            try (InputStream in = response.body()) {
                Metrics.MetricFamily family;
                while ((family = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
                    for (Metrics.Metric m : family.getMetricList()) {
                        StringBuilder key = new StringBuilder(family.getName());
                        if (m.getLabelCount() > 0) {
                            key.append('{').append(m.getLabelList().stream().map(l -> l.getName() + "=" + l.getValue())
                                    .collect(Collectors.joining(","))).append('}');
                        }
                        samples.put(key.toString(), m.hasGauge() ? m.getGauge().getValue() : m.hasCounter()
                                ? m.getCounter().getValue() : m.hasHistogram() ? m.getHistogram().getSampleCount()
                                : Double.NaN);
                    }
                }
            }
            return samples;
        } catch (IOException e) {
            throw new IllegalStateException("GET /metrics on " + node + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during GET /metrics on " + node, e);
        }
    }

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl.get() + path)).timeout(Duration.ofSeconds(3)).GET().build();
    }
}
