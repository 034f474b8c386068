package io.keeper.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLState;
import org.postgresql.util.ServerErrorMessage;

/** Telling a server that is alive but refuses us from one that is gone. */
class ProbeClassifierTest {

    /** What pgjdbc throws when the server sends an ErrorResponse during login. */
    private static PSQLException serverError(String sqlState, String message) {
        return new PSQLException(new ServerErrorMessage("SFATAL\0VFATAL\0C" + sqlState + "\0M" + message + "\0"));
    }

    @Test
    void wrongPasswordIsRefused() {
        PSQLException e = serverError("28P01", "password authentication failed for user \"postgres\"");

        assertEquals(ProbeOutcome.REFUSED, ProbeClassifier.classify(e));
        assertEquals("28P01", ProbeClassifier.sqlState(e));
    }

    @Test
    void wrongPasswordFromPsqlStateIsRefused() {
        PSQLException e = new PSQLException("password authentication failed", PSQLState.INVALID_PASSWORD);

        assertEquals(ProbeOutcome.REFUSED, ProbeClassifier.classify(e));
    }

    @ParameterizedTest
    @ValueSource(strings = {"28P01", "28000", "53300", "57P03", "3D000", "42501", "53000"})
    void liveServerThatWillNotServeUsIsRefused(String sqlState) {
        assertEquals(ProbeOutcome.REFUSED, ProbeClassifier.classify(serverError(sqlState, "refused")));
    }

    @Test
    void refusalIsNotAFailure() {
        assertFalse(ProbeOutcome.REFUSED.countsAsFailure());
        assertFalse(ProbeOutcome.ANSWERED.countsAsFailure());
        assertTrue(ProbeOutcome.UNREACHABLE.countsAsFailure());
    }

    @Test
    void sqlStateIsFoundDeeperInTheCauseChain() {
        SQLException wrapped = new SQLException("login failed", null, serverError("53300", "too many clients"));
        RuntimeException outer = new RuntimeException(new SQLException("wrong password", "28P01"));

        assertEquals(ProbeOutcome.REFUSED, ProbeClassifier.classify(wrapped));
        assertEquals("53300", ProbeClassifier.sqlState(wrapped));
        assertEquals(ProbeOutcome.REFUSED, ProbeClassifier.classify(outer));
    }

    @Test
    void connectionFailuresAreUnreachable() {
        assertEquals(ProbeOutcome.UNREACHABLE, ProbeClassifier.classify(
                new PSQLException("The connection attempt failed.", PSQLState.CONNECTION_UNABLE_TO_CONNECT)));
        assertEquals(ProbeOutcome.UNREACHABLE, ProbeClassifier.classify(
                new PSQLException("An I/O error occurred while sending to the backend.",
                        PSQLState.CONNECTION_FAILURE)));
    }

    @Test
    void serverShuttingDownUnderUsIsUnreachable() {
        assertEquals(ProbeOutcome.UNREACHABLE, ProbeClassifier.classify(
                serverError("57P01", "terminating connection due to administrator command")));
    }

    @Test
    void refusedConnectionIsUnreachableAndDescribedByItsCause() {
        PSQLException e = new PSQLException("Connection to db2:5432 refused. Check that the hostname and port "
                + "are correct and that the postmaster is accepting TCP/IP connections.",
                PSQLState.CONNECTION_UNABLE_TO_CONNECT, new ConnectException("Connection refused"));

        assertEquals(ProbeOutcome.UNREACHABLE, ProbeClassifier.classify(e));
        assertTrue(ProbeClassifier.describe(e).startsWith("Connection refused (Connection to db2:5432 refused."),
                ProbeClassifier.describe(e));
    }

    @Test
    void unknownHostIsUnreachableAndNamed() {
        PSQLException e = new PSQLException("The connection attempt failed.",
                PSQLState.CONNECTION_UNABLE_TO_CONNECT, new UnknownHostException("db2.example"));

        assertEquals(ProbeOutcome.UNREACHABLE, ProbeClassifier.classify(e));
        assertEquals("unknown host db2.example", ProbeClassifier.describe(e));
    }

    @Test
    void noRouteAndSocketTimeoutAreUnreachable() {
        PSQLException noRoute = new PSQLException("The connection attempt failed.",
                PSQLState.CONNECTION_UNABLE_TO_CONNECT, new NoRouteToHostException("No route to host"));
        PSQLException timedOut = new PSQLException("An I/O error occurred while sending to the backend.",
                PSQLState.CONNECTION_FAILURE, new SocketTimeoutException("Read timed out"));

        assertEquals(ProbeOutcome.UNREACHABLE, ProbeClassifier.classify(noRoute));
        assertEquals("No route to host (The connection attempt failed.)", ProbeClassifier.describe(noRoute));
        assertEquals(ProbeOutcome.UNREACHABLE, ProbeClassifier.classify(timedOut));
        assertTrue(ProbeClassifier.describe(timedOut).startsWith("Read timed out"));
    }

    @Test
    void timeoutIsUnreachableAndDescribedByItsMessage() {
        TimeoutException e = new TimeoutException("no answer from db2:5432 within 300 ms");

        assertEquals(ProbeOutcome.UNREACHABLE, ProbeClassifier.classify(e));
        assertEquals("no answer from db2:5432 within 300 ms", ProbeClassifier.describe(e));
        assertNull(ProbeClassifier.sqlState(e));
    }

    @Test
    void exceptionWithoutSqlStateIsUnreachable() {
        assertEquals(ProbeOutcome.UNREACHABLE, ProbeClassifier.classify(new SQLException("odd")));
        assertEquals(ProbeOutcome.UNREACHABLE, ProbeClassifier.classify(new IOException("odd")));
    }

    @Test
    void describeGivesOnlyTheFirstLine() {
        PSQLException e = new PSQLException(new ServerErrorMessage("SFATAL\0VFATAL\0C28000\0"
                + "Mno pg_hba.conf entry for host \"10.0.0.9\", user \"keeper\", database \"postgres\"\0"
                + "DSome detail.\0HSome hint.\0"));

        String line = ProbeClassifier.describe(e);

        assertFalse(line.contains("\n"), line);
        assertEquals("FATAL: no pg_hba.conf entry for host \"10.0.0.9\", user \"keeper\", database \"postgres\"",
                line);
    }

    @Test
    void describeNamesTheExceptionWhenThereIsNoMessage() {
        assertEquals("IllegalStateException", ProbeClassifier.describe(new IllegalStateException()));
    }
}
