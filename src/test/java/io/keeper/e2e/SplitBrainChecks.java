package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import org.testcontainers.containers.Container.ExecResult;

/** Which server of a pair takes writes, read from the servers themselves, keeper primary and GET /primary. */
final class SplitBrainChecks {
    /** SQLSTATE read_only_sql_transaction: what a fenced primary (or a standby) answers to an INSERT. */
    static final String READ_ONLY = "25006";
    /** keepalive_time × keepalive_count of {@link KeeperConf#defaults}. */
    static final Duration DETECTION_WINDOW = Duration.ofSeconds(3);

    private SplitBrainChecks() {
    }

    /** e2e_probe, created on the primary before any fault so a fenced server need not create it. */
    static void createProbeTable(PgNode primary) {
        Sql.execute(primary, "CREATE TABLE IF NOT EXISTS e2e_probe (at timestamptz DEFAULT clock_timestamp(), node text)");
    }

    /** True when an INSERT on {@code node} fails because the server is read-only. */
    static boolean refusesWritesAsReadOnly(PgNode node) {
        return node.tryWrite().map(SQLException::getSQLState).filter(READ_ONLY::equals).isPresent();
    }

    /**
     * Waits until {@code node} refuses writes as read-only and keeper reports the fence done; returns the ms
     * from {@code sinceNanos} to the first refusal.
     */
    static long awaitReadOnly(PgNode node, Duration max, long sinceNanos) {
        Await.until(node + " to refuse writes as read-only (SQLSTATE 25006)", max,
                () -> refusesWritesAsReadOnly(node));
        long refusedMs = Duration.ofNanos(System.nanoTime() - sinceNanos).toMillis();
        // keeper ends the client sessions after the reload that makes the server read-only: a session opened
        // in between is terminated (57P01). /status shows the fence once that step is done too.
        Await.until(node + "'s keeper to report the fence", Duration.ofSeconds(30),
                () -> node.status("fenced"), fenced -> !fenced.isEmpty());
        return refusedMs;
    }

    /** The INSERT on {@code node} fails with 25006 and PostgreSQL's own message for a read-only transaction. */
    static void assertRefusesWrites(PgNode node) {
        Optional<SQLException> error = node.tryWrite();
        assertTrue(error.isPresent(), node + " accepted a write");
        assertEquals(READ_ONLY, error.get().getSQLState(), node + ": " + error.get().getMessage());
        assertTrue(error.get().getMessage().contains("cannot execute INSERT in a read-only transaction"),
                error.get().getMessage());
    }

    /**
     * {@code winner} alone takes writes, and everything a client or a load balancer can ask says so:
     * {@code keeper primary} on both hosts prints the winner, GET /primary is 200 there and 503 on the loser.
     */
    static void assertOnlyWritablePrimary(PgNode winner, PgNode loser) {
        assertEquals(Optional.empty(), winner.tryWrite(), winner + " must accept writes");
        assertRefusesWrites(loser);
        for (PgNode host : new PgNode[] {winner, loser}) {
            ExecResult primary = host.keeperPrimary();
            assertEquals(0, primary.getExitCode(), "keeper primary on " + host + ": " + primary.getStderr());
            assertEquals(winner.name(), primary.getStdout().strip(), "keeper primary on " + host);
        }
        Await.until("GET /primary to answer 200 on " + winner + " and 503 on " + loser, Duration.ofSeconds(10),
                () -> winner.http("/primary") + " " + loser.http("/primary"), "200 503"::equals);
    }
}
