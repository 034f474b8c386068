package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.keeper.config.EtcdSettings;
import io.keeper.lease.Arbiters;
import io.keeper.lease.EtcdLease;
import io.keeper.lease.LeaseException;
import io.keeper.lease.LeaseView;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.Network;

/**
 * keeper's etcd lease against a real three-member etcd cluster, called from the test process as a keeper would call
 * it: the compare-and-set on etcd's clock, the synchronous-replication flag, a handover, a fresh etcd, two nodes
 * racing, a member or the leader killed, the quorum lost, and etcd authentication. Each test uses its own pair id,
 * so the tests share the cluster; a test that kills members starts them again.
 */
class EtcdLeaseTest {
    private static final Duration TTL = Duration.ofSeconds(3);
    private static final Duration DEADLINE = Duration.ofSeconds(1);
    private static final AtomicLong PAIRS = new AtomicLong(System.nanoTime());

    private static Network network;
    private static EtcdCluster etcd;
    private final List<EtcdLease> opened = new ArrayList<>();

    @BeforeAll
    static void cluster() {
        network = Network.builder().createNetworkCmdModifier(cmd -> cmd.withLabels(java.util.Map.of(PgPair.LABEL,
                "true"))).build();
        etcd = EtcdCluster.start(network, 3);
    }

    @AfterAll
    static void stop() {
        if (etcd != null) {
            etcd.close();
        }
        if (network != null) {
            network.close();
        }
    }

    @AfterEach
    void closeAndHeal() {
        opened.forEach(EtcdLease::close);
        etcd.startAllAgain();
    }

    private EtcdLease lease(List<URI> endpoints, String user, String password) {
        return lease(new EtcdSettings(endpoints, "/keeper-e2e", user, password, "", "", ""));
    }

    /** A lease client as keeper opens it, TLS context included. */
    private EtcdLease lease(EtcdSettings settings) {
        EtcdLease lease = new EtcdLease(settings, DEADLINE, Arbiters.tls(settings));
        opened.add(lease);
        return lease;
    }

    private EtcdLease lease() {
        return lease(etcd.hostEndpoints(), "", "");
    }

    private static long newPair() {
        return PAIRS.incrementAndGet();
    }

    /** Waits until etcd says the lease has expired; returns how long that took from {@code since}. */
    private static long awaitExpiry(EtcdLease lease, long pair, long since) {
        Await.until("the lease to expire by etcd's clock", Duration.ofSeconds(20), () -> read(lease, pair),
                LeaseView::expired);
        return Duration.ofNanos(System.nanoTime() - since).toMillis();
    }

    private static LeaseView read(EtcdLease lease, long pair) {
        try {
            return lease.read(pair);
        } catch (LeaseException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Test
    void onlyAnExpiredLeaseChangesHandsAndTheTermGoesUp() throws Exception {
        long pair = newPair();
        EtcdLease node1 = lease();
        EtcdLease node2 = lease();
        LeaseView first = node1.renew(pair, "node1", TTL, false);
        assertTrue(first.heldBy("node1"), first.describe());
        assertTrue(first.term() > 0, first.describe());
        for (int i = 0; i < 4; i++) { // renewals keep it; the standby cannot take it meanwhile
            Thread.sleep(1000);
            assertTrue(node1.renew(pair, "node1", TTL, false).heldBy("node1"));
            LeaseView refused = node2.acquire(pair, "node2", TTL);
            assertTrue(refused.heldBy("node1") && !refused.expired(), refused.describe());
        }
        LeaseView seen = node2.read(pair);
        assertEquals(first.term(), seen.term(), "renewals keep the term");
        long lastRenewal = System.nanoTime();
        node1.renew(pair, "node1", TTL, false);
        long expiredAfter = awaitExpiry(node2, pair, lastRenewal);
        LeaseView taken = node2.acquire(pair, "node2", TTL);
        System.out.printf("[measure] etcd lease of %d ms expired %d ms after its last renewal; taken at term %d%n",
                TTL.toMillis(), expiredAfter, taken.term());
        assertTrue(expiredAfter >= TTL.toMillis() - 500, "etcd kept the lease its whole time: " + expiredAfter);
        assertTrue(taken.heldBy("node2"), taken.describe());
        assertTrue(taken.term() > first.term(), taken.describe());
        LeaseView late = node1.renew(pair, "node1", TTL, false);
        assertTrue(late.heldBy("node2"), "the old holder cannot renew a lease taken from it: " + late.describe());
        assertEquals(taken.term(), late.term());
    }

    @Test
    void aHolderThatReleasedSynchronousReplicationKeepsTheStandbyOutEvenAfterExpiry() throws Exception {
        long pair = newPair();
        EtcdLease node1 = lease();
        EtcdLease node2 = lease();
        assertTrue(node1.renew(pair, "node1", TTL, true).syncReleased());
        awaitExpiry(node2, pair, System.nanoTime());
        LeaseView refused = node2.acquire(pair, "node2", TTL);
        assertTrue(refused.heldBy("node1") && refused.syncReleased(), refused.describe());
        LeaseView back = node1.renew(pair, "node1", TTL, false);
        assertTrue(back.heldBy("node1") && !back.syncReleased() && !back.expired(),
                "the holder takes its expired lease again: " + back.describe());
        awaitExpiry(node2, pair, System.nanoTime());
        assertTrue(node2.acquire(pair, "node2", TTL).heldBy("node2"));
    }

    @Test
    void aHandoverGivesTheLeaseAtOnceAndOnlyItsHolderCanHandItOver() throws Exception {
        long pair = newPair();
        EtcdLease node1 = lease();
        EtcdLease node2 = lease();
        LeaseView held = node1.renew(pair, "node1", TTL, false);
        LeaseView wrong = node2.handOver(pair, "node2", "node2", TTL);
        assertTrue(wrong.heldBy("node1"), wrong.describe());
        LeaseView given = node1.handOver(pair, "node1", "node2", TTL);
        assertTrue(given.heldBy("node2") && given.term() > held.term() && !given.expired(), given.describe());
        assertTrue(node2.renew(pair, "node2", TTL, false).heldBy("node2"));
        assertTrue(node1.renew(pair, "node1", TTL, false).heldBy("node2"), "node1 gave it away");
        assertFalse(node1.acquire(pair, "node1", TTL).heldBy("node1"));
    }

    @Test
    void anEtcdThatNeverSawThePairHandsTheLeaseOutOnlyAfterOneLeaseTime() throws Exception {
        long pair = newPair();
        EtcdLease node2 = lease();
        long asked = System.nanoTime();
        LeaseView placeholder = node2.acquire(pair, "node2", TTL);
        assertEquals("", placeholder.holder(), placeholder.describe());
        assertFalse(placeholder.expired(), placeholder.describe());
        assertFalse(node2.acquire(pair, "node2", TTL).heldBy("node2"), "not before the placeholder expires");
        LeaseView taken = Await.until("node2 to take the lease", Duration.ofSeconds(20), () -> {
            try {
                return node2.acquire(pair, "node2", TTL);
            } catch (LeaseException e) {
                throw new IllegalStateException(e);
            }
        }, v -> v.heldBy("node2"));
        long waited = Duration.ofNanos(System.nanoTime() - asked).toMillis();
        System.out.printf("[measure] a fresh etcd handed the lease out %d ms after the first ask%n", waited);
        assertTrue(waited >= TTL.toMillis() - 500, "waited " + waited + " ms");
        assertTrue(taken.term() > placeholder.term());
    }

    @Test
    void twoNodesRacingForAnExpiredLeaseNeverBothWin() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 5; round++) {
                long pair = newPair();
                EtcdLease node1 = lease();
                EtcdLease node2 = lease();
                node1.acquire(pair, "node1", Duration.ofSeconds(1)); // placeholder, free after its TTL
                awaitExpiry(node1, pair, System.nanoTime());
                CyclicBarrier start = new CyclicBarrier(2);
                Future<LeaseView> a = threads.submit(race(start, () -> node1.acquire(pair, "node1", TTL)));
                Future<LeaseView> b = threads.submit(race(start, () -> node2.acquire(pair, "node2", TTL)));
                LeaseView va = a.get();
                LeaseView vb = b.get();
                LeaseView now = node1.read(pair);
                boolean oneWon = va.heldBy("node1") ^ vb.heldBy("node2");
                assertTrue(oneWon, "round " + round + ": " + va.describe() + " / " + vb.describe());
                assertTrue(now.heldBy(va.heldBy("node1") ? "node1" : "node2"), now.describe());
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static Callable<LeaseView> race(CyclicBarrier start, Callable<LeaseView> call) {
        return () -> {
            start.await();
            return call.call();
        };
    }

    @Test
    void oneMemberKilledTheClientMovesOnAndTheLeaseStaysWithItsHolder() throws Exception {
        long pair = newPair();
        // A follower, listed first: every call now starts on a dead member. (A killed leader is the next test:
        // its election stalls every member for a moment.)
        int victim = (etcd.leader() + 1) % etcd.size();
        List<URI> endpoints = new ArrayList<>();
        for (int i = 0; i < etcd.size(); i++) {
            endpoints.add(etcd.hostEndpoints().get((victim + i) % etcd.size()));
        }
        EtcdLease node1 = lease(endpoints, "", "");
        node1.renew(pair, "node1", TTL, false);
        etcd.kill(victim);
        long slowest = 0;
        for (int i = 0; i < 5; i++) {
            long t = System.nanoTime();
            LeaseView v = node1.renew(pair, "node1", TTL, false);
            slowest = Math.max(slowest, Duration.ofNanos(System.nanoTime() - t).toMillis());
            assertTrue(v.heldBy("node1") && !v.expired(), v.describe());
            Thread.sleep(500);
        }
        System.out.printf("[measure] first etcd endpoint (a follower) killed: slowest renewal %d ms (deadline %d ms), now on %s%n",
                slowest, DEADLINE.toMillis(), node1.currentEndpoint());
        assertTrue(slowest <= DEADLINE.toMillis() + 500, "a renewal took " + slowest + " ms");
    }

    @Test
    void theLeaderKilledTheHolderKeepsItsLease() throws Exception {
        long pair = newPair();
        EtcdLease node1 = lease();
        EtcdLease node2 = lease();
        long term = node1.renew(pair, "node1", TTL, false).term();
        int leader = etcd.leader();
        long killed = System.nanoTime();
        etcd.kill(leader);
        int failures = 0;
        long firstSuccess = 0;
        while (firstSuccess == 0) {
            try {
                LeaseView v = node1.renew(pair, "node1", TTL, false);
                assertTrue(v.heldBy("node1"), "the holder keeps its lease across an election: " + v.describe());
                firstSuccess = System.nanoTime();
            } catch (LeaseException e) {
                failures++;
                assertTrue(Duration.ofNanos(System.nanoTime() - killed).toSeconds() < 30, e.getMessage());
            }
            try {
                LeaseView standby = node2.acquire(pair, "node2", TTL);
                assertFalse(standby.heldBy("node2"), "the standby took the lease during the election");
            } catch (LeaseException e) {
                // the standby cannot ask either while etcd elects: it cannot take the lease
            }
        }
        LeaseView after = node2.read(pair);
        System.out.printf("[measure] etcd leader %s killed: renewals failed for %d ms (%d calls), lease %s%n",
                etcd.name(leader), Duration.ofNanos(firstSuccess - killed).toMillis(), failures, after.describe());
        assertEquals(term, after.term(), "no change of hands");
    }

    @Test
    void withoutQuorumEveryCallFailsWithinItsDeadlineAndNothingChanges() throws Exception {
        long pair = newPair();
        EtcdLease node1 = lease();
        long term = node1.renew(pair, "node1", TTL, false).term();
        int leader = etcd.leader();
        etcd.kill(leader);
        etcd.kill(leader == 0 ? 1 : 0);
        long t = System.nanoTime();
        LeaseException e = assertThrows(LeaseException.class, () -> node1.renew(pair, "node1", TTL, false));
        long ms = Duration.ofNanos(System.nanoTime() - t).toMillis();
        System.out.printf("[measure] etcd without quorum: a renewal failed after %d ms: %s%n", ms, e.getMessage());
        assertTrue(ms <= DEADLINE.toMillis() + 1000, "failed only after " + ms + " ms");
        assertTrue(e.getMessage().contains("etcd http://"), e.getMessage());
        assertThrows(LeaseException.class, () -> lease().acquire(pair, "node2", TTL));
        etcd.startAllAgain();
        LeaseView back = Await.until("etcd to answer again", Duration.ofSeconds(30), () -> read(node1, pair),
                v -> true);
        assertEquals(term, back.term(), back.describe());
        assertTrue(back.heldBy("node1"), back.describe());
    }

    @Test
    void withEtcdAuthenticationTheRightPasswordWorksAndAWrongOneIsNamedAndNeverShown() throws Exception {
        Network own = Network.newNetwork();
        try (EtcdCluster secured = EtcdCluster.start(own, 1)) {
            for (String[] call : new String[][] {
                    {"/v3/auth/role/add", "{\"name\":\"root\"}"},
                    {"/v3/auth/user/add", "{\"name\":\"root\",\"password\":\"rootpw\"}"},
                    {"/v3/auth/user/grant", "{\"user\":\"root\",\"role\":\"root\"}"},
                    {"/v3/auth/enable", "{}"}}) {
                var answer = secured.post(0, call[0], call[1]);
                assertFalse(answer.has("code") && answer.path("code").asInt() != 0, call[0] + ": " + answer);
            }
            long pair = newPair();
            LeaseView held = lease(secured.hostEndpoints(), "root", "rootpw").renew(pair, "node1", TTL, false);
            assertTrue(held.heldBy("node1"), held.describe());
            LeaseException refused = assertThrows(LeaseException.class,
                    () -> lease(secured.hostEndpoints(), "root", "wrong-secret").read(pair));
            assertTrue(refused.getMessage().contains("root"), refused.getMessage());
            assertFalse(refused.getMessage().contains("wrong-secret"), refused.getMessage());
            LeaseException anonymous = assertThrows(LeaseException.class,
                    () -> lease(secured.hostEndpoints(), "", "").read(pair));
            System.out.printf("[measure] etcd with authentication: wrong password -> %s; no user -> %s%n",
                    refused.getMessage(), anonymous.getMessage());
        } finally {
            own.close();
        }
    }

    @Test
    void overTlsAClientCertificateSignedByTheRightAuthorityGetsTheLeaseAndAnythingElseIsRefused(@TempDir Path dir)
            throws Exception {
        TestCertificates certs = TestCertificates.create(dir);
        Network own = Network.newNetwork();
        try (EtcdCluster secured = EtcdCluster.startWithTls(own, certs)) {
            List<URI> https = secured.hostEndpoints();
            String ca = certs.file("ca.pem").toString();
            String cert = certs.file("client.crt").toString();
            String key = certs.file("client.key").toString();
            long pair = newPair();
            LeaseView held = Await.until("etcd to serve https", Duration.ofSeconds(30), () -> {
                try {
                    return lease(new EtcdSettings(https, "/keeper-e2e", "", "", ca, cert, key))
                            .renew(pair, "node1", TTL, false);
                } catch (LeaseException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }, v -> v.heldBy("node1"));
            assertTrue(held.term() > 0, held.describe());

            LeaseException noCertificate = assertThrows(LeaseException.class,
                    () -> lease(new EtcdSettings(https, "/keeper-e2e", "", "", ca, "", "")).read(pair));
            LeaseException wrongAuthority = assertThrows(LeaseException.class,
                    () -> lease(new EtcdSettings(https, "/keeper-e2e", "", "", certs.file("other-ca.pem").toString(),
                            cert, key)).read(pair));
            IllegalArgumentException notAKey = assertThrows(IllegalArgumentException.class,
                    () -> Arbiters.tls(new EtcdSettings(https, "/keeper-e2e", "", "", ca, cert, cert)));
            System.out.printf("[measure] etcd over TLS: no client certificate -> %s; server signed by another CA -> %s;"
                    + " a certificate as etcd_key -> %s%n", noCertificate.getMessage(), wrongAuthority.getMessage(),
                    notAKey.getMessage());
            assertTrue(notAKey.getMessage().startsWith("etcd_key " + cert + ": not a PKCS#8 PEM key"),
                    notAKey.getMessage());
            assertTrue(noCertificate.getMessage().contains("no etcd endpoint answered"), noCertificate.getMessage());
            assertTrue(wrongAuthority.getMessage().contains("no etcd endpoint answered"), wrongAuthority.getMessage());
        } finally {
            own.close();
        }
    }
}
