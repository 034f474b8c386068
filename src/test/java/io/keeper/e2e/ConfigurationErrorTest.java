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

            // Through the service loop, as systemd runs it (RestartPreventExitStatus=2): the bad configuration
            // stops keeper for good, and with its primary gone nothing promotes the standby.
            standby.exec("bash", "-c", "cp /etc/keeper/bad.conf /etc/keeper/keeper.conf");
            standby.startKeeper();
            Await.until("the service loop to see keeper exit with 2", Duration.ofSeconds(60),
                    () -> standby.keeperLog().contains("node.sh: keeper exited rc=2"));
            pair.node1().killHost();
            Thread.sleep(2 * SplitBrainChecks.DETECTION_WINDOW.toMillis() + 2000); // past the loop's 1 s restart delay
            assertEquals(1, Sql.count(standby.keeperLog(), "node.sh: keeper exited"), "exit 2 is final: "
                    + standby.keeperLog());
            assertEquals(1, standby.run("pgrep", "-f", "keeper\\.jar run").getExitCode(), "no keeper runs");
            assertTrue(standby.isInRecovery(), "nothing promoted the standby");
        }
    }
}
