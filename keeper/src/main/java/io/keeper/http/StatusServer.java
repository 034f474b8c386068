package io.keeper.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.keeper.metrics.KeeperMetrics;
import io.keeper.role.KeeperStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP server that answers load balancers' health checks (/primary, /replica, /health) and /status
 * from keeper's latest heartbeat status; it never touches PostgreSQL itself.
 */
public final class StatusServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);
    /** A status older than this many heartbeat intervals means the heartbeat is stuck. */
    static final int STALE_AFTER_INTERVALS = 3;
    /**
     * Threads kept for the checks: one answers a load balancer's checks, which come one after the other; more start
     * while slow clients hold it, up to MAX_THREADS, and end after 30 s idle.
     */
    private static final int THREADS = 1;
    /** HAProxy's checks of both nodes plus monitoring fit many times over; beyond it a connection is closed. */
    static final int MAX_THREADS = 64;
    private static final int BACKLOG = 64;
    /** Seconds a client has to send its request, and to take the answer, before the JDK's server drops it. */
    static final long MAX_REQUEST_SECONDS = 2;
    private static final long MAX_RESPONSE_SECONDS = 5;

    static {
        // The JDK's server reads a request on the thread that then answers it, and without these limits a client
        // that never finishes its request holds that thread for ever. Read once, when its first server starts.
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", String.valueOf(MAX_REQUEST_SECONDS));
        }
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
            System.setProperty("sun.net.httpserver.maxRspTime", String.valueOf(MAX_RESPONSE_SECONDS));
        }
    }

    private final String listen;
    private final InetSocketAddress address;
    private final Supplier<KeeperStatus> status;
    private final Supplier<Duration> heartbeatInterval;
    private final Clock clock;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile KeeperMetrics metrics;
    private HttpServer server;
    private ExecutorService executor;
    private boolean closed;

    /**
     * @param listen "host:port", "[ipv6]:port" or ":port" (all addresses); port 0 picks a free port
     * @param status keeper's latest status
     * @param heartbeatInterval keepalive_time; a status older than three of these is stale
     * @throws IllegalArgumentException when listen is not a valid address, naming the value
     */
    public StatusServer(String listen, Supplier<KeeperStatus> status, Duration heartbeatInterval) {
        this(listen, status, () -> heartbeatInterval, Clock.systemUTC());
    }

    /** As above, with an interval that may change on reload and a clock tests can control. */
    public StatusServer(String listen, Supplier<KeeperStatus> status, Supplier<Duration> heartbeatInterval,
                        Clock clock) {
        this.listen = listen;
        this.address = parseListen(listen);
        this.status = status;
        this.heartbeatInterval = heartbeatInterval;
        this.clock = clock;
    }

    /**
     * Parses a listen address: "host:port", "[ipv6]:port", or ":port" for all addresses; port 0 to 65535.
     *
     * @throws IllegalArgumentException with a message that quotes the value and says what is wrong
     */
    public static InetSocketAddress parseListen(String listen) {
        if (listen == null || listen.isBlank()) {
            throw invalid(listen, "it is empty");
        }
        String text = listen.strip();
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 2 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw invalid(listen, "expected [ipv6-address]:port");
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw invalid(listen, "the port is missing");
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            if (host.contains(":")) {
                throw invalid(listen, "put an IPv6 address in brackets, e.g. [::1]:8008");
            }
        }
        if (!port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) {
            throw invalid(listen, "the port must be a number from 0 to 65535");
        }
        if (host.isEmpty()) {
            return new InetSocketAddress(Integer.parseInt(port));
        }
        InetSocketAddress resolved = new InetSocketAddress(host, Integer.parseInt(port));
        if (resolved.isUnresolved()) {
            throw invalid(listen, "unknown host " + host);
        }
        return resolved;
    }

    private static IllegalArgumentException invalid(String listen, String why) {
        return new IllegalArgumentException("invalid listen address '" + listen + "': " + why
                + " (expected host:port, [ipv6]:port or :port)");
    }

    /** Serves these metrics at GET /metrics (set before start). */
    public void setMetrics(KeeperMetrics metrics) {
        this.metrics = metrics;
    }

    /** Binds the address and starts answering. */
    public synchronized void start() throws IOException {
        if (closed || server != null) {
            throw new IllegalStateException("status server on " + listen + " was already started");
        }
        try {
            server = HttpServer.create(address, BACKLOG);
        } catch (IOException e) {
            throw new IOException("cannot listen on " + listen + " for the status HTTP server: " + e.getMessage(), e);
        }
        AtomicInteger threadCount = new AtomicInteger();
        // A slow or idle client holds one thread until MAX_REQUEST_SECONDS have passed; the checks get others.
        executor = new ThreadPoolExecutor(THREADS, MAX_THREADS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "http-status-" + threadCount.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("Status HTTP server listening on {} (/primary, /replica, /health, /status{})",
                server.getAddress(), metrics == null ? "" : ", /metrics");
    }

    /** The bound port, which is the ephemeral one when listen asked for port 0. */
    public synchronized int port() {
        if (server == null) {
            throw new IllegalStateException("status server on " + listen + " is not started");
        }
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        inFlight.incrementAndGet();
        try {
            String method = exchange.getRequestMethod();
            KeeperMetrics m = metrics;
            if (m != null && "/metrics".equals(exchange.getRequestURI().getPath())
                    && ("GET".equals(method) || "HEAD".equals(method))) {
                serveMetrics(exchange, m, "HEAD".equals(method));
                return;
            }
            Endpoint.Answer answer = answer(method, exchange.getRequestURI().getPath());
            byte[] body = StatusJson.object(answer.body());
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            if (answer.code() == 405) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            }
            boolean head = "HEAD".equals(method);
            exchange.sendResponseHeaders(answer.code(), head ? -1 : body.length);
            if (!head) {
                exchange.getResponseBody().write(body);
            }
            LOG.debug("{} {} -> {}", method, exchange.getRequestURI().getPath(), answer.code());
        } finally {
            exchange.close();
            inFlight.decrementAndGet();
        }
    }

    private static void serveMetrics(HttpExchange exchange, KeeperMetrics m, boolean head) throws IOException {
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        m.write(accept, body);
        exchange.getResponseHeaders().set("Content-Type", m.contentType(accept));
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, head ? -1 : body.size());
        if (!head) {
            body.writeTo(exchange.getResponseBody());
        }
    }

    Endpoint.Answer answer(String method, String path) {
        Endpoint endpoint = Endpoint.forPath(path).orElse(null);
        if (endpoint == null) {
            return new Endpoint.Answer(404, Map.of("error", "not found: try /primary, /replica, /health or /status"));
        }
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            return new Endpoint.Answer(405, Map.of("error", "method " + method + " not allowed: use GET or HEAD"));
        }
        try {
            Duration staleAfter = heartbeatInterval.get().multipliedBy(STALE_AFTER_INTERVALS);
            return endpoint.answer(status.get(), clock.instant(), staleAfter);
        } catch (RuntimeException e) {
            LOG.warn("Status HTTP server could not answer {} {}", method, path, e);
            return new Endpoint.Answer(500, Map.of("error", "internal error (keeper's log has the details)"));
        }
    }

    /** Stops answering, waiting at most about a second for answers in progress; safe to call more than once. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (server == null) {
            return;
        }
        // The JDK's stop(n) waits the whole n seconds even when no exchange is in progress, so only wait when one is.
        server.stop(inFlight.get() > 0 ? 1 : 0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        LOG.info("Status HTTP server on {} stopped", server.getAddress());
    }
}
