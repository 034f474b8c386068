package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.model.Capability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * The packaged unit under a real systemd: PID 1 of a container (CAP_SYS_ADMIN, the host's cgroups read-only), with
 * Debian's PostgreSQL cluster 15/main and the keeper package installed. `systemctl enable --now keeper` returns once
 * keeper is READY (Type=notify), the status line shows its decision, a hung keeper (SIGSTOP) is killed by the
 * watchdog and restarted, reload and stop work, and PostgreSQL is left alone. keeper watches its server through
 * the Unix-domain socket with peer authentication, as a package user would configure it; the partner is an address
 * on loopback where nothing listens (the container has no network).
 */
class SystemdUnitTest {

    private static GenericContainer<?> host;

    @BeforeAll
    static void bootHost() {
        Path deb = KeeperImage.packaged("keeper_*_all.deb");
        host = new GenericContainer<>(DockerImageName.parse(KeeperImage.ensure()))
                .withImagePullPolicy(image -> false)
                .withLabel(PgPair.LABEL, "true")
                .withNetworkMode("none")
                .withEnv("container", "docker")
                .withTmpFs(Map.of("/run", "rw", "/run/lock", "rw"))
                .withFileSystemBind("/sys/fs/cgroup", "/sys/fs/cgroup", org.testcontainers.containers.BindMode.READ_ONLY)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withCapAdd(Capability.SYS_ADMIN))
                .withCommand("/lib/systemd/systemd")
                .withCopyFileToContainer(MountableFile.forHostPath(deb, 0644), "/root/keeper.deb"); // systemd mounts a fresh /tmp
        host.start();
        Await.until("systemd to finish booting", Duration.ofSeconds(60),
                () -> sh("systemctl is-system-running").getStdout().strip(), s -> s.equals("running")
                        || s.equals("degraded"));
    }

    @AfterAll
    static void stop() {
        if (host != null) {
            host.stop();
        }
    }

    private static ExecResult sh(String script) {
        try {
            return host.execInContainer("sh", "-c", "PATH=/usr/sbin:/usr/bin:/sbin:/bin; " + script);
        } catch (Exception e) {
            throw new IllegalStateException("exec failed: " + script, e);
        }
    }

    private static String ok(String script) {
        ExecResult r = sh(script);
        assertEquals(0, r.getExitCode(), script + "\n" + r.getStdout() + r.getStderr());
        return r.getStdout().strip();
    }

    private static Map<String, String> unit() {
        Map<String, String> props = new HashMap<>();
        for (String line : ok("systemctl show keeper -p ActiveState -p SubState -p StatusText -p NRestarts"
                + " -p MainPID -p Type -p WatchdogUSec").split("\n")) {
            int eq = line.indexOf('=');
            props.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return props;
    }

    @Test
    void theUnitStartsWhenKeeperIsReadyRestartsAHungKeeperAndLeavesPostgresAlone() {
        ok("pg_createcluster 15 main >/dev/null && systemctl start postgresql@15-main");
        // apt's timers may hold the lock just after boot
        ok("apt-get -o DPkg::Lock::Timeout=120 install -y /root/keeper.deb >/tmp/apt.log 2>&1; rc=$?; tail -5 /tmp/apt.log;"
                + " exit $rc");
        ok("sed -i \"s|^#node_name = ''|node_name = 'node1'|;"
                + " s|^my_conninfo = .*|my_conninfo = 'host=/var/run/postgresql dbname=postgres user=postgres'|;"
                + " s|^partner_conninfo = .*|partner_conninfo = 'host=127.0.0.1 port=5499 dbname=postgres"
                + " user=postgres'|; s|^#keepalive_time = 5s|keepalive_time = 1s|\" /etc/keeper/keeper.conf");
        ok("runuser -u postgres -- keeper check-config -c /etc/keeper/keeper.conf >/dev/null");

        long start = System.nanoTime();
        ok("systemctl enable --now keeper 2>&1");
        long readyMs = Duration.ofNanos(System.nanoTime() - start).toMillis();
        Map<String, String> u = unit();
        System.out.printf("[measure] systemctl enable --now keeper returned after %d ms (Type=notify: READY=1)%n",
                readyMs);
        assertEquals("notify", u.get("Type"));
        assertEquals("10s", u.get("WatchdogUSec"));
        assertEquals("active", u.get("ActiveState"), u.toString());
        assertEquals("running", u.get("SubState"), u.toString());
        assertTrue(u.get("StatusText").startsWith("primary"), "systemctl status shows keeper's decision: " + u);
        assertTrue(ok("journalctl -u keeper --no-pager").contains("Told systemd that keeper is ready"));

        // a hung keeper: no runs, no pings; systemd kills it (WatchdogSignal=SIGKILL) and starts it again
        String hungPid = u.get("MainPID");
        long stopped = System.nanoTime();
        ok("kill -STOP " + hungPid);
        Map<String, String> after = Await.until("the watchdog to restart keeper", Duration.ofSeconds(90),
                SystemdUnitTest::unit, m -> !m.get("MainPID").equals(hungPid) && "active".equals(m.get("ActiveState"))
                        && "running".equals(m.get("SubState")));
        System.out.printf("[measure] SIGSTOPped keeper running again %d ms later (WatchdogSec=10s, RestartSec=2s)%n",
                Duration.ofNanos(System.nanoTime() - stopped).toMillis());
        assertNotEquals("0", after.get("NRestarts"));
        assertTrue(ok("journalctl -u keeper --no-pager").contains("Watchdog timeout"),
                ok("journalctl -u keeper --no-pager | tail -20"));

        ok("systemctl reload keeper");
        Await.until("the reload to be logged", Duration.ofSeconds(20),
                () -> ok("journalctl -u keeper --no-pager"), j -> j.contains("Configuration reloaded"));

        ok("systemctl stop keeper");
        assertEquals("inactive", unit().get("ActiveState"));
        assertEquals("f", ok("runuser -u postgres -- psql -XAtc 'select pg_is_in_recovery()'"),
                "PostgreSQL runs on, as the primary");
        ok("apt-get -o DPkg::Lock::Timeout=120 purge -y keeper >/dev/null 2>&1 && ! test -e /lib/systemd/system/keeper.service");
    }
}
