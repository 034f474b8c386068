package io.keeper.lease;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keeper.config.EtcdSettings;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * etcd's v3 API through its JSON gateway (POST /v3/...), with the JDK's HttpURLConnection (in java.base: no gRPC
 * stack, no selector threads, TLS classes loaded only for https endpoints; connections are kept alive). Every call
 * goes to the endpoint that answered last; one that fails (no connection, a timeout, a member without a leader)
 * moves the call on to the next within the same deadline, and later calls start there. A request body is streamed
 * with its length fixed, so the JDK never sends a POST twice by itself.
 */
final class EtcdClient implements AutoCloseable {

    /** gRPC status codes etcd answers with in the JSON body. */
    static final int NOT_FOUND = 5;
    static final int UNAUTHENTICATED = 16;
    private static final int DEADLINE_EXCEEDED = 4;
    private static final int UNAVAILABLE = 14;
    private static final Duration MIN_ATTEMPT = Duration.ofMillis(100);

    private final EtcdSettings settings;
    private volatile Duration deadline;
    private final SSLSocketFactory tls;
    private final ObjectMapper json = new ObjectMapper();
    private volatile int current;
    private volatile String token;

    /** @param deadline how long one call may take, all endpoints together */
    EtcdClient(EtcdSettings settings, Duration deadline, SSLContext tls) {
        this.settings = settings;
        this.deadline = deadline;
        this.tls = tls == null ? null : tls.getSocketFactory();
    }

    void setDeadline(Duration deadline) {
        this.deadline = deadline;
    }

    ObjectNode object() {
        return json.createObjectNode();
    }

    static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    static String unb64(JsonNode node) {
        return node == null || node.isNull() ? "" : new String(Base64.getDecoder().decode(node.asText()),
                StandardCharsets.UTF_8);
    }

    /** The endpoint calls go to first, for logs. */
    URI endpoint() {
        return settings.endpoints().get(current);
    }

    /**
     * POSTs {@code body} to {@code path} (e.g. /v3/kv/range) and returns etcd's answer, which holds "error" and
     * "code" when etcd refused the request itself (a lease not found, a failed compare is not an error).
     *
     * @throws LeaseException when no endpoint answered within the deadline
     */
    JsonNode post(String path, ObjectNode body) throws LeaseException {
        long end = System.nanoTime() + deadline.toNanos();
        List<URI> endpoints = settings.endpoints();
        StringBuilder failures = new StringBuilder();
        boolean reauthenticated = false;
        for (int tried = 0; tried < endpoints.size(); tried++) {
            int at = (current + tried) % endpoints.size();
            long left = end - System.nanoTime();
            Duration attempt = Duration.ofNanos(Math.max(MIN_ATTEMPT.toNanos(), left / (endpoints.size() - tried)));
            if (left <= 0 && tried > 0) {
                break;
            }
            try {
                if (!settings.user().isEmpty() && token == null) {
                    token = authenticate(endpoints.get(at), attempt);
                }
                JsonNode answer = send(endpoints.get(at), path, body, attempt);
                int code = answer.path("code").asInt(0);
                if (code == UNAUTHENTICATED && !settings.user().isEmpty() && !reauthenticated) {
                    token = null; // the token expired (etcd's simple tokens last 5 min): once more with a new one
                    reauthenticated = true;
                    tried--;
                    continue;
                }
                if (code == UNAVAILABLE || code == DEADLINE_EXCEEDED) {
                    failures.append(failures.isEmpty() ? "" : "; ").append(endpoints.get(at)).append(": ")
                            .append(answer.path("error").asText());
                    continue;
                }
                current = at;
                return answer;
            } catch (IOException e) {
                failures.append(failures.isEmpty() ? "" : "; ").append(endpoints.get(at)).append(": ")
                        .append(describe(e, attempt));
            }
        }
        current = (current + 1) % endpoints.size(); // the next call starts with another member
        throw new LeaseException("no etcd endpoint answered within " + deadline.toMillis() + " ms (" + failures
                + ")", null, null);
    }

    /**
     * POSTs {@code body} to one endpoint only (for health checks), signing in first when etcd_user is set.
     *
     * @throws IOException when the endpoint does not answer within {@code timeout}, described for people
     */
    JsonNode postTo(URI endpoint, String path, ObjectNode body, Duration timeout) throws IOException, LeaseException {
        try {
            if (!settings.user().isEmpty() && token == null) {
                token = authenticate(endpoint, timeout);
            }
            return send(endpoint, path, body, timeout);
        } catch (IOException e) {
            throw new IOException(describe(e, timeout), e);
        }
    }

    /** A token for etcd_user; a refusal (wrong password, unknown user) is not an endpoint failure: no retry. */
    private String authenticate(URI endpoint, Duration timeout) throws IOException, LeaseException {
        ObjectNode body = object().put("name", settings.user()).put("password", settings.password());
        JsonNode answer = send(endpoint, "/v3/auth/authenticate", body, timeout);
        int code = answer.path("code").asInt(0);
        if (code == UNAVAILABLE || code == DEADLINE_EXCEEDED) {
            throw new IOException(answer.path("error").asText());
        }
        if (!answer.hasNonNull("token")) {
            throw new LeaseException("etcd " + endpoint + " refused user " + settings.user() + ": "
                    + answer.path("error").asText("no token in its answer") + " (check etcd_user and etcd_password)",
                    null, null);
        }
        return answer.get("token").asText();
    }

    private JsonNode send(URI endpoint, String path, ObjectNode body, Duration timeout) throws IOException {
        HttpURLConnection c = (HttpURLConnection) endpoint.resolve(path).toURL().openConnection();
        if (c instanceof HttpsURLConnection https && tls != null) {
            https.setSSLSocketFactory(tls);
        }
        int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        c.setConnectTimeout(ms);
        c.setReadTimeout(ms);
        c.setRequestMethod("POST");
        c.setUseCaches(false);
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        String t = token;
        if (t != null && !path.equals("/v3/auth/authenticate")) {
            c.setRequestProperty("Authorization", t);
        }
        byte[] bytes = json.writeValueAsBytes(body);
        c.setFixedLengthStreamingMode(bytes.length);
        try (OutputStream out = c.getOutputStream()) {
            out.write(bytes);
        }
        int status = c.getResponseCode();
        InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
        if (in == null) {
            throw new IOException("HTTP " + status + " without a body");
        }
        try (in) {
            return json.readTree(in);
        } catch (JsonProcessingException e) {
            throw new IOException("HTTP " + status + " with a body that is not etcd's JSON", e);
        }
    }

    private static String describe(IOException e, Duration attempt) {
        if (e instanceof java.net.SocketTimeoutException) {
            return "no answer within " + attempt.toMillis() + " ms";
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    @Override
    public void close() {
        // Kept-alive connections are the JDK's, closed when idle.
    }
}
