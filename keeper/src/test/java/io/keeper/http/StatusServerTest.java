package io.keeper.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keeper.role.KeeperStatus;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.ArrayList;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StatusServerTest {

    private static final Instant NOW = Instant.parse("2030-01-02T03:04:05Z");
    private static final Duration INTERVAL = Duration.ofSeconds(5);

    private final AtomicReference<KeeperStatus> status = new AtomicReference<>();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private StatusServer server;

    private static KeeperStatus status(String role, boolean reachable, String fenced, boolean superseded,
                                       boolean streaming, Instant updatedAt) {
        return new KeeperStatus("node1", role, reachable, fenced, superseded, streaming, 3, "0/3000060",
                "node2:5432", "standby", "", "", 0, 3, "WATCHING", "partner answered", "", 0, true, "primary-watching", "",
                "", updatedAt);
    }

    private static KeeperStatus primary() {
        return status("primary", true, "", false, false, NOW);
    }

    private static KeeperStatus streamingStandby() {
        return status("standby", true, "", false, true, NOW);
    }

    private void start(KeeperStatus initial) throws IOException {
        status.set(initial);
        server = new StatusServer("127.0.0.1:0", status::get, () -> INTERVAL, Clock.fixed(NOW, ZoneOffset.UTC));
        server.start();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return send("GET", path);
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertEquals("application/json; charset=utf-8", response.headers().firstValue("Content-Type").orElse(""));
        return new ObjectMapper().readTree(response.body());
    }

    @Test
    void primaryAnswers200OnlyOnTheRightfulPrimary() throws Exception {
        start(primary());
        HttpResponse<String> ok = get("/primary");
        assertEquals(200, ok.statusCode());
        assertEquals("{\"role\":\"primary\",\"rightfulPrimary\":true}", ok.body().strip());

        status.set(streamingStandby());
        HttpResponse<String> standby = get("/primary");
        assertEquals(503, standby.statusCode());
        assertEquals("local server is a standby", json(standby).get("reason").asText());
        assertFalse(json(standby).get("rightfulPrimary").asBoolean());
    }

    @Test
    void primaryAnswers503WhenFencedSupersededOrUnreachable() throws Exception {
        start(status("primary", true, "partner won the election", false, false, NOW));
        HttpResponse<String> fenced = get("/primary");
        assertEquals(503, fenced.statusCode());
        assertEquals("local server is fenced: partner won the election", json(fenced).get("reason").asText());

        status.set(status("primary", true, "", true, false, NOW));
        HttpResponse<String> superseded = get("/primary");
        assertEquals(503, superseded.statusCode());
        assertTrue(json(superseded).get("reason").asText().startsWith("superseded"), superseded.body());

        status.set(status("unknown", false, "", false, false, NOW));
        HttpResponse<String> down = get("/primary");
        assertEquals(503, down.statusCode());
        assertEquals("local server is not reachable", json(down).get("reason").asText());
    }

    @Test
    void replicaAnswers200OnlyOnAStreamingStandby() throws Exception {
        start(streamingStandby());
        assertEquals(200, get("/replica").statusCode());
        assertEquals("{\"role\":\"standby\",\"healthyReplica\":true}", get("/replica").body().strip());

        status.set(status("standby", true, "", false, false, NOW));
        HttpResponse<String> notStreaming = get("/replica");
        assertEquals(503, notStreaming.statusCode());
        assertEquals("WAL receiver is not streaming", json(notStreaming).get("reason").asText());

        status.set(primary());
        assertEquals(503, get("/replica").statusCode());
    }

    @Test
    void healthAnswers200WhenTheLocalServerIsReachableInAnyRole() throws Exception {
        start(primary());
        assertEquals(200, get("/health").statusCode());
        status.set(status("standby", true, "", false, false, NOW));
        assertEquals(200, get("/health").statusCode());
        status.set(status("unknown", false, "", false, false, NOW));
        HttpResponse<String> down = get("/health");
        assertEquals(503, down.statusCode());
        assertFalse(json(down).get("healthy").asBoolean());
    }

    @Test
    void aStatusOlderThanThreeHeartbeatsMakesEveryCheckAnswer503() throws Exception {
        start(status("primary", true, "", false, true, NOW.minus(INTERVAL.multipliedBy(3)).minusMillis(1)));
        for (String path : new String[] {"/primary", "/health"}) {
            HttpResponse<String> response = get(path);
            assertEquals(503, response.statusCode(), path);
            assertEquals("keeper heartbeat is stale", json(response).get("reason").asText(), path);
        }
        status.set(status("standby", true, "", false, true, NOW.minusSeconds(60)));
        assertEquals("keeper heartbeat is stale", json(get("/replica")).get("reason").asText());
        assertTrue(json(get("/status")).get("stale").asBoolean());
        assertEquals(200, get("/status").statusCode());
    }

    @Test
    void aStatusExactlyThreeHeartbeatsOldIsStillFresh() throws Exception {
        start(status("primary", true, "", false, false, NOW.minus(INTERVAL.multipliedBy(3))));
        assertEquals(200, get("/primary").statusCode());
    }

    @Test
    void statusServesEveryFieldAsJsonWithAnIsoTimestamp() throws Exception {
        start(status("primary", true, "", false, false, NOW.minusSeconds(2)));
        HttpResponse<String> response = get("/status");
        assertEquals(200, response.statusCode());
        JsonNode body = json(response);
        assertEquals("node1", body.get("nodeName").asText());
        assertEquals("primary", body.get("role").asText());
        assertTrue(body.get("rightfulPrimary").asBoolean());
        assertFalse(body.get("healthyReplica").asBoolean());
        assertTrue(body.get("localReachable").asBoolean());
        assertEquals("", body.get("fenced").asText());
        assertEquals(3, body.get("timeline").asInt());
        assertEquals("0/3000060", body.get("lsn").asText());
        assertEquals("node2:5432", body.get("partnerAddress").asText());
        assertEquals("WATCHING", body.get("lastDecision").asText());
        assertEquals("2030-01-02T03:04:03Z", body.get("updatedAt").asText());
        assertEquals(2000, body.get("ageMs").asLong());
        assertFalse(body.get("stale").asBoolean());
    }

    @Test
    void headAnswersTheSameCodeWithoutABody() throws Exception {
        start(primary());
        HttpResponse<String> ok = send("HEAD", "/primary");
        assertEquals(200, ok.statusCode());
        assertEquals("", ok.body());
        assertEquals(503, send("HEAD", "/replica").statusCode());
    }

    @Test
    void unknownPathsAnswer404AndOtherMethods405() throws Exception {
        start(primary());
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/primary/extra").statusCode());
        assertEquals(404, get("/master").statusCode());
        HttpResponse<String> post = send("POST", "/primary");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        assertEquals(405, send("DELETE", "/status").statusCode());
    }

    @Test
    void aQueryStringDoesNotChangeTheAnswer() throws Exception {
        start(primary());
        assertEquals(200, get("/primary?from=haproxy").statusCode());
    }

    @Test
    void noStatusYetAnswers503() throws Exception {
        start(null);
        assertEquals(503, get("/health").statusCode());
        assertEquals("keeper has no status yet", json(get("/primary")).get("reason").asText());
        assertEquals(503, get("/status").statusCode());
    }

    @Test
    void aFailingStatusSupplierAnswers500AndTheServerKeepsServing() throws Exception {
        server = new StatusServer("127.0.0.1:0", () -> {
            throw new IllegalStateException("boom");
        }, INTERVAL);
        server.start();
        assertEquals(500, get("/primary").statusCode());
        HttpResponse<String> again = get("/primary");
        assertEquals(500, again.statusCode());
        assertFalse(again.body().contains("boom") || again.body().contains("Exception"), again.body());
    }

    @Test
    void clientsThatNeverFinishTheirRequestDoNotBlockTheChecksAndAreDropped() throws Exception {
        start(primary());
        List<java.net.Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) { // as HAProxy would see it: 50 connections with half a request each
                java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port());
                socket.getOutputStream().write("GET /primary HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                slow.add(socket);
            }
            Thread.sleep(200); // the server has taken them all
            long begin = System.nanoTime();
            HttpResponse<String> check = get("/primary");
            long ms = Duration.ofNanos(System.nanoTime() - begin).toMillis();
            System.out.printf("[measure] GET /primary with 50 unfinished requests open: %d ms%n", ms);
            assertEquals(200, check.statusCode());
            assertTrue(ms < 2000, "answered after " + ms + " ms");
            // The server drops each after MAX_REQUEST_SECONDS (its timer looks once a second).
            java.net.Socket first = slow.get(0);
            first.setSoTimeout((int) (StatusServer.MAX_REQUEST_SECONDS * 1000 + 5000));
            assertEquals(-1, first.getInputStream().read(), "an unfinished request is dropped");
        } finally {
            for (java.net.Socket socket : slow) {
                socket.close();
            }
        }
    }

    @Test
    void closeIsIdempotentAndStopsAnsweringPromptly() throws Exception {
        start(primary());
        int port = server.port();
        assertEquals(200, get("/primary").statusCode());
        long begin = System.nanoTime();
        server.close();
        server.close();
        assertTrue(Duration.ofNanos(System.nanoTime() - begin).toMillis() < 1_500);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/primary"))
                .timeout(Duration.ofSeconds(5)).build();
        assertThrows(ConnectException.class, () -> client.send(request, HttpResponse.BodyHandlers.ofString()));
    }

    @Test
    void closeBeforeStartIsHarmlessAndFinal() {
        StatusServer never = new StatusServer(":0", () -> null, INTERVAL);
        never.close();
        never.close();
        assertThrows(IllegalStateException.class, never::start, "a closed server cannot start listening");
    }

    @Test
    void listenAcceptsHostPortBracketedIpv6AndBarePort() {
        assertEquals(new InetSocketAddress("127.0.0.1", 8008), StatusServer.parseListen("127.0.0.1:8008"));
        assertEquals(new InetSocketAddress("::1", 8008), StatusServer.parseListen("[::1]:8008"));
        InetSocketAddress all = StatusServer.parseListen(":8008");
        assertTrue(all.getAddress().isAnyLocalAddress());
        assertEquals(8008, all.getPort());
        assertEquals(0, StatusServer.parseListen("localhost:0").getPort());
    }

    @Test
    void aBadListenValueIsRejectedWithAMessageNamingIt() {
        for (String bad : new String[] {"", "8008", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:70000", "::1:8008",
                "[::1]8008", "[]:8008", "no-such-host.invalid:8008"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new StatusServer(bad, () -> null, INTERVAL), bad);
            assertTrue(e.getMessage().startsWith("invalid listen address '" + bad + "': "), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> StatusServer.parseListen(null));
    }

    @Test
    void aPortInUseFailsStartWithTheListenValueInTheMessage() throws Exception {
        start(primary());
        String taken = "127.0.0.1:" + server.port();
        StatusServer second = new StatusServer(taken, () -> null, INTERVAL);
        IOException e = assertThrows(IOException.class, second::start);
        assertTrue(e.getMessage().contains(taken), e.getMessage());
        second.close();
    }
}
