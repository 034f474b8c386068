import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The least a keeper does, written with and without the design card's libraries, to measure the resident memory
 * those libraries need on their own (bench/design-floor.sh). Every second it asks the local server and its partner
 * whether they are in recovery and where their WAL is, on one kept connection each (pgjdbc, password
 * authentication), and keeps the answer as a status.
 * <ul>
 * <li>{@code bare HOST PARTNER}: a plain thread, a StringBuilder and System.out; no library but pgjdbc.</li>
 * <li>{@code card --local HOST --partner PARTNER [--http]}: Picocli parses the arguments, Quartz fires the probe
 * (one worker thread, the RAM job store, as keeper's heartbeat), Jackson's streaming generator writes the status,
 * Logback (through SLF4J, configured by keeper's jar) logs, and with {@code --http} the JDK's HTTP server answers
 * it on 127.0.0.1:8008.</li>
 * </ul>
 * The password is {@code footprint}, as bench/pair-footprint.sh sets it.
 */
public final class DesignFloor {
    private DesignFloor() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("bare")) {
            Bare.run(args[1], args[2]);
        } else if (args.length > 0 && args[0].equals("card")) {
            Card.main(java.util.Arrays.copyOfRange(args, 1, args.length));
        } else {
            System.err.println("usage: DesignFloor bare HOST PARTNER | card --local HOST --partner PARTNER [--http]");
            System.exit(2);
        }
    }

    static Connection connect(String host) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", "footprint");
        p.setProperty("connectTimeout", "2");
        p.setProperty("socketTimeout", "2");
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":5432/postgres", p);
    }

    static String ask(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet r = st.executeQuery("SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery()"
                     + " THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END")) {
            r.next();
            return r.getBoolean(1) + " " + r.getString(2);
        }
    }

    /** Only pgjdbc. */
    static final class Bare {
        static void run(String local, String partner) throws InterruptedException {
            Connection lc = null;
            Connection pc = null;
            for (long n = 1; ; n++) {
                try {
                    if (lc == null) {
                        lc = connect(local);
                    }
                    if (pc == null) {
                        pc = connect(partner);
                    }
                    String status = new StringBuilder("{\"local\":\"").append(ask(lc)).append("\",\"partner\":\"")
                            .append(ask(pc)).append("\",\"n\":").append(n).append('}').toString();
                    if (n % 60 == 1) {
                        System.out.println("probe " + n + ": " + status);
                    }
                } catch (SQLException e) {
                    System.out.println("probe failed: " + e.getMessage());
                    lc = null;
                    pc = null;
                }
                Thread.sleep(1000);
            }
        }
    }

    /** The design card's libraries. */
    @CommandLine.Command(name = "card")
    public static final class Card implements Runnable {
        static final Logger LOG = LoggerFactory.getLogger(DesignFloor.class);
        static Card self;

        @CommandLine.Option(names = "--local", required = true)
        String local;
        @CommandLine.Option(names = "--partner", required = true)
        String partner;
        @CommandLine.Option(names = "--http")
        boolean http;

        Connection lc;
        Connection pc;
        long n;
        volatile String status = "{}";

        static void main(String[] args) {
            System.exit(new CommandLine(new Card()).execute(args));
        }

        @Override
        public void run() {
            self = this;
            try {
                Properties p = new Properties();
                p.setProperty("org.quartz.scheduler.instanceName", "floor");
                p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
                p.setProperty("org.quartz.threadPool.class", "org.quartz.simpl.SimpleThreadPool");
                p.setProperty("org.quartz.threadPool.threadCount", "1");
                p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
                Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
                scheduler.scheduleJob(JobBuilder.newJob(Probe.class).build(), TriggerBuilder.newTrigger().startNow()
                        .withSchedule(SimpleScheduleBuilder.repeatSecondlyForever(1)).build());
                if (http) {
                    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 8008), 16);
                    server.createContext("/", exchange -> {
                        byte[] body = status.getBytes(StandardCharsets.UTF_8);
                        exchange.sendResponseHeaders(200, body.length);
                        exchange.getResponseBody().write(body);
                        exchange.close();
                    });
                    server.start();
                }
                scheduler.start();
                LOG.info("design floor started");
                Thread.sleep(Long.MAX_VALUE);
            } catch (Exception e) {
                LOG.error("design floor failed: {}", e.toString());
                System.exit(1);
            }
        }

        /** Quartz's job: one probe of both servers. */
        public static final class Probe implements Job {
            @Override
            public void execute(JobExecutionContext context) {
                Card card = self;
                try {
                    if (card.lc == null) {
                        card.lc = connect(card.local);
                    }
                    if (card.pc == null) {
                        card.pc = connect(card.partner);
                    }
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
                        g.writeStartObject();
                        g.writeStringField("local", ask(card.lc));
                        g.writeStringField("partner", ask(card.pc));
                        g.writeNumberField("n", ++card.n);
                        g.writeEndObject();
                    }
                    card.status = out.toString(StandardCharsets.UTF_8);
                    if (card.n % 60 == 1) {
                        LOG.info("probe {}: {}", card.n, card.status);
                    }
                } catch (Exception e) {
                    LOG.warn("probe failed: {}", e.toString());
                    card.lc = null;
                    card.pc = null;
                }
            }
        }
    }
}
