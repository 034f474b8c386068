package io.keeper.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** JdbcServerProbe and PgSession against fake servers on loopback: no PostgreSQL needed. */
class JdbcServerProbeTest {

    /** No password file is read: every conninfo here carries its password, and HOME is never consulted. */
    private static final Map<String, String> ENV = Map.of();

    /** Generous bound for "returned promptly", far above the deadlines used, to stay clear of slow CI hosts. */
    private static final Duration PROMPTLY = Duration.ofSeconds(3);

    private static final String[] STANDBY_ROW = {"t", "3", "0/3000060", "7345322912392818781", "", "", "0",
        "node2", "", "120", "f", "0/3000000", "4", "", "", "3", ""};
    private static final String[] PRIMARY_ROW = {"f", "4", "16/B374D848", "7345322912392818781", "standby1",
        "", "1", "node1", "", null, "f", null, "0", "", "until=none set=2026-12-01T06:00:00Z by=dba@db1", null, ""};

    private static JdbcServerProbe probe(Conninfo conninfo, Duration deadline) {
        return new JdbcServerProbe(new PgSession(conninfo, ENV, deadline, "probe-test"));
    }

    @Test
    void frozenPartnerIsUnreachableWithinTheDeadline() throws IOException {
        try (FakePostgres server = FakePostgres.frozen();
             JdbcServerProbe probe = probe(server.conninfo(), Duration.ofMillis(300))) {
            long start = System.nanoTime();
            ProbeResult result = probe.probe();
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertEquals(ProbeOutcome.UNREACHABLE, result.outcome());
            assertTrue(result.outcome().countsAsFailure());
            assertTrue(took.compareTo(PROMPTLY) < 0, "took " + took);
            assertTrue(result.elapsed().toMillis() >= 250, "gave up before the deadline: " + result.elapsed());
            assertEquals("no answer from 127.0.0.1:" + server.port() + " within 300 ms", result.detail());
            assertNull(result.sqlState());
        }
    }

    @Test
    void closedPortIsUnreachableWithoutWaitingForTheDeadline() throws IOException {
        int port = closedPort();
        Conninfo conninfo = Conninfo.parse("host=127.0.0.1 port=" + port + " user=postgres password=secret");
        try (JdbcServerProbe probe = probe(conninfo, Duration.ofSeconds(10))) {
            ProbeResult result = probe.probe();

            assertEquals(ProbeOutcome.UNREACHABLE, result.outcome());
            assertTrue(result.elapsed().compareTo(PROMPTLY) < 0, "took " + result.elapsed());
            assertTrue(result.detail().toLowerCase().contains("refused"), result.detail());
            assertEquals("08001", result.sqlState());
        }
    }

    @Test
    void unresolvableHostIsUnreachableAndNamedInTheDetail() {
        Conninfo conninfo = Conninfo.parse("host=no-such-host.invalid user=postgres password=secret");
        try (JdbcServerProbe probe = probe(conninfo, Duration.ofSeconds(10))) {
            ProbeResult result = probe.probe();

            assertEquals(ProbeOutcome.UNREACHABLE, result.outcome());
            assertTrue(result.detail().startsWith("unknown host "), result.detail());
            assertTrue(result.detail().contains("no-such-host.invalid"), result.detail());
            assertTrue(result.elapsed().compareTo(PROMPTLY) < 0, "took " + result.elapsed());
        }
    }

    @Test
    void wrongPasswordMeansTheServerIsAlive() throws IOException {
        assertRefusedAsAlive("28P01", "password authentication failed for user \"postgres\"");
    }

    @Test
    void tooManyConnectionsMeansTheServerIsAlive() throws IOException {
        assertRefusedAsAlive("53300", "sorry, too many clients already");
    }

    @Test
    void startingUpMeansTheServerIsAlive() throws IOException {
        assertRefusedAsAlive("57P03", "the database system is starting up");
    }

    @Test
    void missingDatabaseMeansTheServerIsAlive() throws IOException {
        assertRefusedAsAlive("3D000", "database \"postgres\" does not exist");
    }

    private static void assertRefusedAsAlive(String sqlState, String message) throws IOException {
        try (FakePostgres server = FakePostgres.refusing(sqlState, message);
             JdbcServerProbe probe = probe(server.conninfo(), Duration.ofSeconds(5))) {
            ProbeResult result = probe.probe();

            assertEquals(ProbeOutcome.REFUSED, result.outcome(), result.describe());
            assertFalse(result.outcome().countsAsFailure());
            assertEquals(sqlState, result.sqlState());
            assertEquals("FATAL: " + message, result.detail());
            assertFalse(result.detail().contains("secret"));
            assertEquals("FATAL: " + message + " (SQLSTATE " + sqlState + ")", result.reason());
            assertEquals("refused: " + result.reason(), result.describe());
        }
    }

    @Test
    void answeringStandbyIsReportedWithItsPosition() throws IOException {
        try (FakePostgres server = FakePostgres.answering(STANDBY_ROW);
             JdbcServerProbe probe = probe(server.conninfo(), Duration.ofSeconds(5))) {
            ProbeResult result = probe.probe();

            assertEquals(ProbeOutcome.ANSWERED, result.outcome(), result.describe());
            assertTrue(result.isStandby());
            assertEquals(new ServerState(true, 3, "0/3000060", 7345322912392818781L, "", "", 0, "node2", "", 120L,
                    false, "0/3000000", 4L, "", "", 3, ""), result.state());
            assertEquals("standby, timeline 3, lsn 0/3000060", result.describe());
            assertEquals("", result.detail());
        }
    }

    @Test
    void answeringPrimaryIsReportedWithItsSettings() throws IOException {
        try (FakePostgres server = FakePostgres.answering(PRIMARY_ROW);
             JdbcServerProbe probe = probe(server.conninfo(), Duration.ofSeconds(5))) {
            ProbeResult result = probe.probe();

            assertTrue(result.isPrimary(), result.describe());
            assertEquals(4, result.state().timeline());
            assertEquals(0x16_B374_D848L, result.state().lsnBytes());
            assertEquals("standby1", result.state().synchronousStandbyNames());
            assertEquals(1, result.state().streamingStandbys());
            assertEquals("until=none set=2026-12-01T06:00:00Z by=dba@db1", result.state().paused());
            assertEquals("node1", result.state().nodeName());
            assertEquals(null, result.state().walReceiverAgeMs());
            assertEquals(null, result.state().replayLsn());
        }
    }

    @Test
    void consecutiveProbesReuseOneConnection() throws IOException {
        try (FakePostgres server = FakePostgres.answering(STANDBY_ROW);
             JdbcServerProbe probe = probe(server.conninfo(), Duration.ofSeconds(5))) {
            for (int i = 0; i < 7; i++) {
                assertTrue(probe.probe().answered());
            }
            assertEquals(1, server.connections());
        }
    }

    @Test
    void partnerThatFreezesAfterLoginIsUnreachableAndTheNextProbeReconnects() throws IOException {
        try (FakePostgres server = FakePostgres.answering(STANDBY_ROW);
             JdbcServerProbe probe = probe(server.conninfo(), Duration.ofSeconds(5))) {
            assertTrue(probe.probe().answered());

            server.freeze();
            probe.session().setDeadline(Duration.ofMillis(300));
            ProbeResult frozen = probe.probe();
            assertEquals(ProbeOutcome.UNREACHABLE, frozen.outcome());
            assertTrue(frozen.elapsed().compareTo(PROMPTLY) < 0, "took " + frozen.elapsed());

            server.answer(STANDBY_ROW);
            probe.session().setDeadline(Duration.ofSeconds(5));
            assertTrue(probe.probe().answered());
            assertEquals(2, server.connections(), "the abandoned connection must not be reused");
        }
    }

    @Test
    void interruptedProbeReturnsAndKeepsTheInterrupt() throws IOException {
        try (FakePostgres server = FakePostgres.frozen();
             JdbcServerProbe probe = probe(server.conninfo(), Duration.ofSeconds(30))) {
            Thread.currentThread().interrupt();
            ProbeResult result;
            try {
                result = probe.probe();
            } finally {
                assertTrue(Thread.interrupted(), "the interrupt must be restored");
            }
            assertEquals("interrupted", result.detail());
            assertTrue(result.elapsed().compareTo(PROMPTLY) < 0, "took " + result.elapsed());
        }
    }

    @Test
    void keptConnectionLostToARestartIsReplacedWithinTheSameProbe() throws IOException {
        try (FakePostgres server = FakePostgres.answering(STANDBY_ROW);
             JdbcServerProbe probe = probe(server.conninfo(), Duration.ofSeconds(5))) {
            assertTrue(probe.probe().answered());

            server.dropConnections();
            ProbeResult afterRestart = probe.probe();

            assertEquals(ProbeOutcome.ANSWERED, afterRestart.outcome(), afterRestart.describe());
            assertEquals(2, server.connections());
        }
    }

    @Test
    void restartedPartnerThatNoLongerAnswersIsUnreachableWithinTheDeadline() throws IOException {
        try (FakePostgres server = FakePostgres.answering(STANDBY_ROW);
             JdbcServerProbe probe = probe(server.conninfo(), Duration.ofSeconds(5))) {
            assertTrue(probe.probe().answered());

            server.freeze();
            server.dropConnections();
            probe.session().setDeadline(Duration.ofMillis(300));
            ProbeResult result = probe.probe();

            assertEquals(ProbeOutcome.UNREACHABLE, result.outcome());
            assertTrue(result.elapsed().compareTo(PROMPTLY) < 0, "took " + result.elapsed());
        }
    }

    @Test
    void failureOnAFreshConnectionIsReportedWithoutRetry() throws Exception {
        try (FakePostgres server = FakePostgres.answering(STANDBY_ROW);
             PgSession session = new PgSession(server.conninfo(), ENV, Duration.ofSeconds(5), "session-test")) {
            AtomicInteger runs = new AtomicInteger();
            SQLException failure = assertThrows(SQLException.class, () -> session.call(c -> {
                runs.incrementAndGet();
                throw new SQLException("canceling statement due to user request", "57014");
            }));

            assertEquals("57014", failure.getSQLState());
            assertEquals(1, runs.get());
        }
    }

    @Test
    void unexpectedExceptionInTheWorkBecomesAnSqlExceptionThatKeepsTheCause() throws Exception {
        try (FakePostgres server = FakePostgres.answering(STANDBY_ROW);
             PgSession session = new PgSession(server.conninfo(), ENV, Duration.ofSeconds(5), "session-test")) {
            SQLException failure = assertThrows(SQLException.class, () -> session.call(c -> {
                throw new IllegalStateException("bug in the work");
            }));

            assertEquals("58000", failure.getSQLState());
            assertTrue(failure.getCause() instanceof IllegalStateException);
            assertTrue(failure.getMessage().contains("127.0.0.1:" + server.port()), failure.getMessage());
        }
    }

    @Test
    void connectionIsNotReusedAfterAFailure() throws Exception {
        try (FakePostgres server = FakePostgres.answering(STANDBY_ROW);
             PgSession session = new PgSession(server.conninfo(), ENV, Duration.ofSeconds(5), "session-test")) {
            Set<Connection> failedOn = ConcurrentHashMap.newKeySet();
            assertThrows(SQLException.class, () -> session.call(c -> {
                failedOn.add(c);
                throw new SQLException("terminating connection due to administrator command", "57P01");
            }));

            Connection next = session.call(c -> c);
            assertFalse(failedOn.contains(next), "a connection that failed was handed out again");
        }
    }

    @Test
    void connectionIsReusedAfterSuccess() throws Exception {
        try (FakePostgres server = FakePostgres.answering(STANDBY_ROW);
             PgSession session = new PgSession(server.conninfo(), ENV, Duration.ofSeconds(5), "session-test")) {
            Connection first = session.call(c -> c);
            assertSame(first, session.call(c -> c));
            assertEquals(1, server.connections());
        }
    }

    @Test
    void resetDropsTheConnection() throws Exception {
        try (FakePostgres server = FakePostgres.answering(STANDBY_ROW);
             PgSession session = new PgSession(server.conninfo(), ENV, Duration.ofSeconds(5), "session-test")) {
            Connection first = session.call(c -> c);
            session.reset();

            assertTrue(first.isClosed());
            assertNotSame(first, session.call(c -> c));
            assertEquals(2, server.connections());
        }
    }

    @Test
    void aProbeAnsweredAfterItsDeadlineIsNotedWhenTheLateWindowAllowsIt() throws Exception {
        try (FakePostgres server = FakePostgres.answering(PRIMARY_ROW);
             PgSession session = new PgSession(server.conninfo(), ENV, Duration.ofMillis(300), "late-test");
             JdbcServerProbe probe = new JdbcServerProbe(session)) {
            session.setLateWindow(Duration.ofSeconds(10));
            assertTrue(probe.probe().answered());
            long before = probe.lastAnswerNanos();
            assertTrue(before > Long.MIN_VALUE);

            server.stall(PRIMARY_ROW);
            ProbeResult timedOut = probe.probe(); // on the kept connection
            ProbeResult timedOutToo = probe.probe(); // on a fresh one, accepted by the kernel and held
            assertEquals(ProbeOutcome.UNREACHABLE, timedOut.outcome());
            assertEquals(ProbeOutcome.UNREACHABLE, timedOutToo.outcome());
            assertEquals(before, probe.lastAnswerNanos(), "nothing answered yet");

            long woke = System.nanoTime();
            server.wake();
            long until = System.nanoTime() + PROMPTLY.toNanos();
            while (probe.lastAnswerNanos() <= woke && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertTrue(probe.lastAnswerNanos() > woke, "the held probes were answered after the wake and noted");
            assertTrue(probe.probe().answered(), "the next probe answers as usual");
        }
    }

    @Test
    void withoutALateWindowATimedOutProbeIsAbandonedAndItsLateAnswerIgnored() throws Exception {
        assertLateAnswerIgnored(Duration.ZERO, Duration.ZERO);
    }

    @Test
    void anAnswerAfterTheLateWindowIsIgnored() throws Exception {
        assertLateAnswerIgnored(Duration.ofMillis(700), Duration.ofMillis(1500));
    }

    private static void assertLateAnswerIgnored(Duration window, Duration wakeAfter) throws Exception {
        try (FakePostgres server = FakePostgres.answering(PRIMARY_ROW);
             PgSession session = new PgSession(server.conninfo(), ENV, Duration.ofMillis(300), "late-test");
             JdbcServerProbe probe = new JdbcServerProbe(session)) {
            session.setLateWindow(window);
            assertTrue(probe.probe().answered());
            long before = probe.lastAnswerNanos();
            server.stall(PRIMARY_ROW);
            assertEquals(ProbeOutcome.UNREACHABLE, probe.probe().outcome());
            Thread.sleep(wakeAfter.toMillis());
            server.wake();
            assertTrue(probe.probe().answered(), "a fresh probe answers");
            long fresh = probe.lastAnswerNanos();
            Thread.sleep(500); // time for an abandoned attempt to be (wrongly) noted
            assertEquals(fresh, probe.lastAnswerNanos(), "only the fresh probe's answer is noted");
            assertTrue(fresh > before);
        }
    }

    @Test
    void hostaddrIsConnectedToWithoutLookingTheHostNameUp() throws Exception {
        try (FakePostgres server = FakePostgres.answering(PRIMARY_ROW);
             JdbcServerProbe probe = probe(Conninfo.parse("host=db1.keeper.invalid hostaddr=127.0.0.1 port="
                     + server.port() + " user=postgres dbname=postgres password=secret"), Duration.ofSeconds(5))) {
            ProbeResult result = probe.probe();
            assertTrue(result.answered(), "a name that cannot resolve is never looked up: " + result.describe());
        }
    }

    /** A port on 127.0.0.1 that nothing listens on (freshly released, so nothing else will have taken it). */
    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
