package io.keeper.role;

import io.keeper.config.Durations;
import io.keeper.config.KeeperConfig;
import io.keeper.election.NodeView;
import io.keeper.election.PrimaryElection;
import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.RunTiming;
import io.keeper.heartbeat.ServerProbe;
import io.keeper.heartbeat.ServerState;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The role state machine: one heartbeat run looks at the local server, the partner (and the witness) and
 * decides. On a standby it promotes after keepalive_count consecutive unreachable probes of a partner seen
 * alive as primary, when the promotion guards agree; on a primary it releases synchronous commits while the
 * standby is gone, and fences its server when it is superseded or isolated. Runs never overlap (the
 * schedule guarantees it), so the state needs no locking; status() is a volatile snapshot for other threads.
 * This class is longer than most because every rule that changes a role lives here, in one readable place.
 */
public final class Keeper {

    private static final Logger LOG = LoggerFactory.getLogger(Keeper.class);
    private static final Duration PROMOTE_WAIT = Duration.ofSeconds(60);
    static final String ISOLATED = "isolated";
    static final String SUPERSEDED = "superseded";

    private final LocalServer local;
    private final PartnerServer partner;
    private final ServerProbe witness;
    private final Rejoiner rejoiner;
    private final EventListener events;
    private final LongSupplier nanoTime;
    private final RunTiming timing;
    private volatile KeeperConfig config;
    private volatile KeeperStatus status;

    private int failures;
    private int witnessFailures;
    private long firstFailureNanos;
    private String lastFailure = "";
    private boolean partnerSeenAsPrimary;
    private long lastPrimaryLsn = -1;
    private Long foreignPartner;
    private String localRole;
    private boolean failoverLogReady;
    private boolean namePublished;
    private String lastPartnerRole;
    private String reason = "";
    private int rejoinAttemptsLeft = 3;
    private long lastContactNanos;
    private final ExecutorService probes = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "probe");
        t.setDaemon(true);
        return t;
    });

    public Keeper(KeeperConfig config, LocalServer local, PartnerServer partner, ServerProbe witness,
                  Rejoiner rejoiner, EventListener events, LongSupplier nanoTime) {
        this.config = config;
        this.local = local;
        this.partner = partner;
        this.witness = witness;
        this.rejoiner = rejoiner;
        this.events = events;
        this.nanoTime = nanoTime;
        this.timing = new RunTiming(config.keepaliveTime());
        this.status = KeeperStatus.starting(config.nodeName(), config.partnerConninfo().address(),
                config.keepaliveCount());
        this.lastContactNanos = nanoTime.getAsLong();
    }

    /** Stops the probe threads. */
    public void close() {
        probes.shutdownNow();
    }

    /** Applies a reloaded configuration; the next run uses it. */
    public void reconfigure(KeeperConfig newConfig) {
        this.config = newConfig;
        timing.setInterval(newConfig.keepaliveTime());
    }

    public int consecutiveFailures() {
        return failures;
    }

    /** The state after the latest run; safe to call from any thread. */
    public KeeperStatus status() {
        return status;
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
        reason = "";
        // Partner and witness are probed in parallel with the local server, so one unreachable server does not
        // stretch the run: each probe has its own keepalive_time deadline.
        CompletableFuture<ProbeResult> otherLater = CompletableFuture.supplyAsync(partner::probe, probes);
        CompletableFuture<ProbeResult> witnessLater = witness == null ? CompletableFuture.completedFuture(null)
                : CompletableFuture.supplyAsync(witness::probe, probes);
        ProbeResult me = local.status();
        ProbeResult other = otherLater.join();
        ProbeResult witnessNow = witnessLater.join();
        if (Thread.currentThread().isInterrupted()) {
            return Decision.STOPPING;
        }
        countPartner(other, late);
        countWitness(witnessNow, late);
        Decision decision;
        if (!me.answered()) {
            reason = "local server " + config.myConninfo().address() + " is not available (" + me.describe() + ")";
            LOG.warn("Local server {} is not available ({}); not acting until it answers",
                    config.myConninfo().address(), me.describe());
            decision = Decision.LOCAL_UNAVAILABLE;
        } else {
            checkCluster(me.state(), other);
            publishName(me.state());
            noteLocalRole(me.state());
            decision = me.state().inRecovery() ? asStandby(me.state(), other, witnessNow)
                    : asPrimary(me.state(), other, witnessNow);
        }
        updateStatus(me, other, witnessNow, decision);
        return decision;
    }

    private void countPartner(ProbeResult other, Duration late) {
        String address = config.partnerConninfo().address();
        if (!other.outcome().countsAsFailure()) {
            lastContactNanos = nanoTime.getAsLong();
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

    private void countWitness(ProbeResult witnessNow, Duration late) {
        if (witnessNow == null) {
            return;
        }
        if (!witnessNow.outcome().countsAsFailure()) {
            witnessFailures = 0;
            lastContactNanos = nanoTime.getAsLong();
        } else if (late.isZero()) {
            witnessFailures++;
            LOG.warn("Witness {} unreachable ({}/{}): {}", witnessAddress(), witnessFailures,
                    config.keepaliveCount(), witnessNow.reason());
        }
    }

    private void notePartnerRole(ServerState state) {
        if (!state.inRecovery()) {
            lastPrimaryLsn = state.lsnBytes();
            if (!partnerSeenAsPrimary) {
                partnerSeenAsPrimary = true;
                LOG.info("Partner {} is primary (timeline {}, lsn {})", config.partnerConninfo().address(),
                        state.timeline(), state.lsn());
            }
        }
        if (!state.role().equals(lastPartnerRole)) {
            LOG.debug("Partner role is now {}", state.role());
            lastPartnerRole = state.role();
        }
    }

    /** A partner from another cluster is a configuration error: logged at every run, promotion blocked for good. */
    private void checkCluster(ServerState me, ProbeResult other) {
        if (other.answered() && other.state().systemIdentifier() != me.systemIdentifier()) {
            foreignPartner = other.state().systemIdentifier();
        }
        if (foreignPartner != null) {
            LOG.error("Partner {} belongs to a different cluster (system_identifier {}, this node {}): fix"
                            + " partner_conninfo; keeper will never promote this node while it runs",
                    config.partnerConninfo().address(), foreignPartner, me.systemIdentifier());
        }
    }

    private void publishName(ServerState me) {
        if (namePublished || config.nodeName().equals(me.nodeName())) {
            namePublished = true;
            return;
        }
        try {
            local.publishNodeName(config.nodeName());
            namePublished = true;
        } catch (ServerActionException e) {
            LOG.warn("Could not publish node_name on the local server: {}", e.getMessage());
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

    private Decision asStandby(ServerState me, ProbeResult other, ProbeResult witnessNow) {
        if (other.isStandby() && !"standby".equals(lastPartnerRole)) {
            LOG.warn("Partner {} is a standby too; there is no primary to watch", config.partnerConninfo().address());
        }
        if (failures < config.keepaliveCount()) {
            return Decision.WATCHING;
        }
        if (!partnerSeenAsPrimary && foreignPartner == null) {
            return refuse("partner " + config.partnerConninfo().address() + " has been unreachable for " + failures
                    + " probes, but it was never seen alive as primary since keeper started, so this standby cannot"
                    + " tell a dead primary from a wrong partner_conninfo or a cold start");
        }
        Optional<String> refusal = PromotionGuard.refusal(config, me, foreignPartner, lastPrimaryLsn, witnessNow);
        if (refusal.isPresent()) {
            return refuse(refusal.get());
        }
        if (witness != null) {
            // With a witness a partition may heal while this run's probes were out; one more look at the
            // partner costs at most keepalive_time and widens the gap to the isolated primary's own fence.
            ProbeResult lastLook = partner.probe();
            if (!lastLook.outcome().countsAsFailure()) {
                failures = 0;
                return refuse("partner " + config.partnerConninfo().address() + " answered the last look before"
                        + " promotion (" + lastLook.describe() + ")");
            }
        }
        if (me.replayPaused()) {
            LOG.warn("WAL replay is paused on this standby; resuming it so the promotion includes all received WAL");
            try {
                local.resumeReplay();
            } catch (ServerActionException e) {
                return refuse("WAL replay is paused and could not be resumed: " + e.getMessage());
            }
        }
        return promote();
    }

    private Decision refuse(String why) {
        reason = why;
        LOG.warn("Not promoting: {}", why);
        return Decision.PROMOTION_BLOCKED;
    }

    private Decision promote() {
        String address = config.partnerConninfo().address();
        long unreachableMs = Duration.ofNanos(nanoTime.getAsLong() - firstFailureNanos).toMillis();
        String why = "partner " + address + " unreachable for " + failures + " consecutive probes ("
                + unreachableMs + " ms, keepalive_time " + Durations.format(config.keepaliveTime())
                + "): " + lastFailure;
        reason = why;
        LOG.info("Promoting {}: {}", config.nodeName(), why);
        long start = nanoTime.getAsLong();
        ServerState promoted;
        try {
            promoted = local.promote(PROMOTE_WAIT);
        } catch (ServerActionException e) {
            reason = "promotion failed: " + e.getMessage();
            LOG.error("Promotion failed after {} ms: {}; trying again on the next run", millisSince(start),
                    e.getMessage());
            return Decision.PROMOTION_FAILED;
        }
        long promotedAt = nanoTime.getAsLong();
        LOG.info("Promotion confirmed in {} ms: server left recovery, timeline {}, lsn {}",
                millisSince(start), promoted.timeline(), promoted.lsn());
        try {
            FailoverLogEntry row = local.recordEvent(config.nodeName(), "promoted", promoted, address, why);
            LOG.info("failover_log row written in {} ms: unixtime {}, host {}", millisSince(promotedAt),
                    row.unixtime(), row.host());
            failoverLogReady = true;
        } catch (ServerActionException e) {
            LOG.error("Writing the failover_log row failed ({}); the promotion stands", e.getMessage());
        }
        notify("promoted", promoted);
        localRole = promoted.role();
        if (!promoted.synchronousStandbyNames().isEmpty()) {
            // The only standby this new primary could wait for is the old primary, already unreachable for
            // keepalive_count probes: release synchronous commits now rather than after another window.
            disableSync(promoted);
            reason = why;
        }
        failures = 0;
        partnerSeenAsPrimary = false;
        LOG.info("Now the primary's keeper; total promotion {} ms", millisSince(start));
        return Decision.PROMOTED;
    }

    private Decision asPrimary(ServerState me, ProbeResult other, ProbeResult witnessNow) {
        if (me.isFenced()) {
            return whileFenced(me, other);
        }
        ensureFailoverLog();
        if (other.isPrimary()) {
            return twoPrimaries(me, other);
        }
        if (isolated()) {
            return fence(me, ISOLATED + ": neither partner " + config.partnerConninfo().address() + " nor witness "
                    + witnessAddress() + " answered for " + Math.min(failures, witnessFailures) + " probes ("
                    + Duration.ofNanos(nanoTime.getAsLong() - lastContactNanos).toMillis()
                    + " ms); the standby may be promoted", null);
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

    /**
     * A primary cut off from both partner and witness fences itself one probe before a standby that reaches
     * the witness could promote (keepalive_count - 1 failed probes), or once that much time has passed
     * since the last contact, whichever comes first, so there is no moment with two writable servers.
     */
    private boolean isolated() {
        if (witness == null || failures == 0 || witnessFailures == 0) {
            return false;
        }
        int threshold = Math.max(1, config.keepaliveCount() - 1);
        Duration silent = Duration.ofNanos(nanoTime.getAsLong() - lastContactNanos);
        return Math.min(failures, witnessFailures) >= threshold
                || silent.compareTo(config.keepaliveTime().multipliedBy(threshold)) >= 0;
    }

    /** Both servers are primaries: the same rule everywhere decides which one keeps writing. */
    private Decision twoPrimaries(ServerState me, ProbeResult other) {
        NodeView mine = view(config.nodeName(), config.myConninfo().address(), me, local.latestFailover());
        NodeView theirs = view(partnerName(other.state()), config.partnerConninfo().address(), other.state(),
                partner.latestFailover());
        NodeView winner = PrimaryElection.winner(mine, theirs);
        String numbers = "timeline " + me.timeline() + " here, " + other.state().timeline() + " on "
                + theirs.name() + "; latest failover_log row here " + mine.latestFailoverUnixtime() + ", there "
                + theirs.latestFailoverUnixtime();
        if (winner.name().equals(mine.name())) {
            reason = "partner " + theirs.name() + " is also a primary; this node is the rightful primary ("
                    + numbers + "); the partner's keeper fences it";
            LOG.warn("Partner {} is also a primary: two writable servers. This node wins ({}); expecting the"
                    + " partner's keeper to fence it", theirs.name(), numbers);
            return Decision.BOTH_PRIMARY;
        }
        return fence(me, SUPERSEDED + " by " + theirs.name() + " (" + numbers + ")", other.state());
    }

    private Decision fence(ServerState me, String why, ServerState winner) {
        reason = why;
        LOG.warn("Fencing this server (read-only, sessions ended): {}", why);
        long start = nanoTime.getAsLong();
        try {
            local.fence(why);
        } catch (ServerActionException e) {
            LOG.error("Fencing failed: {}; trying again on the next run", e.getMessage());
            return Decision.WATCHING;
        }
        LOG.info("Fenced in {} ms", millisSince(start));
        if (winner != null) {
            recordOnWinner("fenced", winner, config.nodeName() + " fenced: " + why);
        }
        notify("fenced", me);
        if (winner != null && "rejoin".equals(config.onSuperseded())) {
            return rejoin(me, winner);
        }
        return Decision.FENCED;
    }

    /** A fenced primary stays fenced, unless keeper fenced it for isolation and contact is back. */
    private Decision whileFenced(ServerState me, ProbeResult other) {
        reason = "fenced: " + me.fenced();
        if (me.fenced().startsWith(ISOLATED)) {
            if (other.isStandby()) {
                LOG.info("Lifting the fence: partner {} answers as a standby, so this node was not superseded",
                        config.partnerConninfo().address());
                try {
                    local.unfence();
                } catch (ServerActionException e) {
                    LOG.error("Lifting the fence failed: {}", e.getMessage());
                    return Decision.FENCED;
                }
                reason = "fence lifted: partner is a standby again";
                return Decision.UNFENCED;
            }
            if (other.isPrimary()) {
                return twoPrimariesWhileFenced(me, other);
            }
            return Decision.FENCED;
        }
        if (me.fenced().startsWith(SUPERSEDED) && other.isPrimary() && "rejoin".equals(config.onSuperseded())) {
            return rejoin(me, other.state());
        }
        LOG.debug("This server stays fenced until an administrator acts: {}", me.fenced());
        return Decision.FENCED;
    }

    private Decision twoPrimariesWhileFenced(ServerState me, ProbeResult other) {
        NodeView mine = view(config.nodeName(), config.myConninfo().address(), me, local.latestFailover());
        NodeView theirs = view(partnerName(other.state()), config.partnerConninfo().address(), other.state(),
                partner.latestFailover());
        if (PrimaryElection.winner(mine, theirs).name().equals(mine.name())) {
            LOG.info("Lifting the fence: partner {} is a primary too but this node is the rightful primary",
                    theirs.name());
            try {
                local.unfence();
                return Decision.UNFENCED;
            } catch (ServerActionException e) {
                LOG.error("Lifting the fence failed: {}", e.getMessage());
                return Decision.FENCED;
            }
        }
        return fence(me, SUPERSEDED + " by " + theirs.name() + " (timeline " + me.timeline() + " here, "
                + other.state().timeline() + " there), found while fenced for isolation", other.state());
    }

    private Decision rejoin(ServerState me, ServerState winner) {
        if (rejoiner == null || rejoinAttemptsLeft <= 0) {
            return Decision.FENCED;
        }
        if (winner.timeline() <= me.timeline()) {
            reason = "fenced: rejoin needs the winner on a higher timeline (winner " + winner.timeline() + ", here "
                    + me.timeline() + "); an administrator must decide";
            LOG.warn("Not rejoining: {}", reason);
            rejoinAttemptsLeft = 0;
            return Decision.FENCED;
        }
        rejoinAttemptsLeft--;
        String winnerAddress = config.partnerConninfo().address();
        LOG.info("on_superseded = rejoin: rewinding this server from {} and restarting it as its standby",
                winnerAddress);
        long start = nanoTime.getAsLong();
        String failure = rejoiner.rejoin(winnerAddress);
        if (failure != null) {
            reason = "rejoin failed: " + failure;
            LOG.error("Rejoin failed after {} ms: {}; the server stays fenced ({} attempt(s) left)",
                    millisSince(start), failure, rejoinAttemptsLeft);
            return Decision.FENCED;
        }
        reason = "rejoined as a standby of " + winnerAddress;
        LOG.info("Rejoined as a standby of {} in {} ms", winnerAddress, millisSince(start));
        recordOnWinner("rejoined", winner, config.nodeName() + " rewound and restarted as a standby");
        notify("rejoined", me);
        failures = 0;
        partnerSeenAsPrimary = true;
        lastPrimaryLsn = winner.lsnBytes();
        localRole = "standby";
        namePublished = false; // pg_rewind copied the winner's postgresql.auto.conf, with its keeper.node_name
        rejoinAttemptsLeft = 3;
        return Decision.REJOINED;
    }

    private void recordOnWinner(String event, ServerState winner, String why) {
        try {
            partner.recordEvent(partnerName(winner), event, winner, config.nodeName(), why);
        } catch (ServerActionException e) {
            LOG.warn("Could not write the {} row to the winner's failover_log: {}", event, e.getMessage());
        }
    }

    private String partnerName(ServerState state) {
        return state.nodeName().isEmpty() ? config.partnerConninfo().address() : state.nodeName();
    }

    private static NodeView view(String name, String address, ServerState s, Optional<FailoverLogEntry> latest) {
        return new NodeView(name, address, true, !s.inRecovery(), s.isFenced(), s.timeline(),
                latest.map(FailoverLogEntry::unixtime).orElse(null), latest.map(FailoverLogEntry::host).orElse(null),
                null);
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
        reason = "standby unreachable for " + failures + " probes: synchronous_standby_names cleared (was '"
                + current + "')";
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
        reason = "standby streams again: synchronous_standby_names restored to '" + saved + "'";
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

    private String witnessAddress() {
        return config.witnessConninfo().map(c -> c.address()).orElse("");
    }

    private void updateStatus(ProbeResult me, ProbeResult other, ProbeResult witnessNow, Decision decision) {
        ServerState s = me.answered() ? me.state() : null;
        String role = s == null ? "unknown" : s.role();
        boolean streaming = s != null && s.inRecovery() && s.walReceiverAgeMs() != null
                && s.walReceiverAgeMs() < config.detectionWindow().toMillis();
        String partnerState = other.answered() ? other.state().role() : other.describe();
        String witnessState = witnessNow == null ? ""
                : witnessNow.outcome().countsAsFailure() ? "unreachable: " + witnessNow.reason() : "reachable";
        boolean superseded = s != null && s.fenced().startsWith(SUPERSEDED)
                || decision == Decision.FENCED && reason.startsWith(SUPERSEDED);
        String fenced = s == null ? "" : decision == Decision.FENCED && s.fenced().isEmpty() ? reason
                : decision == Decision.UNFENCED || decision == Decision.REJOINED ? "" : s.fenced();
        status = new KeeperStatus(config.nodeName(), decision == Decision.PROMOTED ? "primary"
                : decision == Decision.REJOINED ? "standby" : role, s != null, fenced, superseded, streaming,
                s == null ? -1 : s.timeline(), s == null ? "" : s.lsn(), config.partnerConninfo().address(),
                partnerState, witnessState, failures, config.keepaliveCount(), decision.name(),
                reason.isEmpty() ? defaultReason(decision) : reason, Instant.now());
    }

    private String defaultReason(Decision decision) {
        if (decision == Decision.WATCHING && failures > 0) {
            return "partner unreachable " + failures + "/" + config.keepaliveCount() + ": " + lastFailure;
        }
        return decision == Decision.WATCHING ? "pair healthy" : decision.name().toLowerCase();
    }

    private long millisSince(long startNanos) {
        return Duration.ofNanos(nanoTime.getAsLong() - startNanos).toMillis();
    }
}
