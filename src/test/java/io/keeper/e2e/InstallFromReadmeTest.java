package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Capability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * README's Install section, followed on two bare Debian hosts (containers running systemd, with PostgreSQL 15 and a
 * Java runtime installed, and Debian's fresh cluster 15/main on each, as `apt install postgresql-15` leaves it):
 * the replication prerequisites README names, `apt install` of the package, three keys edited (plus the service
 * address hook), `keeper clone` on the standby, `systemctl enable --now keeper` on both. Then the primary's host
 * dies: the standby takes over and the service address moves, as a client that only knows that address sees.
 */
class InstallFromReadmeTest {

    private static GenericContainer<?> systemdHost(Network network, String name, Path deb) {
        return new GenericContainer<>(DockerImageName.parse(KeeperImage.ensure()))
                .withImagePullPolicy(image -> false)
                .withLabel(PgPair.LABEL, "true")
                .withNetwork(network)
                .withNetworkAliases(name)
                .withEnv("container", "docker")
                .withTmpFs(Map.of("/run", "rw", "/run/lock", "rw"))
                .withFileSystemBind("/sys/fs/cgroup", "/sys/fs/cgroup", BindMode.READ_ONLY)
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withHostName(name);
                    cmd.getHostConfig().withCapAdd(Capability.SYS_ADMIN, Capability.NET_ADMIN);
                })
                .withCommand("/lib/systemd/systemd")
                .withCopyFileToContainer(MountableFile.forHostPath(deb, 0644), "/root/keeper.deb");
    }

    private static ExecResult sh(GenericContainer<?> host, String script) {
        try {
            return host.execInContainer("bash", "-c", "PATH=/usr/sbin:/usr/bin:/sbin:/bin; " + script);
        } catch (Exception e) {
            throw new IllegalStateException("exec failed: " + script, e);
        }
    }

    private static String ok(GenericContainer<?> host, String script) {
        ExecResult r = sh(host, script);
        assertEquals(0, r.getExitCode(), script + "\n" + r.getStdout() + r.getStderr());
        return r.getStdout().strip();
    }

    /** What a client that only knows the service address reaches: the answering cluster's host name, or why not. */
    private static String reachedVia(GenericContainer<?> client, String address) {
        return sh(client, "PGPASSWORD=secret PGCONNECT_TIMEOUT=2 psql -h " + address + " -U postgres -XAtc"
                + " \"select current_setting('cluster_name') || ' ' || pg_is_in_recovery()::text\" 2>&1")
                .getStdout().strip();
    }

    @Test
    void twoBareHostsBecomeAProtectedPairWithTheReadmesCommandsAndSurviveThePrimarysDeath() {
        Path deb = KeeperImage.packaged("keeper_*_all.deb");
        try (Network network = Network.builder()
                .createNetworkCmdModifier(cmd -> cmd.withLabels(Map.of(PgPair.LABEL, "true"))).build();
             GenericContainer<?> node1 = systemdHost(network, "node1", deb);
             GenericContainer<?> node2 = systemdHost(network, "node2", deb);
             GenericContainer<?> client = new GenericContainer<>(DockerImageName.parse(KeeperImage.ensure()))
                     .withImagePullPolicy(image -> false).withLabel(PgPair.LABEL, "true").withNetwork(network)
                     .withEnv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").withCommand("sleep", "infinity")) {
            node1.start();
            node2.start();
            client.start();
            String subnet = org.testcontainers.DockerClientFactory.instance().client().inspectNetworkCmd()
                    .withNetworkId(network.getId()).exec().getIpam().getConfig().get(0).getSubnet();
            String[] base = subnet.substring(0, subnet.indexOf('/')).split("\\.");
            String vip = base[0] + "." + base[1] + "." + base[2] + ".250";
            String cidr = vip + subnet.substring(subnet.indexOf('/'));

            for (GenericContainer<?> host : new GenericContainer<?>[] {node1, node2}) {
                String name = host == node1 ? "node1" : "node2";
                String partner = host == node1 ? "node2" : "node1";
                Await.until(name + "'s systemd to boot", Duration.ofSeconds(60),
                        () -> sh(host, "systemctl is-system-running").getStdout().strip(),
                        s -> s.equals("running") || s.equals("degraded"));
                // what apt install postgresql-15 leaves on a fresh Debian host: a running cluster 15/main
                ok(host, "pg_createcluster 15 main >/dev/null && systemctl start postgresql@15-main");
                // README, Install, step 2's prerequisites for streaming replication (the DBA's own set-up)
                ok(host, "printf \"listen_addresses = '*'\\ncluster_name = '" + name + "'\\n\""
                        + " > /etc/postgresql/15/main/conf.d/pair.conf"
                        + " && printf 'host replication postgres samenet scram-sha-256\\n"
                        + "host all postgres samenet scram-sha-256\\n' >> /etc/postgresql/15/main/pg_hba.conf"
                        + " && runuser -u postgres -- psql -qc \"ALTER USER postgres PASSWORD 'secret'\""
                        + " && install -m 600 -o postgres -g postgres /dev/null /var/lib/postgresql/.pgpass"
                        + " && echo '*:*:*:postgres:secret' > /var/lib/postgresql/.pgpass"
                        + " && systemctl restart postgresql@15-main");
                // step 1: the package
                ok(host, "apt-get -o DPkg::Lock::Timeout=120 install -y /root/keeper.deb >/root/apt.log 2>&1"
                        + " || { tail -5 /root/apt.log; exit 1; }");
                // step 2: three keys (and, for this test's speed, a 1 s probe interval), plus the service address
                ok(host, "sed -i \"s|^#node_name = ''|node_name = '" + name + "'|;"
                        + " s|^my_conninfo = .*|my_conninfo = 'host=127.0.0.1 dbname=postgres user=postgres'|;"
                        + " s|^partner_conninfo = .*|partner_conninfo = 'host=" + partner + " dbname=postgres"
                        + " user=postgres'|; s|^#keepalive_time = 5s|keepalive_time = 1s|;"
                        + " s|^#after_command = ''|after_command = '/usr/share/keeper/keeper-vip " + cidr + " eth0'|\""
                        + " /etc/keeper/keeper.conf && runuser -u postgres -- keeper check-config -c"
                        + " /etc/keeper/keeper.conf >/dev/null");
                ok(host, "mkdir -p /etc/systemd/system/keeper.service.d && printf '[Service]\\n"
                        + "AmbientCapabilities=CAP_NET_ADMIN CAP_NET_RAW\\n'"
                        + " > /etc/systemd/system/keeper.service.d/vip.conf && systemctl daemon-reload");
            }

            // step 3, on the standby only: Debian's own fresh cluster stopped and moved aside, the primary copied
            ok(node2, "systemctl stop postgresql@15-main");
            String cloned = ok(node2, "runuser -u postgres -- keeper clone -c /etc/keeper/keeper.conf --force 2>&1");
            assertTrue(cloned.contains("systemctl start postgresql@15-main"), cloned);
            assertTrue(!cloned.contains("secret"), "no password in what clone prints:\n" + cloned);
            ok(node2, "systemctl start postgresql@15-main");
            Await.until("node2 to stream from node1", Duration.ofSeconds(60),
                    () -> ok(node1, "runuser -u postgres -- psql -XAtc \"select count(*) from pg_stat_replication"
                            + " where application_name = 'node2' and state = 'streaming'\""), "1"::equals);

            // step 4, on both
            ok(node1, "systemctl enable --now keeper 2>&1");
            ok(node2, "systemctl enable --now keeper 2>&1");
            Await.until("the service address on node1", Duration.ofSeconds(60),
                    () -> sh(node1, "ip -o addr show dev eth0").getStdout(), s -> s.contains(" " + vip + "/"));
            Await.until("the client to reach node1's primary through " + vip, Duration.ofSeconds(60),
                    () -> reachedVia(client, vip), "node1 false"::equals);
            Await.until("node2's keeper to see node1 as primary", Duration.ofSeconds(60),
                    () -> ok(node2, "journalctl -u keeper --no-pager"), j -> j.contains("Partner node1:5432 is primary"));

            // the primary's host dies
            long killed = System.nanoTime();
            org.testcontainers.DockerClientFactory.instance().client().killContainerCmd(node1.getContainerId()).exec();
            Await.until("node2 to be the primary", Duration.ofSeconds(60),
                    () -> ok(node2, "runuser -u postgres -- psql -XAtc 'select pg_is_in_recovery()'"), "f"::equals);
            long promoted = System.nanoTime();
            Await.until("the client to reach node2's primary through " + vip, Duration.ofSeconds(60),
                    () -> reachedVia(client, vip), "node2 false"::equals);
            System.out.printf("[measure] README install on two bare hosts: node2 writable %d ms after node1's host died,"
                            + " the service address there after %d ms%n", Duration.ofNanos(promoted - killed).toMillis(),
                    Duration.ofNanos(System.nanoTime() - killed).toMillis());
            assertTrue(ok(node2, "runuser -u postgres -- psql -XAtc 'select count(*) from failover_log'").equals("1"),
                    "one failover_log row on the new primary");
        }
    }
}
