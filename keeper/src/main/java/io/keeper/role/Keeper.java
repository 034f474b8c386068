package io.keeper.role;

import io.keeper.config.Durations;
import io.keeper.config.KeeperConfig;
import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.RunTiming;
import io.keeper.heartbeat.ServerProbe;
import io.keeper.heartbeat.ServerState;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The role state machine: one heartbeat run looks at the local server and the partner and decides.
 * On a standby it promotes after keepalive_count consecutive unreachable probes of a partner that was
 * seen alive as primary; on a primary it releases synchronous commits while the standby is gone.
 * Runs never overlap (the schedule guarantees it), so the state needs no locking.
 */
public final class Keeper {

    private static final Logger LOG = LoggerFactory.getLogger(Keeper.class);
    private static final Duration PROMOTE_WAIT = Duration.ofSeconds(60);

    private final LocalServer local;
    private final ServerProbe partner;
    private final EventListener events;
    private final LongSupplier nanoTime;
    private final RunTiming timing;
    private volatile KeeperConfig config;

    private int failures;
    private long firstFailureNanos;
    private String lastFailure = "";
    private boolean partnerSeenAsPrimary;
    private String localRole;
    private boolean failoverLogReady;
    private String lastPartnerRole;

    public Keeper(KeeperConfig config, LocalServer local, ServerProbe partner, EventListener events,
                  LongSupplier nanoTime) {
        this.config = config;
        this.local = local;
        this.partner = partner;
        this.events = events;
        this.nanoTime = nanoTime;
        this.timing = new RunTiming(config.keepaliveTime());
    }

    /** Applies a reloaded configuration; the next run uses it. */
    public void reconfigure(KeeperConfig newConfig) {
        this.config = newConfig;
        timing.setInterval(newConfig.keepaliveTime());
    }

    public int consecutiveFailures() {
        return failures;
    }

    /** One heartbeat run. */
    public Decision runOnce() {
        Duration late = timing.runStarted(nanoTime.getAsLong());
        try {
            return decide(late);
        } finally {
            timing.runEnded(nanoTime.getAsLong());
        }
    }

    private Decision decide(Duration late) {
        ProbeResult me = local.status();
        ProbeResult other = partner.probe();
        if (Thread.currentThread().isInterrupted()) {
            return Decision.STOPPING;
        }
        countPartner(other, late);
        if (!me.answered()) {
            LOG.warn("Local server {} is not available ({}); not acting until it answers",
                    config.myConninfo().address(), me.describe());
            return Decision.LOCAL_UNAVAILABLE;
        }
        noteLocalRole(me.state());
        return me.state().inRecovery() ? asStandby(other) : asPrimary(me.state(), other);
    }

    private void countPartner(ProbeResult other, Duration late) {
        String address = config.partnerConninfo().address();
        if (!other.outcome().countsAsFailure()) {
            if (failures > 0) {
                LOG.info("Partner {} answered again after {} failed probe(s): {}", address, failures, other.describe());
            }
            failures = 0;
            if (!other.answered()) {
                LOG.warn("Partner {} is alive but refused keeper's probe: {}. Check partner_conninfo;"
                        + " this is never counted toward a failover", address, other.reason());
            } else {
                notePartnerRole(other.state());
            }
            return;
        }
        if (!late.isZero()) {
            LOG.warn("Heartbeat run started {} ms late (keeper or its host stalled: GC pause, frozen VM?);"
                    + " its failed probe of {} is not counted: {}", late.toMillis(), address, other.reason());
            return;
        }
        if (failures == 0) {
            firstFailureNanos = nanoTime.getAsLong();
        }
        failures++;
        lastFailure = other.reason();
        LOG.warn("Partner {} unreachable ({}/{}): {}", address, failures, config.keepaliveCount(), lastFailure);
    }

    private void notePartnerRole(ServerState state) {
        if (!state.inRecovery() && !partnerSeenAsPrimary) {
            partnerSeenAsPrimary = true;
            LOG.info("Partner {} is primary (timeline {}, lsn {})", config.partnerConninfo().address(),
                    state.timeline(), state.lsn());
        }
        if (!state.role().equals(lastPartnerRole)) {
            LOG.debug("Partner role is now {}", state.role());
            lastPartnerRole = state.role();
        }
    }

    private void noteLocalRole(ServerState state) {
        if (!state.role().equals(localRole)) {
            LOG.info("Local server {} is {} (timeline {}, lsn {}); watching partner {} every {}, acting after {}"
                            + " consecutive failures ({})", config.myConninfo().address(), state.role(),
                    state.timeline(), state.lsn(), config.partnerConninfo().address(),
                    Durations.format(config.keepaliveTime()), config.keepaliveCount(),
                    Durations.format(config.detectionWindow()));
            localRole = state.role();
            failoverLogReady = false;
        }
    }

    private Decision asStandby(ProbeResult other) {
        if (other.isStandby() && !"standby".equals(lastPartnerRole)) {
            LOG.warn("Partner {} is a standby too; there is no primary to watch", config.partnerConninfo().address());
        }
        if (failures < config.keepaliveCount()) {
            return Decision.WATCHING;
        }
        if (!partnerSeenAsPrimary) {
            LOG.warn("Not promoting: partner {} has been unreachable for {} probes, but it was never seen alive as"
                    + " primary since keeper started, so this standby cannot tell a dead primary from a wrong"
                    + " partner_conninfo or a cold start", config.partnerConninfo().address(), failures);
            return Decision.PROMOTION_BLOCKED;
        }
        return promote();
    }

    private Decision promote() {
        String address = config.partnerConninfo().address();
        long unreachableMs = Duration.ofNanos(nanoTime.getAsLong() - firstFailureNanos).toMillis();
        String reason = "partner " + address + " unreachable for " + failures + " consecutive probes ("
                + unreachableMs + " ms, keepalive_time " + Durations.format(config.keepaliveTime())
                + "): " + lastFailure;
        LOG.info("Promoting {}: {}", config.nodeName(), reason);
        long start = nanoTime.getAsLong();
        ServerState promoted;
        try {
            promoted = local.promote(PROMOTE_WAIT);
        } catch (ServerActionException e) {
            LOG.error("Promotion failed after {} ms: {}; trying again on the next run", millisSince(start),
                    e.getMessage());
            return Decision.PROMOTION_FAILED;
        }
        long promotedAt = nanoTime.getAsLong();
        LOG.info("Promotion confirmed in {} ms: server left recovery, timeline {}, lsn {}",
                millisSince(start), promoted.timeline(), promoted.lsn());
        try {
            FailoverLogEntry row = local.recordEvent(config.nodeName(), "promoted", promoted, address, reason);
            LOG.info("failover_log row written in {} ms: unixtime {}, host {}", millisSince(promotedAt),
                    row.unixtime(), row.host());
            failoverLogReady = true;
        } catch (ServerActionException e) {
            LOG.error("Writing the failover_log row failed ({}); the promotion stands", e.getMessage());
        }
        notify("promoted", promoted);
        failures = 0;
        partnerSeenAsPrimary = false;
        localRole = promoted.role();
        LOG.info("Now the primary's keeper; total promotion {} ms", millisSince(start));
        return Decision.PROMOTED;
    }

    private Decision asPrimary(ServerState me, ProbeResult other) {
        ensureFailoverLog();
        if (other.isPrimary()) {
            LOG.warn("Partner {} is also a primary (timeline {}; this node timeline {}): two writable servers",
                    config.partnerConninfo().address(), other.state().timeline(), me.timeline());
            return Decision.BOTH_PRIMARY;
        }
        String saved = me.savedSynchronousStandbyNames();
        if (!saved.isEmpty() && other.answered() && me.streamingStandbys() > 0) {
            return restoreSync(me, saved);
        }
        if (failures >= config.keepaliveCount() && !me.synchronousStandbyNames().isEmpty()) {
            return disableSync(me);
        }
        return Decision.WATCHING;
    }

    private void ensureFailoverLog() {
        if (failoverLogReady) {
            return;
        }
        try {
            if (local.ensureFailoverLog()) {
                LOG.info("Created table {} on this primary", config.failoverLogTable());
            }
            failoverLogReady = true;
        } catch (ServerActionException e) {
            LOG.warn("Could not make sure table {} exists: {}; trying again on the next run",
                    config.failoverLogTable(), e.getMessage());
        }
    }

    private Decision disableSync(ServerState me) {
        String current = me.synchronousStandbyNames();
        LOG.warn("Standby {} unreachable for {} probes ({}): clearing synchronous_standby_names (was '{}') so"
                        + " commits stop waiting; it is restored when a standby streams again",
                config.partnerConninfo().address(), failures, lastFailure, current);
        long start = nanoTime.getAsLong();
        try {
            local.disableSynchronousStandbys(current);
        } catch (ServerActionException e) {
            LOG.error("Clearing synchronous_standby_names failed: {}", e.getMessage());
            return Decision.WATCHING;
        }
        LOG.info("synchronous_standby_names cleared and configuration reloaded in {} ms", millisSince(start));
        notify("sync_disabled", me);
        return Decision.SYNC_DISABLED;
    }

    private Decision restoreSync(ServerState me, String saved) {
        try {
            if (!me.synchronousStandbyNames().isEmpty()) {
                LOG.warn("synchronous_standby_names was changed to '{}' since keeper cleared it; keeping that and"
                        + " forgetting the saved '{}'", me.synchronousStandbyNames(), saved);
                local.forgetSavedSynchronousStandbys();
                return Decision.WATCHING;
            }
            LOG.info("A standby is streaming again: restoring synchronous_standby_names = '{}'", saved);
            local.restoreSynchronousStandbys(saved);
        } catch (ServerActionException e) {
            LOG.error("Restoring synchronous_standby_names failed: {}", e.getMessage());
            return Decision.WATCHING;
        }
        notify("sync_restored", me);
        return Decision.SYNC_RESTORED;
    }

    private void notify(String event, ServerState state) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("KEEPER_EVENT", event);
        env.put("KEEPER_NODE_NAME", config.nodeName());
        env.put("KEEPER_PARTNER", config.partnerConninfo().address());
        env.put("KEEPER_TIMELINE", String.valueOf(state.timeline()));
        env.put("KEEPER_LSN", state.lsn());
        events.onEvent(event, env);
    }

    private long millisSince(long startNanos) {
        return Duration.ofNanos(nanoTime.getAsLong() - startNanos).toMillis();
    }
}
