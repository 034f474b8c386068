package io.keeper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

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

    /** The HTTP status of GET {@code path}, or -1 when nothing answers. */
    int get(String path) {
        try {
            return HTTP.send(request(path), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
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

    private HttpRequest request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl.get() + path)).timeout(Duration.ofSeconds(3)).GET().build();
    }
}
