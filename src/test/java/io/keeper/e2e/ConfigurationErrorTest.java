package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.Container.ExecResult;

/** A bad configuration stops keeper with exit code 2 and a file:line message, and never promotes. */
class ConfigurationErrorTest {

    private static final String KEEPER = "java -jar /opt/keeper/keeper.jar";

    @Test
    void badConfigurationExitsTwoWithFileAndLineOnTheRealHost() throws Exception {
        try (PgPair pair = PgPair.start(KeeperConf::defaults, Set.of("node1", "node2"))) {
            PgNode standby = pair.node2();
            String bad = KeeperConf.defaults("node2").render() + "keepalive_tme = 2s\n";
            standby.exec("bash", "-c", "cat > /etc/keeper/bad.conf <<'EOF'\n" + bad + "EOF\n"
                    + "chown postgres /etc/keeper/bad.conf");
            int line = bad.split("\n").length;
            String expected = "/etc/keeper/bad.conf:" + line
                    + ": unknown setting keepalive_tme = '2s' (did you mean keepalive_time?)";

            ExecResult check = standby.run("runuser", "-u", "postgres", "--", "bash", "-c",
                    KEEPER + " check-config -c /etc/keeper/bad.conf");
            assertEquals(2, check.getExitCode(), check.getStderr());
            assertEquals(expected, check.getStderr().strip());
            assertEquals("", check.getStdout().strip());

            ExecResult run = standby.run("runuser", "-u", "postgres", "--", "bash", "-c",
                    "timeout 60 " + KEEPER + " run -c /etc/keeper/bad.conf");
            assertEquals(2, run.getExitCode(), run.getStdout() + run.getStderr());
            assertEquals(expected, run.getStderr().strip());
            assertFalse((run.getStdout() + run.getStderr()).contains("Exception"), "no stack trace");

            String badValue = KeeperConf.defaults("node2").with("keepalive_time", "'5 parsecs'").render();
            standby.exec("bash", "-c", "cat > /etc/keeper/bad2.conf <<'EOF'\n" + badValue + "EOF");
            ExecResult check2 = standby.run("bash", "-c", KEEPER + " check-config -c /etc/keeper/bad2.conf");
            assertEquals(2, check2.getExitCode());
            assertTrue(check2.getStderr().strip().matches(
                    "/etc/keeper/bad2\\.conf:\\d+: invalid value for keepalive_time: '5 parsecs': .*"),
                    check2.getStderr());

            ExecResult good = standby.run("bash", "-c", KEEPER + " check-config -c /etc/keeper/keeper.conf");
            assertEquals(0, good.getExitCode(), good.getStderr());
            assertTrue(good.getStdout().contains("password=********"), good.getStdout());
            assertFalse(good.getStdout().contains("secret"), "passwords are masked");

            // With its primary gone, a keeper that refused its configuration has not promoted anything.
            pair.node1().killHost();
            Thread.sleep(Duration.ofSeconds(5).toMillis());
            assertTrue(standby.isInRecovery());
        }
    }
}
