package io.keeper.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.heartbeat.Conninfo;
import io.keeper.heartbeat.PgSession;
import io.keeper.rejoin.LocalServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The lease's compare-and-set statements on a real PostgreSQL witness. Runs only as root beside PostgreSQL 15. */
@Timeout(60)
class WitnessLeaseOnRealServerTest {

    private static final int PORT = 56121;
    private static final Duration TTL = Duration.ofMillis(600);

    @TempDir
    static Path tmp;

    private static LocalServers servers;
    private static long cluster = 1000;

    @BeforeAll
    static void witness() throws Exception {
        servers = LocalServers.assumeAvailable(tmp);
        servers.initdb("witness", PORT);
        servers.start(servers.conf("witness"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (servers != null) {
            servers.close();
        }
    }

    private final List<PgSession> sessions = new ArrayList<>();

    @AfterEach
    void disconnect() {
        sessions.forEach(PgSession::close);
    }

    private WitnessLease lease() {
        Conninfo conninfo = Conninfo.parse("host=127.0.0.1 port=" + PORT + " user=postgres dbname=postgres password="
                + LocalServers.PASSWORD);
        PgSession session = new PgSession(conninfo, Map.of(), Duration.ofSeconds(5), "lease-test");
        sessions.add(session);
        return new WitnessLease(session);
    }

    @Test
    void thePrimaryCreatesTheLeaseRenewsItAndOnlyAnExpiredLeaseChangesHands() throws Exception {
        long pair = ++cluster;
        WitnessLease node1 = lease();
        WitnessLease node2 = lease();
        LeaseView first = node1.renew(pair, "node1", TTL, false);
        assertTrue(first.heldBy("node1"));
        assertEquals(1, first.term());
        assertFalse(first.expired());

        LeaseView refused = node2.acquire(pair, "node2", TTL);
        assertTrue(refused.heldBy("node1"), "not expired yet: " + refused.describe());
        assertTrue(node2.renew(pair, "node2", TTL, false).heldBy("node1"), "renew never takes another's lease");

        Thread.sleep(TTL.toMillis() + 100);
        assertTrue(node2.read(pair).expired());
        LeaseView taken = node2.acquire(pair, "node2", TTL);
        assertTrue(taken.heldBy("node2"), taken.describe());
        assertEquals(2, taken.term(), "the term goes up when the lease changes hands");
        assertTrue(node1.renew(pair, "node1", TTL, false).heldBy("node2"), "the old holder cannot renew");
    }

    @Test
    void aHolderThatReleasedSynchronousReplicationKeepsTheStandbyOut() throws Exception {
        long pair = ++cluster;
        WitnessLease node1 = lease();
        assertTrue(node1.renew(pair, "node1", TTL, true).syncReleased());
        Thread.sleep(TTL.toMillis() + 100);
        LeaseView refused = lease().acquire(pair, "node2", TTL);
        assertTrue(refused.heldBy("node1") && refused.expired() && refused.syncReleased(), refused.describe());
        assertFalse(node1.renew(pair, "node1", TTL, false).syncReleased(), "cleared once the standby caught up");
    }

    @Test
    void anArbiterThatNeverSawThePairHandsTheLeaseOutOnlyAfterOneLeaseTime() throws Exception {
        long pair = ++cluster;
        WitnessLease standby = lease();
        LeaseView placeholder = standby.acquire(pair, "node2", TTL);
        assertEquals("", placeholder.holder());
        assertFalse(placeholder.expired(), "a new arbiter's lease is not free at once");
        Thread.sleep(TTL.toMillis() + 100);
        LeaseView taken = standby.acquire(pair, "node2", TTL);
        assertTrue(taken.heldBy("node2"), taken.describe());
        assertEquals(1, taken.term());
    }

    @Test
    void ofTwoNodesTakingAnExpiredLeaseAtTheSameMomentExactlyOneWins() throws Exception {
        for (int round = 0; round < 20; round++) {
            long pair = ++cluster;
            lease().renew(pair, "old", Duration.ofMillis(1), false);
            Thread.sleep(5);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<LeaseView>> results = new ArrayList<>();
            for (String node : List.of("node1", "node2")) {
                WitnessLease mine = lease();
                mine.read(pair); // connected, table known: both start from the same point
                Callable<LeaseView> take = () -> {
                    go.await();
                    return mine.acquire(pair, node, TTL);
                };
                results.add(pool.submit(take));
            }
            go.countDown();
            LeaseView a = results.get(0).get();
            LeaseView b = results.get(1).get();
            pool.shutdown();
            sessions.forEach(PgSession::close);
            assertEquals(a.holder(), b.holder(), "both see the same winner");
            assertEquals(2, a.term());
            assertTrue(a.heldBy("node1") || a.heldBy("node2"));
        }
    }
}
