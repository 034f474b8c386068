package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * What `mvn package` ships, installed as an administrator would on a fresh Debian host with PostgreSQL 15 and a
 * Java runtime (the node image, without network: the package must not need to download anything there): the
 * Debian package (apt install, the commands, the configuration's owner and mode, the unit as systemd reads it,
 * remove and purge) and the tarball.
 */
class PackageTest {

    private static GenericContainer<?> host;

    @BeforeAll
    static void freshHost() {
        Path deb = KeeperImage.packaged("keeper_*_all.deb");
        Path tarball = KeeperImage.packaged("keeper-*.tar.gz");
        host = new GenericContainer<>(DockerImageName.parse(KeeperImage.ensure()))
                .withImagePullPolicy(image -> false)
                .withLabel(PgPair.LABEL, "true")
                .withNetworkMode("none")
                .withEnv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                .withCommand("sleep", "infinity")
                .withCopyFileToContainer(MountableFile.forHostPath(deb, 0644), "/tmp/" + deb.getFileName())
                .withCopyFileToContainer(MountableFile.forHostPath(tarball, 0644), "/tmp/keeper.tar.gz");
        host.start();
    }

    @AfterAll
    static void stop() {
        if (host != null) {
            host.stop();
        }
    }

    private static ExecResult sh(String script) throws Exception {
        return host.execInContainer("sh", "-c", script);
    }

    private static String ok(String script) throws Exception {
        ExecResult r = sh(script);
        assertEquals(0, r.getExitCode(), script + "\n" + r.getStdout() + r.getStderr());
        return r.getStdout().strip();
    }

    /** Whether `LAUNCHER run` loaded keeper's own classes from a class-data sharing archive. */
    private static boolean sharedRunCommand(String launcher) throws Exception {
        String loaded = ok("KEEPER_JAVA_OPTS='-Xshare:on -Xlog:class+load=info' " + launcher + " run --help");
        return loaded.contains("io.keeper.cli.RunCommand source: shared objects file");
    }

    @Test
    void theDebianPackageInstallsWorksAndLeavesNothingBehindWhenPurged() throws Exception {
        String installed = ok("apt-get install -y /tmp/keeper_*_all.deb 2>&1");
        assertTrue(installed.contains("Setting up keeper"), installed);

        assertTrue(ok("keeper --version").matches("keeper \\d+\\.\\d+\\.\\d+.*"), "a version, not a development build");
        assertEquals("/usr/bin/keeper", ok("command -v keeper"));
        assertEquals("640 root postgres", ok("stat -c '%a %U %G' /etc/keeper/keeper.conf"),
                "the configuration may hold passwords: keeper's group reads it, nobody else");
        String checked = ok("runuser -u postgres -- keeper check-config -c /etc/keeper/keeper.conf");
        assertTrue(checked.contains("partner_conninfo"), checked);
        ExecResult help = sh("keeper run --help");
        assertEquals(0, help.getExitCode(), help.getStderr());
        assertTrue(help.getStdout().contains("Usage: keeper run"), help.getStdout());
        String verify = ok("systemd-analyze verify /lib/systemd/system/keeper.service 2>&1");
        assertEquals("", verify, "the unit as systemd reads it: no unknown key, every command found");
        ok("test -f /usr/share/keeper/sql/failover_log.sql && test -f /usr/share/keeper/keeper-guard.conf"
                + " && test -x /usr/share/keeper/keeper-vip");
        assertFalse(sh("systemctl is-enabled keeper 2>/dev/null").getStdout().contains("enabled"),
                "not enabled before the configuration is edited");

        // The class-data sharing archive: made at install, made again when a JVM package changes, used by `keeper
        // run` (with -Xshare:on a JVM that cannot use the archive refuses to start instead of ignoring it).
        assertTrue(installed.contains("keeper-cds: /var/cache/keeper/keeper.jsa made by"), installed);
        assertEquals("644", ok("stat -c '%a' /var/cache/keeper/keeper.jsa"));
        assertTrue(sharedRunCommand("keeper"), "keeper run reads its classes from the archive");
        ok("rm /var/cache/keeper/keeper.jsa && dpkg-trigger --no-await /usr/lib/jvm && dpkg --triggers-only --pending");
        assertTrue(sharedRunCommand("keeper"), "the trigger on /usr/lib/jvm made the archive again");

        ok("apt-get remove -y keeper 2>&1");
        ok("! test -e /usr/bin/keeper && ! test -e /usr/share/keeper && ! test -e /lib/systemd/system/keeper.service"
                + " && ! test -e /var/cache/keeper");
        ok("test -f /etc/keeper/keeper.conf"); // a conffile stays until purge, as the administrator edited it
        ok("apt-get purge -y keeper 2>&1");
        ok("! test -e /etc/keeper");
        assertFalse(sh("dpkg -s keeper").getExitCode() == 0, "purged");
    }

    @Test
    void theTarballRunsFromWhereverItIsUnpackedAndThroughALink() throws Exception {
        ok("mkdir -p /opt/t && tar -C /opt/t -xzf /tmp/keeper.tar.gz");
        String version = ok("/opt/t/keeper-*/bin/keeper --version");
        assertTrue(version.matches("keeper \\d+\\.\\d+\\.\\d+.*"), version);
        ok("ln -sf /opt/t/keeper-*/bin/keeper /usr/local/bin/keeper-link");
        assertEquals(version, ok("keeper-link --version"));
        ok("keeper-link check-config -c /opt/t/keeper-*/conf/keeper.conf");
        ok("/opt/t/keeper-*/share/keeper/keeper-cds /tmp/t.jsa");
        assertTrue(sharedRunCommand("KEEPER_CDS_ARCHIVE=/tmp/t.jsa keeper-link"), "the tarball's keeper-cds archive");
        ExecResult missing = sh("KEEPER_JAR=/nowhere.jar keeper-link --version");
        assertEquals(2, missing.getExitCode());
        assertTrue(missing.getStderr().contains("cannot read /nowhere.jar"), missing.getStderr());
    }
}
