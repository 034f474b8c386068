package io.keeper.role;

import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What keeper remembers about its partner between runs: consecutive unreachable probes (only those it can trust),
 * whether the partner was ever seen as primary, where its WAL was last seen, and whether it is a foreign cluster.
 */
final class PartnerWatch {

    private static final Logger LOG = LoggerFactory.getLogger(PartnerWatch.class);

    private final String address;
    private final LongSupplier nanoTime;
    private final RepeatedLog repeated;
    private final RepeatedLog foreignLog;
    private int failures;
    private long firstFailureNanos;
    private String lastFailure = "";
    private boolean seenAsPrimary;
    private long lastPrimaryLsn = -1;
    private Long foreignCluster;
    private String lastRole;

    PartnerWatch(String address, LongSupplier nanoTime) {
        this.address = address;
        this.nanoTime = nanoTime;
        this.repeated = new RepeatedLog(nanoTime);
        this.foreignLog = new RepeatedLog(nanoTime);
    }

    /**
     * Counts one probe. A failed probe is not counted when keeper cannot trust it: the run started late (keeper or
     * its host stalled), the local server did not answer either, or the probe itself overran its deadline.
     *
     * @param untrusted why this run's failure must not count, or null when it may
     */
    void note(ProbeResult probe, String untrusted, int threshold) {
        if (!probe.outcome().countsAsFailure()) {
            if (failures > 0) {
                LOG.info("Partner {} answered again after {} failed probe(s): {}", address, failures, probe.describe());
            }
            failures = 0;
            if (!probe.answered()) {
                if (repeated.due("refused " + probe.outcome())) {
                    LOG.warn("Partner {} is alive but refused keeper's probe: {}. Check partner_conninfo;"
                            + " this is never counted toward a failover{}", address, probe.reason(), repeated.summary());
                }
            } else {
                repeated.reset();
                noteRole(probe.state());
            }
            return;
        }
        if (untrusted != null) {
            LOG.warn("Failed probe of {} not counted: {} ({})", address, untrusted, probe.reason());
            return;
        }
        if (failures == 0) {
            firstFailureNanos = nanoTime.getAsLong();
        }
        failures++;
        lastFailure = probe.reason();
        // Every failure up to the threshold is told; after it, a line when the reason's kind changes and a summary.
        if (failures <= threshold) {
            repeated.reset();
            LOG.warn("Partner {} unreachable ({}/{}): {}", address, failures, threshold, lastFailure);
        } else if (repeated.due("unreachable " + probe.outcome())) {
            LOG.warn("Partner {} still unreachable ({} probes in a row, threshold {}): {}{}", address, failures,
                    threshold, lastFailure, repeated.summary());
        }
    }

    private void noteRole(ServerState state) {
        if (!state.inRecovery()) {
            lastPrimaryLsn = state.lsnBytes();
            if (!seenAsPrimary) {
                seenAsPrimary = true;
                LOG.info("Partner {} is primary (timeline {}, lsn {})", address, state.timeline(), state.lsn());
            }
        }
        if (!state.role().equals(lastRole)) {
            LOG.debug("Partner role is now {}", state.role());
            lastRole = state.role();
        }
    }

    /**
     * A partner from another cluster is a configuration error: promotion blocked for good; logged when found and
     * then at each summary interval.
     */
    void checkCluster(long mine, ProbeResult probe) {
        if (probe.answered() && probe.state().systemIdentifier() != mine) {
            foreignCluster = probe.state().systemIdentifier();
        }
        if (foreignCluster != null && foreignLog.due("foreign " + foreignCluster)) {
            LOG.error("Partner {} belongs to a different cluster (system_identifier {}, this node {}): fix"
                    + " partner_conninfo; keeper will never promote this node while it runs{}", address, foreignCluster,
                    mine, foreignLog.summary());
        }
    }

    /** After this node changed role (promoted, rejoined): the count and the partner's history start over. */
    void reset(boolean partnerIsPrimary, long partnerLsn) {
        failures = 0;
        seenAsPrimary = partnerIsPrimary;
        lastPrimaryLsn = partnerIsPrimary ? partnerLsn : -1;
    }

    /** After a maintenance pause: failures seen during it do not count; this run's own failure, if any, does. */
    void countAfresh() {
        if (failures > 0) {
            failures = 1;
            firstFailureNanos = nanoTime.getAsLong();
        }
    }

    int failures() {
        return failures;
    }

    String lastFailure() {
        return lastFailure;
    }

    long unreachableMs() {
        return failures == 0 ? 0 : Duration.ofNanos(nanoTime.getAsLong() - firstFailureNanos).toMillis();
    }

    boolean seenAsPrimary() {
        return seenAsPrimary;
    }

    long lastPrimaryLsn() {
        return lastPrimaryLsn;
    }

    boolean foreign() {
        return foreignCluster != null;
    }

    boolean lastSeenAsStandby() {
        return "standby".equals(lastRole);
    }
}
