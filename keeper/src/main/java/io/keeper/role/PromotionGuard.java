package io.keeper.role;

import io.keeper.config.Durations;
import io.keeper.config.KeeperConfig;
import io.keeper.config.Sizes;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.util.Optional;

/**
 * The checks a standby makes before it promotes, beyond "the partner stopped answering": same cluster,
 * WAL receiver silent too, not too far behind, and (with a witness) not the isolated node.
 * Each refusal is a sentence with the numbers behind it.
 */
final class PromotionGuard {

    private PromotionGuard() {
    }

    /**
     * @param config the running configuration
     * @param me the local standby's state now
     * @param foreignPartner the partner's system_identifier when it differs from ours, else null
     * @param lastPrimaryLsn the last WAL position the heartbeat saw on the primary, or -1
     * @param witness the witness probe of this run, or null without a witness
     */
    static Optional<String> refusal(KeeperConfig config, ServerState me, Long foreignPartner, long lastPrimaryLsn,
                                    ProbeResult witness) {
        if (foreignPartner != null) {
            return Optional.of("partner " + config.partnerConninfo().address() + " belongs to a different cluster"
                    + " (system_identifier " + foreignPartner + ", this node " + me.systemIdentifier()
                    + "); fix partner_conninfo");
        }
        Long age = me.walReceiverAgeMs();
        long window = config.detectionWindow().toMillis();
        if (age != null && age < window) {
            return Optional.of("the WAL receiver got data from the primary " + age + " ms ago, within the "
                    + Durations.format(config.detectionWindow()) + " detection window: the primary is alive and only"
                    + " the heartbeat path to " + config.partnerConninfo().address() + " is broken");
        }
        long maxLag = config.maximumLagOnFailover();
        if (maxLag >= 0 && lastPrimaryLsn >= 0 && me.lsnBytes() >= 0) {
            long lag = lastPrimaryLsn - me.lsnBytes();
            if (lag > maxLag) {
                return Optional.of("this standby has received WAL up to " + me.lsn() + " but the primary was last"
                        + " seen at " + formatLsn(lastPrimaryLsn) + ": lag " + lag + " bytes exceeds"
                        + " maximum_lag_on_failover " + Sizes.format(maxLag) + " (" + maxLag + " bytes)");
            }
        }
        if (witness != null && witness.outcome().countsAsFailure()) {
            return Optional.of("witness " + config.witnessConninfo().map(c -> c.address()).orElse("?")
                    + " is unreachable too (" + witness.reason() + "): this standby may be the isolated node");
        }
        return Optional.empty();
    }

    static String formatLsn(long bytes) {
        return Long.toHexString(bytes >>> 32).toUpperCase() + "/" + Long.toHexString(bytes & 0xFFFFFFFFL).toUpperCase();
    }
}
