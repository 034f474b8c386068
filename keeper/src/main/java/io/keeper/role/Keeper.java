package io.keeper.role;

import io.keeper.config.Durations;
import io.keeper.config.KeeperConfig;
import io.keeper.election.NodeView;
import io.keeper.election.PrimaryElection;
import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.RunTiming;
import io.keeper.heartbeat.ServerState;
import io.keeper.lease.Lease;
import io.keeper.lease.LeaseTiming;
import io.keeper.pairstatus.NodeReport;
import io.keeper.pause.Pause;
import io.keeper.switchover.SwitchoverRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One heartbeat run: observe (the local server, the partner, the lease), decide (the first matching row of
 * {@link RoleRules}), act ({@link RoleActions}). Runs never overlap (the schedule guarantees it); the lease watchdog
 * is the only other thread that acts, and it takes the same lock. status() is a volatile snapshot for other threads.
 */
public final class Keeper {

    private static final Logger LOG = LoggerFactory.getLogger(Keeper.class);
    /** How often, and how far apart, the failsafe looks again for this run's heartbeat on the standby. */
    private static final int FAILSAFE_LOOKS = 3;
    private static final Duration FAILSAFE_PAUSE = Duration.ofMillis(30);

    private final LocalServer local;
    private final PartnerServer partner;
    private final Lease lease;
    private final LeaseWatch leaseWatch;
    private final LongSupplier nanoTime;
    private final java.util.concurrent.atomic.AtomicLong stoppedBeingPrimary = new java.util.concurrent.atomic.AtomicLong();
    private final RunTiming timing;
    private final PartnerWatch partnerWatch;
    private final Liveness liveness;
    private final WalArrival walArrival;
    private final WritePermission permission;
    private final RoleActions actions;
    private final ReentrantLock actLock = new ReentrantLock();
    private final ExecutorService probes = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "probe");
        t.setDaemon(true);
        return t;
    });
    private volatile KeeperConfig config;
    private volatile KeeperStatus status;
    private volatile RunListener runListener;

    private long clusterId;
    private String localRole;
    private boolean namePublished;
    private boolean emitWarned;
    private boolean pausedBefore;
    private String publishedActivity = "";
    private volatile SwitchoverRequest switchoverRequest;
    /** Switchovers this keeper carried out or undid: never acted on again, even where removing the request failed. */
    private final Set<String> finishedSwitchovers = ConcurrentHashMap.newKeySet();
    /** The WAL heartbeat written in the previous run on this primary: {position, nanoTime when written}. */
    private long[] previousMarker;

    /**
     * @param lease the arbiter's lease, or null without a witness
     * @param demoter restarts the server as a standby, or null where keeper cannot (the read-only fence is used)
     * @param watchdogLease the lease on a session of its own with a short deadline, for the watchdog's last-chance
     *                      renewal; non-null lets a thread demote this primary the moment its write permission runs
     *                      out (the service); null in tests that drive time themselves and call {@link #runOnce()}
     */
    public Keeper(KeeperConfig config, LocalServer local, PartnerServer partner, Lease lease, Rejoiner rejoiner,
                  Demoter demoter, EventListener events, LongSupplier nanoTime, Lease watchdogLease) {
        this.config = config;
        this.local = local;
        this.partner = partner;
        this.lease = lease;
        this.nanoTime = nanoTime;
        this.timing = new RunTiming(config.keepaliveTime());
        this.partnerWatch = new PartnerWatch(config.partnerConninfo().address(), nanoTime);
        this.liveness = new Liveness(nanoTime);
        this.walArrival = new WalArrival(lease != null);
        this.permission = new WritePermission(nanoTime, watchdogLease != null && lease != null
                ? this::onPermissionExpired : null);
        this.leaseWatch = new LeaseWatch(lease, watchdogLease, () -> this.config, local, permission, nanoTime);
        this.actions = new RoleActions(this, local, partner, lease, rejoiner, demoter, events, nanoTime);
        this.status = KeeperStatus.starting(config.nodeName(), config.partnerConninfo().address(),
                config.keepaliveCount());
    }

    /** Told after every heartbeat run (the metrics). */
    public interface RunListener {
        /**
         * @param partnerProbe how long this run's probe of the partner took
         * @param lagBytes on a standby: how far behind the primary's last seen position, else null
         */
        void afterRun(KeeperStatus status, Decision decision, Duration partnerProbe, Long lagBytes);
    }

    public void setRunListener(RunListener listener) {
        this.runListener = listener;
    }

    /** Stops the probe threads and the watchdog. */
    public void close() {
        probes.shutdownNow();
        permission.close();
    }

    /** Applies a reloaded configuration; the next run uses it. */
    public void reconfigure(KeeperConfig newConfig) {
        this.config = newConfig;
        timing.setInterval(newConfig.keepaliveTime());
    }

    public int consecutiveFailures() {
        return partnerWatch.failures();
    }

    /** The state after the latest run; safe to call from any thread. */
    public KeeperStatus status() {
        return status;
    }

    /** Counts the times the local server stopped being a primary (seen at the start of a run). */
    public long timesStoppedBeingPrimary() {
        return stoppedBeingPrimary.get();
    }

    /** Seconds left on the lease as last seen (for /metrics); NaN without an arbiter or before its first answer. */
    public double leaseSecondsLeft() {
        return leaseWatch.secondsLeft(nanoTime.getAsLong());
    }

    KeeperConfig config() {
        return config;
    }

    PartnerWatch partnerWatch() {
        return partnerWatch;
    }

    WritePermission permission() {
        return permission;
    }

    long clusterId() {
        return clusterId;
    }

    /** keepalive_time x keepalive_count. */
    Duration detectionWindow() {
        return config.detectionWindow();
    }

    LeaseTiming leaseTiming() {
        return LeaseTiming.forWindow(config.detectionWindow());
    }

    void setLocalRole(String role) {
        localRole = role;
    }

    void republishName() {
        namePublished = false;
    }

    /** The valid switchover request this run saw, or null. */
    SwitchoverRequest switchoverRequest() {
        return switchoverRequest;
    }

    void switchoverFinished(SwitchoverRequest r) {
        finishedSwitchovers.add(r.id());
    }

    LeaseWatch leaseWatch() {
        return leaseWatch;
    }

    /** What systemd's watchdog is told: whether runs keep starting and ending in time. */
    public Liveness liveness() {
        return liveness;
    }

    /** One heartbeat run. */
    public Decision runOnce() {
        Duration late = timing.runStarted(nanoTime.getAsLong());
        liveness.runStarted();
        try {
            Observation seen = observe(late);
            if (seen == null) {
                return Decision.STOPPING;
            }
            Facts facts = facts(seen, pauseNow(seen));
            RoleRules.Verdict verdict = RoleRules.decide(facts);
            Decision decision;
            liveness.acting(); // waiting for the lock too: the lease watchdog may be demoting this server
            actLock.lock();
            try {
                decision = actions.act(verdict, seen, facts);
            } finally {
                actLock.unlock();
            }
            updateStatus(seen, facts, verdict, decision);
            publishActivity(verdict.rule().name());
            RunListener listener = runListener;
            if (listener != null) {
                listener.afterRun(status, decision, seen.other().elapsed(), facts.lagBytes());
            }
            return decision;
        } finally {
            timing.runEnded(nanoTime.getAsLong());
            liveness.runEnded();
        }
    }

    /** What one run saw. */
    record Observation(ProbeResult me, ProbeResult other, long startedNanos) {
    }

    private Observation observe(Duration late) {
        long started = nanoTime.getAsLong();
        // On a standby the partner is probed in parallel with the local look, so one unreachable server does not
        // stretch the run (each probe has its own keepalive_time deadline). On a primary the probe waits for this
        // run's WAL heartbeat, so it can tell whether the standby already received it (the failsafe).
        boolean primaryBefore = "primary".equals(localRole);
        CompletableFuture<ProbeResult> otherLater = primaryBefore ? null
                : CompletableFuture.supplyAsync(partner::probe, probes);
        ProbeResult me = local.status();
        long answered = nanoTime.getAsLong();
        long[] marker = me.isPrimary() ? emitMarker() : null;
        if (otherLater == null) {
            otherLater = CompletableFuture.supplyAsync(partner::probe, probes);
        }
        CompletableFuture<Void> leaseLater = CompletableFuture.completedFuture(null);
        if (me.answered()) {
            clusterId = me.state().systemIdentifier();
            walArrival.note(me.state(), answered);
            if (lease != null) {
                boolean primary = !me.state().inRecovery();
                long cluster = clusterId;
                leaseLater = CompletableFuture.runAsync(() -> leaseWatch.observe(primary, me.state(), cluster), probes);
            }
        }
        ProbeResult other = otherLater.join();
        // The failsafe does not wait for the arbiter: an arbiter that takes its whole deadline to fail (an etcd
        // without quorum) must not hold back the extension this run's proof earns, or the watchdog, counting from
        // the previous proof, demotes a primary whose standby streams.
        if (me.answered() && !me.state().inRecovery() && lease != null) {
            failsafe(me.state(), other, marker);
        }
        leaseLater.join();
        if (Thread.currentThread().isInterrupted()) {
            return null;
        }
        partnerWatch.note(other, untrusted(late, me, other), config.keepaliveCount(), partner.lastAnswerNanos());
        if (me.answered()) {
            partnerWatch.checkCluster(me.state().systemIdentifier(), other);
            publishName(me.state());
            noteLocalRole(me.state());
            if (!me.state().inRecovery() && lease != null) {
                leaseWatch.noteSyncCatchUp(other);
            }
        }
        previousMarker = marker;
        return new Observation(me, other, started);
    }

    /** Why a failed probe in this run cannot be trusted, or null when it counts. */
    private String untrusted(Duration late, ProbeResult me, ProbeResult other) {
        if (!late.isZero()) {
            return "the run started " + late.toMillis() + " ms late (keeper or its host stalled: GC pause, frozen VM?)";
        }
        if (!me.answered()) {
            return "the local server did not answer either";
        }
        Duration limit = config.keepaliveTime().plus(timing.margin());
        if (other.elapsed().compareTo(limit) > 0) {
            return "the probe took " + other.elapsed().toMillis() + " ms, past its " + config.keepaliveTime().toMillis()
                    + " ms deadline (keeper stalled while waiting)";
        }
        return null;
    }

    /** A tiny WAL record at every run, so the standby hears from an idle primary (and the failsafe can prove it). */
    private long[] emitMarker() {
        long at = nanoTime.getAsLong();
        try {
            return new long[] {local.emitWalHeartbeat(), at};
        } catch (ServerActionException e) {
            if (!emitWarned) {
                LOG.warn("Could not write the WAL heartbeat ({}); an idle primary may look dead to the standby's"
                        + " WAL-arrival check, and the failsafe cannot work", e.getMessage());
                emitWarned = true;
            }
            return null;
        }
    }

    /**
     * The failsafe: when the standby has received a WAL heartbeat this primary wrote (in this run or the previous
     * one), the standby cannot promote until one detection window after that write (its own WAL-arrival check), so
     * writes stay allowed until then minus the margin, whether or not the witness answers.
     */
    private void failsafe(ServerState me, ProbeResult other, long[] marker) {
        if (other.isStandby() && other.state().systemIdentifier() == me.systemIdentifier()) {
            long received = other.state().lsnBytes();
            // The probe raced this run's heartbeat (the standby flushes what it receives before it reports it):
            // look again a few times, briefly, so the proof is this run's and the permission reaches a window
            // past it rather than past the previous run's.
            for (int look = 0; marker != null && received < marker[0] && look < FAILSAFE_LOOKS; look++) {
                if (!pause(FAILSAFE_PAUSE)) {
                    break;
                }
                ProbeResult again = partner.probe();
                if (!again.isStandby()) {
                    break;
                }
                received = again.state().lsnBytes();
            }
            long[] proof = marker != null && received >= marker[0] ? marker
                    : previousMarker != null && received >= previousMarker[0] ? previousMarker : null;
            if (proof != null) {
                permission.extend(proof[1] + config.detectionWindow().minus(leaseTiming().margin()).toNanos(),
                        "failsafe: the standby received this primary's WAL up to " + ServerState.formatLsn(received));
            }
        }
    }

    /** Sleeps briefly; false when interrupted (keeper is stopping). */
    static boolean pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The maintenance pause that holds in this run, described, or "": recorded on this node's server or, when the
     * partner answered, on the partner's (a `keeper pause` that reached only one server still pauses both keepers).
     * Each start and end is logged once; when a pause ends, the partner's failures are counted afresh, so a primary
     * that died during the pause is failed over one detection window after the resume, never at once.
     */
    private String pauseNow(Observation seen) {
        Instant now = Instant.now();
        String text = holding(seen.me(), now, "on this node's server")
                .or(() -> holding(seen.other(), now, "on the partner's server")).orElse("");
        boolean paused = !text.isEmpty();
        if (paused && !pausedBefore) {
            LOG.warn("Maintenance pause: {}; keeper will not promote, demote, rejoin or change"
                    + " synchronous_standby_names until it ends (a primary that loses its lease still demotes)", text);
        } else if (!paused && pausedBefore) {
            partnerWatch.countAfresh();
            LOG.info("Maintenance pause over: acting again; partner failures are counted afresh from this run ({})",
                    partnerWatch.failures());
        }
        pausedBefore = paused;
        return text;
    }

    private static Optional<String> holding(ProbeResult probe, Instant now, String where) {
        if (!probe.answered()) {
            return Optional.empty();
        }
        return Pause.parse(probe.state().paused()).filter(p -> p.holdsAt(now)).map(p -> p.describe(now) + " ("
                + where + ")");
    }

    private Facts facts(Observation seen, String pause) {
        ProbeResult me = seen.me();
        ProbeResult other = seen.other();
        ServerState s = me.answered() ? me.state() : null;
        long now = nanoTime.getAsLong();
        boolean standby = s != null && s.inRecovery();
        LeaseState leaseNow = leaseWatch.stateAt(now);
        String election = "";
        boolean partnerWins = false;
        if (s != null && !standby && other.isPrimary()) {
            NodeView mine = view(config.nodeName(), config.myConninfo().address(), s, local.latestFailover());
            NodeView theirs = view(partnerName(other), config.partnerConninfo().address(), other.state(),
                    partner.latestFailover());
            partnerWins = PrimaryElection.winner(mine, theirs).name().equals(theirs.name());
            election = "timeline " + s.timeline() + " here, " + other.state().timeline() + " on " + theirs.name()
                    + "; latest failover_log row here " + mine.latestFailoverUnixtime() + ", there "
                    + theirs.latestFailoverUnixtime();
        }
        Long lag = null;
        if (standby && partnerWatch.lastPrimaryLsn() >= 0 && s.lsnBytes() >= 0) {
            lag = partnerWatch.lastPrimaryLsn() - s.lsnBytes();
        }
        Long heard = walArrival.msSince(now);
        Long age = s == null ? null : s.walReceiverAgeMs();
        // Streaming counts only on the primary's timeline: a demoted primary whose WAL diverged streams its old
        // timeline from the new primary again and again (received_tli stays behind) and never follows it.
        boolean streaming = standby && age != null && age < config.detectionWindow().toMillis()
                && (!other.isPrimary() || Objects.equals(s.receivedTimeline(), other.state().timeline()));
        boolean partnerFollows = s != null && !standby && other.isStandby() && !other.state().isFenced()
                && Objects.equals(other.state().receivedTimeline(), s.timeline());
        // A planned switchover: the primary acts only on the same valid request recorded on both servers.
        Instant wallNow = Instant.now();
        SwitchoverRequest onMine = s == null ? null : SwitchoverRequest.parse(s.switchover())
                .filter(r -> r.validAt(wallNow)).orElse(null);
        SwitchoverRequest onTheirs = other.answered() ? SwitchoverRequest.parse(other.state().switchover())
                .filter(r -> r.validAt(wallNow)).orElse(null) : null;
        SwitchoverRequest request = onMine != null ? onMine : onTheirs;
        switchoverRequest = request;
        String myName = config.nodeName();
        boolean fromMe = onMine != null && onMine.equals(onTheirs) && !finishedSwitchovers.contains(onMine.id())
                && onMine.from().equals(myName)
                && onMine.to().equals(partnerName(other));
        boolean toMe = request != null && request.to().equals(myName);
        Facts.Text text = new Facts.Text(config.partnerConninfo().address(), partnerName(other),
                partnerWatch.lastFailure(), partnerWatch.unreachableMs(), me.describe(),
                leaseWatch.text(), permission.describe(), election,
                lag == null ? "" : s.lsn() + " but the primary was last seen at "
                        + ServerState.formatLsn(partnerWatch.lastPrimaryLsn()), pause,
                request == null ? "" : request.describe());
        return new Facts(s != null, standby, s == null ? Fence.NONE : Fence.of(s.fenced()),
                s == null ? "" : s.fenced(), other.answered(), other.isPrimary(), other.isStandby(),
                partnerWatch.foreign(), s != null && other.answered() && other.state().timeline() <= s.timeline(),
                partnerWins, partnerWatch.failures(), config.keepaliveCount(), partnerWatch.seenAsPrimary(),
                standby ? heard : null, config.detectionWindow().toMillis(),
                config.detectionWindow().minus(leaseTiming().margin().dividedBy(8)).toMillis(), lag,
                config.maximumLagOnFailover(),
                streaming, lease == null ? LeaseState.NO_ARBITER : leaseNow, permission.allowedNow(),
                s != null && !s.synchronousStandbyNames().isEmpty(),
                s != null && !s.savedSynchronousStandbyNames().isEmpty(), s != null && s.streamingStandbys() > 0,
                s != null && !s.pendingEvent().isEmpty(), "rejoin".equals(config.onSuperseded())
                        && actions.rejoinAttemptsLeft() > 0, !pause.isEmpty(), fromMe, toMe,
                partnerFollows, text);
    }

    String partnerName(ProbeResult other) {
        return other.answered() && !other.state().nodeName().isEmpty() ? other.state().nodeName()
                : config.partnerConninfo().address();
    }

    private static NodeView view(String name, String address, ServerState s, Optional<FailoverLogEntry> latest) {
        return new NodeView(name, address, true, !s.inRecovery(), s.isFenced(), s.timeline(),
                latest.map(FailoverLogEntry::unixtime).orElse(null), latest.map(FailoverLogEntry::host).orElse(null),
                null);
    }

    /** The watchdog thread: the write permission ran out before a renewal or the failsafe extended it. */
    private void onPermissionExpired() {
        if (leaseWatch.lastChanceRenewal(clusterId)) {
            return;
        }
        String reason = Fence.ISOLATED.prefix() + ": " + permission.describe() + "; neither the arbiter nor the"
                + " standby confirmed this primary in time, so the standby may take the lease";
        actions.stopAtOnce(reason);
        actLock.lock();
        try {
            actions.finishWatchdogDemotion(reason);
        } finally {
            actLock.unlock();
        }
    }

    /**
     * Shows the deciding rule as the application_name of keeper's session on its own server ("keeper node1:
     * watching"), so `keeper status` can tell from any host that this keeper runs and what it last decided.
     */
    private void publishActivity(String rule) {
        String activity = NodeReport.activityPrefix(config.nodeName()) + rule;
        if (activity.equals(publishedActivity)) {
            return;
        }
        try {
            local.publishActivity(activity);
            publishedActivity = activity;
        } catch (ServerActionException e) {
            LOG.debug("Could not publish keeper's activity on the local server: {}", e.getMessage());
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
            if ("primary".equals(localRole)) {
                stoppedBeingPrimary.incrementAndGet();
            }
            LOG.info("Local server {} is {} (timeline {}, lsn {}); watching partner {} every {}, acting after {}"
                            + " consecutive failures ({})", config.myConninfo().address(), state.role(),
                    state.timeline(), state.lsn(), config.partnerConninfo().address(),
                    Durations.format(config.keepaliveTime()), config.keepaliveCount(),
                    Durations.format(config.detectionWindow()));
            localRole = state.role();
            actions.roleChanged();
            if (state.inRecovery()) {
                permission.revoke();
            }
        }
    }

    private void updateStatus(Observation seen, Facts f, RoleRules.Verdict verdict, Decision decision) {
        ServerState s = seen.me().answered() ? seen.me().state() : null;
        String role = s == null ? "unknown" : s.role();
        if (decision == Decision.PROMOTED || decision == Decision.UNFENCED && f.standby()) {
            role = "primary";
        } else if (decision == Decision.FENCED && f.localAnswered() && !f.standby() && actions.demotedForReal()) {
            role = "standby";
        }
        String partnerState = seen.other().answered() ? seen.other().state().role() : seen.other().describe();
        String reason = actions.reasonOverride() != null ? actions.reasonOverride() : verdict.reason();
        boolean superseded = f.fence() == Fence.SUPERSEDED || verdict.action() == Action.DEMOTE_SUPERSEDED;
        String fenced = decision == Decision.UNFENCED || decision == Decision.REJOINED ? ""
                : verdict.action() == Action.DEMOTE_SUPERSEDED || verdict.action() == Action.DEMOTE_ISOLATED
                ? (decision == Decision.FENCED ? reason : f.fenceReason()) : f.fenceReason();
        boolean leaseValid = lease == null || "standby".equals(role) || permission.allowedNow();
        status = new KeeperStatus(config.nodeName(), role, s != null, fenced, superseded, f.streamingFromPartner(),
                s == null ? -1 : s.timeline(), s == null ? "" : s.lsn(), config.partnerConninfo().address(),
                partnerState, lease == null ? "" : f.lease() == LeaseState.UNREACHABLE ? "unreachable: "
                + leaseWatch.text() : "reachable", lease == null ? "" : lease.describe(), f.failures(), config.keepaliveCount(), decision.name(), reason,
                lease == null ? "" : leaseWatch.text(), leaseWatch.term(), leaseValid,
                verdict.rule().name(), f.text().pause(), lease == null ? "" : leaseWatch.holder(), Instant.now());
    }
}
