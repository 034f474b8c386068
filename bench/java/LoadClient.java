import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The benchmark's application: commits one small transaction after another, as fast as it can, on
 * whichever node accepts writes, and logs every acknowledged id with its wall-clock time.
 *
 * <p>Usage: {@code LoadClient OUT_DIR HOST[,HOST...] [PAUSE_MS [PROBE_HOST,...]]} (PAUSE_MS between
 * commits, default 0: as fast as it can; PROBE_HOSTS: see {@link Probe}). Writes, in OUT_DIR:
 * <ul>
 *   <li>{@code acks.csv}: {@code id,ack_ms,host,session} for every commit the server acknowledged;</li>
 *   <li>{@code sessions.csv}: {@code session,open_ms,host}, one line per connection to a writable node;</li>
 *   <li>{@code errors.log}: the first error of each broken session;</li>
 *   <li>{@code recovered}: written once, with the ack time of the first commit acknowledged on a
 *       session opened after the time found in {@code fault} (the orchestrator writes that file just
 *       before it injects the fault);</li>
 *   <li>{@code stable}: {@code session host}, written after recovery each time a session opened after
 *       the fault has been committing without an error for {@value #STABLE_MS} ms (the orchestrator
 *       then asks the failover tool whether it agrees that this node stays the primary);</li>
 *   <li>{@code probes.csv}: {@code host,seq,sent_ms,returned_ms,outcome} for every write a {@link Probe}
 *       attempted (outcome {@code ok} when acknowledged, else the SQLState or {@code connect}).</li>
 * </ul>
 * Stops when OUT_DIR/stop exists. Timeouts are 1 s (pgjdbc's smallest), so a dead or frozen node is
 * left after 1 s, as an application with tight timeouts would; a commit whose answer never came is
 * not acknowledged and never counted as lost. To find the writable node it asks every host at once,
 * asks again every few ms each host that answered, and takes the first that answers as a primary, so
 * a dead host's connect timeout does not delay finding the new primary.
 */
public final class LoadClient {
    private static final long FLUSH_EVERY_MS = 100;
    private static final long RETRY_PAUSE_MS = 20;
    static final long STABLE_MS = 2000;
    private static final long ROUND_MS = 2000;

    private final Path out;
    private final List<String> hosts;
    private final BufferedWriter acks;
    private final BufferedWriter sessions;
    private final BufferedWriter errors;
    private final ExecutorService connectors = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "connect");
        t.setDaemon(true);
        return t;
    });
    private final long pauseMs;
    private long faultMs = Long.MAX_VALUE;
    private boolean tableReady;
    private boolean probing;
    private boolean recovered;
    private long stableSession;

    private LoadClient(Path out, List<String> hosts, long pauseMs) throws IOException {
        this.out = out;
        this.pauseMs = pauseMs;
        this.hosts = hosts;
        this.acks = open("acks.csv");
        this.sessions = open("sessions.csv");
        this.errors = open("errors.log");
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 4) {
            System.err.println("usage: LoadClient OUT_DIR HOST[,HOST...] [PAUSE_MS [PROBE_HOST,...]]");
            System.exit(2);
        }
        LoadClient client = new LoadClient(Path.of(args[0]), List.of(args[1].split(",")),
                args.length >= 3 ? Long.parseLong(args[2]) : 0);
        List<Thread> probes = new ArrayList<>();
        if (args.length == 4) {
            client.probing = true;
            try (BufferedWriter log = client.open("probes.csv")) {
                for (String host : args[3].split(",")) {
                    Thread t = new Thread(new Probe(host, client.out.resolve("stop"), log), "probe-" + host);
                    t.start();
                    probes.add(t);
                }
                client.run();
                for (Thread t : probes) {
                    t.join();
                }
            }
        } else {
            client.run();
        }
    }

    private void run() throws IOException, InterruptedException {
        Path stop = out.resolve("stop");
        long id = 0;
        long session = 0;
        long lastFlush = System.currentTimeMillis();
        Connection conn = null;
        PreparedStatement insert = null;
        String host = null;
        long sessionOpenMs = 0;
        while (!Files.exists(stop)) {
            long now = System.currentTimeMillis();
            if (now - lastFlush >= FLUSH_EVERY_MS) {
                flushAll();
                lastFlush = now;
            }
            if (conn == null) {
                Writable w = connectToPrimary();
                if (w != null) {
                    conn = w.conn();
                    host = w.host();
                }
                if (conn == null) {
                    Thread.sleep(RETRY_PAUSE_MS);
                    continue;
                }
                session++;
                sessionOpenMs = System.currentTimeMillis();
                sessions.write(session + "," + sessionOpenMs + "," + host + "\n");
                readFaultTime();
                try {
                    if (!tableReady) { // the client starts while the cluster is still being set up
                        try (Statement s = conn.createStatement()) {
                            s.execute("CREATE TABLE IF NOT EXISTS bench_writes"
                                    + " (id bigint PRIMARY KEY, at timestamptz DEFAULT now())");
                            if (probing) {
                                s.execute(Probe.TABLE);
                            }
                        }
                        tableReady = true;
                    }
                    insert = conn.prepareStatement("INSERT INTO bench_writes (id) VALUES (?)");
                } catch (SQLException e) {
                    conn = closeQuietly(conn, session, e);
                    continue;
                }
            }
            id++;
            try {
                insert.setLong(1, id);
                insert.executeUpdate();
            } catch (SQLException e) {
                conn = closeQuietly(conn, session, e);
                if ("25006".equals(e.getSQLState())) {
                    Thread.sleep(RETRY_PAUSE_MS); // read-only (being promoted): ask again shortly
                }
                continue;
            }
            long ackMs = System.currentTimeMillis();
            acks.write(id + "," + ackMs + "," + host + "," + session + "\n");
            if (!recovered && sessionOpenMs > faultMs) {
                recovered = true;
                acks.flush();
                Files.writeString(out.resolve("recovered"), ackMs + "\n");
            }
            if (recovered && stableSession != session && sessionOpenMs > faultMs && ackMs - sessionOpenMs >= STABLE_MS) {
                stableSession = session;
                flushAll();
                Path tmp = out.resolve("stable.tmp");
                Files.writeString(tmp, session + " " + host + "\n");
                Files.move(tmp, out.resolve("stable"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            if (pauseMs > 0) {
                Thread.sleep(pauseMs);
            }
        }
        closeQuietly(conn, session, null);
        flushAll();
        acks.close();
        sessions.close();
        errors.close();
    }

    record Writable(String host, Connection conn) {
    }

    /**
     * Asks every host at once, and asks again every {@value #RETRY_PAUSE_MS} ms each host that
     * answered "not a primary" or refused, for up to {@value #ROUND_MS} ms: the first host that
     * answers as a primary wins, or null. A host that hangs (dead or frozen: 1 s connect timeout)
     * never delays asking the others, so a just-promoted standby is found within a few ms.
     */
    private Writable connectToPrimary() throws InterruptedException {
        long deadline = System.currentTimeMillis() + ROUND_MS;
        CompletionService<Writable> answers = new ExecutorCompletionService<>(connectors);
        int pending = 0;
        for (String h : hosts) {
            answers.submit(() -> ask(h, 0));
            pending++;
        }
        Writable winner = null;
        while (winner == null && pending > 0) {
            Writable a = answer(answers);
            pending--;
            if (a != null && a.conn() != null) {
                winner = a;
            } else if (a != null && System.currentTimeMillis() < deadline) {
                answers.submit(() -> ask(a.host(), RETRY_PAUSE_MS));
                pending++;
            }
        }
        if (pending > 0) { // the slower answers are closed in the background
            int rest = pending;
            connectors.submit(() -> {
                for (int i = 0; i < rest; i++) {
                    Writable late = answer(answers);
                    if (late != null && late.conn() != null) {
                        closeQuietly(late.conn());
                    }
                }
                return null;
            });
        }
        return winner;
    }

    /** The host with a connection if it is a primary now, or with a null connection. */
    private static Writable ask(String host, long pauseMs) throws InterruptedException {
        if (pauseMs > 0) {
            Thread.sleep(pauseMs);
        }
        return new Writable(host, connectIfPrimary(host));
    }

    private static Writable answer(CompletionService<Writable> answers) throws InterruptedException {
        try {
            return answers.take().get();
        } catch (ExecutionException e) {
            return null;
        }
    }

    /** A connection to {@code host} if it is a writable primary now, else null (and nothing stays open). */
    private static Connection connectIfPrimary(String host) {
        Connection c = null;
        try {
            c = connect(host);
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    c.setAutoCommit(true);
                    return c;
                }
            }
        } catch (SQLException e) {
            // Not reachable or not ready: the caller tries the next host.
        }
        closeQuietly(c);
        return null;
    }

    /** A connection to {@code host} with the client's 1 s timeouts, whatever the server's role. */
    static Connection connect(String host) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", "secret");
        props.setProperty("connectTimeout", "1");
        props.setProperty("loginTimeout", "1");
        props.setProperty("socketTimeout", "1");
        props.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":5432/postgres", props);
    }

    private void readFaultTime() {
        try {
            Path fault = out.resolve("fault");
            if (Files.exists(fault)) {
                faultMs = Long.parseLong(Files.readString(fault).strip());
            }
        } catch (IOException | NumberFormatException e) {
            // Written without a rename: read again at the next new session.
        }
    }

    private Connection closeQuietly(Connection conn, long session, SQLException cause) throws IOException {
        if (cause != null) {
            errors.write(System.currentTimeMillis() + " session " + session + ": " + cause.getSQLState() + " "
                    + cause.getMessage().replace('\n', ' ') + "\n");
        }
        closeQuietly(conn);
        return null;
    }

    static void closeQuietly(Connection conn) {
        if (conn != null) {
            try {
                conn.close();
            } catch (SQLException e) {
                // The connection is broken anyway.
            }
        }
    }

    private void flushAll() throws IOException {
        acks.flush();
        sessions.flush();
        errors.flush();
    }

    private BufferedWriter open(String name) throws IOException {
        return Files.newBufferedWriter(out.resolve(name), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
    }
}
