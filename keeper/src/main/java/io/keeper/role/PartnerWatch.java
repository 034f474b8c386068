package io.keeper.role;

import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.time.Duration;
import java.util.ArrayDeque;
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
    private final RepeatedLog lateLog;
    /** A late answer took failures back since the partner last answered in time: it is slow rather than gone. */
    private boolean answeringLate;
    /** When each counted failed probe of the current streak started, oldest first. */
    private final ArrayDeque<Long> failedProbeStarts = new ArrayDeque<>();
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
        this.lateLog = new RepeatedLog(nanoTime);
    }

    /**
     * Counts one probe. A failed probe is not counted when keeper cannot trust it: the run started late (keeper or
     * its host stalled), the local server did not answer either, or the probe itself overran its deadline.
     *
     * @param untrusted why this run's failure must not count, or null when it may
     * @param lastAnswer when the partner last answered any probe (System.nanoTime base), late answers included
     */
    void note(ProbeResult probe, String untrusted, int threshold, long lastAnswer) {
        if (!probe.outcome().countsAsFailure()) {
            if (answeringLate && probe.answered()) {
                answeringLate = false;
                lateLog.reset();
                LOG.info("Partner {} answers within keepalive_time again: {}", address, probe.describe());
            }
            if (!failedProbeStarts.isEmpty()) {
                LOG.info("Partner {} answered again after {} failed probe(s): {}", address, failedProbeStarts.size(),
                        probe.describe());
            }
            failedProbeStarts.clear();
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
        forgiveAnswered(lastAnswer);
        if (untrusted != null) {
            LOG.warn("Failed probe of {} not counted: {} ({})", address, untrusted, probe.reason());
            return;
        }
        failedProbeStarts.addLast(nanoTime.getAsLong() - probe.elapsed().toNanos());
        int failures = failedProbeStarts.size();
        lastFailure = probe.reason();
        // Every failure up to the threshold is told; after it, a line when the reason's kind changes and a summary.
        if (failures == 1 && answeringLate) {
            LOG.debug("Partner {} probe timed out again ({}); it has been answering late", address, lastFailure);
        } else if (failures <= threshold) {
            repeated.reset();
            LOG.warn("Partner {} unreachable ({}/{}): {}", address, failures, threshold, lastFailure);
        } else if (repeated.due("unreachable " + probe.outcome())) {
            LOG.warn("Partner {} still unreachable ({} probes in a row, threshold {}): {}{}", address, failures,
                    threshold, lastFailure, repeated.summary());
        }
    }

    /**
     * A probe that timed out but whose answer came later proves the partner was alive then: the failed probes that
     * started before that answer no longer count (a frozen host answers every pending probe when it wakes, so a
     * stall shorter than the detection window never adds up to keepalive_count failures).
     *
     * @return how many failures were dropped
     */
    int forgiveAnswered(long lastAnswer) {
        int dropped = 0;
        while (!failedProbeStarts.isEmpty() && failedProbeStarts.peekFirst() < lastAnswer) {
            failedProbeStarts.removeFirst();
            dropped++;
        }
        if (dropped > 0) {
            answeringLate = true;
            // A slow partner does this at every run: told when it starts and then at each summary interval.
            if (lateLog.due("late")) {
                LOG.warn("Partner {} answered {} ms ago to a probe that had already timed out: it is alive but slower"
                        + " than keepalive_time (stalled or overloaded, not dead); the {} failed probe(s) before that"
                        + " answer no longer count, {} still do{}", address,
                        Duration.ofNanos(nanoTime.getAsLong() - lastAnswer).toMillis(), dropped,
                        failedProbeStarts.size(), lateLog.summary());
            }
        }
        return dropped;
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
        failedProbeStarts.clear();
        seenAsPrimary = partnerIsPrimary;
        lastPrimaryLsn = partnerIsPrimary ? partnerLsn : -1;
    }

    /** After a maintenance pause: failures seen during it do not count; this run's own failure, if any, does. */
    void countAfresh() {
        while (failedProbeStarts.size() > 1) {
            failedProbeStarts.removeFirst();
        }
    }

    int failures() {
        return failedProbeStarts.size();
    }

    String lastFailure() {
        return lastFailure;
    }

    long unreachableMs() {
        Long first = failedProbeStarts.peekFirst();
        return first == null ? 0 : Duration.ofNanos(nanoTime.getAsLong() - first).toMillis();
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
