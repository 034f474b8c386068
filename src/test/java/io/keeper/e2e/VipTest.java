package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;

/**
 * conf/keeper-vip as both nodes' after_command: a service IP address on the primary's eth0, moved with gratuitous
 * ARP. A client container that only knows the service address reaches node1, then node2 soon after node1's host
 * dies, and never node1 again once it boots back fenced. The nodes have CAP_NET_ADMIN and keeper's commands get it
 * (and CAP_NET_RAW for arping) as ambient capabilities, as README's unit drop-in grants them.
 */
class VipTest {

    /** What the client reaches through the service address: the answering server's cluster_name, or the error. */
    private static String reachedVia(PgNode client, String address) {
        ExecResult r = client.run("bash", "-c", "PGPASSWORD=secret PGCONNECT_TIMEOUT=2 psql -h " + address
                + " -U postgres -XAtc \"select current_setting('cluster_name')\" 2>&1");
        return r.getStdout().strip();
    }

    private static boolean holds(PgNode node, String address) {
        return node.exec("ip", "-o", "addr", "show", "dev", "eth0").contains(" " + address + "/");
    }

    @Test
    void theServiceAddressFollowsThePrimaryAndNeverLeadsToTheOldOne() throws Exception {
        String hook = "/usr/share/keeper/keeper-vip \"$(cat /etc/keeper/vip)\" eth0 >> /tmp/vip.log 2>&1";
        try (PgPair pair = PgPair.builder().standalone("client")
                .keepers(node -> KeeperConf.defaults(node).withString("after_command", hook))
                .manualKeepers(Set.of("node1", "node2")).start()) {
            PgNode node1 = pair.node1();
            PgNode node2 = pair.node2();
            PgNode client = pair.standalone("client");
            String subnet = pair.subnet(); // e.g. 172.20.0.0/16: the service address is .250 in it
            String[] base = subnet.substring(0, subnet.indexOf('/')).split("\\.");
            String vip = base[0] + "." + base[1] + "." + base[2] + ".250";
            String cidr = vip + subnet.substring(subnet.indexOf('/'));
            for (PgNode n : new PgNode[] {node1, node2}) {
                n.exec("bash", "-c", "echo " + cidr + " > /etc/keeper/vip");
                n.startKeeper();
            }

            // keeper's start beside the primary adds the address (KEEPER_EVENT=primary); the standby's removes it
            Await.until("the service address on node1", Duration.ofSeconds(60), () -> holds(node1, vip));
            Await.until("the client to reach node1 through " + vip, Duration.ofSeconds(30),
                    () -> reachedVia(client, vip), "node1"::equals);
            assertFalse(holds(node2, vip));

            // idempotent: twice up on the primary, twice down on the standby, nothing changes the second time
            for (int i = 0; i < 2; i++) {
                ExecResult up = node1.run("bash", "-c", "KEEPER_EVENT=promoted /usr/share/keeper/keeper-vip "
                        + cidr + " eth0");
                assertEquals(0, up.getExitCode(), up.getStderr());
                assertTrue(up.getStdout().contains("already on eth0"), up.getStdout());
                ExecResult down = node2.run("/usr/share/keeper/keeper-vip", cidr, "eth0", "down");
                assertEquals(0, down.getExitCode(), down.getStderr());
                assertTrue(down.getStdout().contains("not on eth0"), down.getStdout());
            }
            assertEquals(1, node1.exec("ip", "-o", "addr", "show", "dev", "eth0").split(" " + vip + "/").length - 1);

            // node1's host dies: node2 is promoted, takes the address and announces it
            long killed = System.nanoTime();
            node1.killHost();
            node2.awaitWritable(FailoverTest.PROMOTION_WAIT);
            long writable = System.nanoTime();
            Await.until("the client to reach node2 through " + vip, Duration.ofSeconds(60),
                    () -> reachedVia(client, vip), "node2"::equals);
            System.out.printf("[measure] service address: node2 writable %d ms after node1's host died, reached"
                            + " through %s after %d ms%n", Duration.ofNanos(writable - killed).toMillis(), vip,
                    Duration.ofNanos(System.nanoTime() - killed).toMillis());
            assertTrue(node2.readFile("/tmp/vip.log").orElse("").contains("added " + cidr), "the hook's own log");

            // the old primary boots back: fenced by the guard, its keeper starts beside a standby; the address
            // stays on node2 and the client never reaches node1
            node1.startHostAgain();
            long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            int looks = 0;
            while (System.nanoTime() < until) {
                assertEquals("node2", reachedVia(client, vip), "the service address leads to the primary only");
                assertFalse(holds(node1, vip), "the old primary never holds the service address");
                looks++;
                Thread.sleep(500);
            }
            assertTrue(node1.isInRecovery(), "node1 came back as a standby");
            assertTrue(node2.acceptsWrites());
            System.out.printf("[measure] service address: %d looks in 20 s after node1 booted back, all at node2%n",
                    looks);
        }
    }
}
