package io.keeper.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A standby whose keeper starts while the primary is already down must not promote on its own. */
class ColdStartTest {

    @Test
    void aStandbyKeeperStartedAfterThePrimaryDiedNeverPromotes() throws Exception {
        try (PgPair pair = PgPair.start(KeeperConf::defaults, Set.of("node2"))) {
            pair.node1().killHost();
            pair.node2().startKeeper();
            Await.until("node2's keeper to refuse promotion", Duration.ofSeconds(60),
                    () -> pair.node2().keeperLog().contains("Not promoting"));
            Thread.sleep(5000); // more runs past the detection window: a wrong promotion would show now
            assertTrue(pair.node2().isInRecovery(), "node2 must still be a standby");
            assertTrue(Sql.failoverLog(pair.node2()).isEmpty());
            String log = pair.node2().keeperLog();
            assertTrue(log.contains("never seen alive as primary since keeper started"), log);
            int refusals = Sql.count(log, "Not promoting");
            assertTrue(refusals >= 1 && refusals <= 2, "the refusal repeats at every run but is logged when it starts"
                    + " (and when its rule changes), not at every run: " + refusals + " lines");
        }
    }
}
