package io.keeper.cli;

import io.keeper.config.KeeperConfig;
import io.keeper.config.Sizes;
import io.keeper.heartbeat.JdbcServerProbe;
import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import io.keeper.pairstatus.NodeReport;
import io.keeper.pairstatus.PairInspector;
import io.keeper.pause.Pause;
import io.keeper.pairstatus.PairSettings;
import io.keeper.switchover.SwitchoverRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * keeper switchover: a planned change of primary. The command checks the pair, records a request on both servers,
 * and watches; the primary's keeper carries it out (so a killed command changes nothing), and the standby's keeper
 * records it. It exits 0 once the new primary accepts writes.
 */
@Command(name = "switchover", mixinStandardHelpOptions = true,
        description = {"Make the standby the primary, losing no acknowledged commit: the primary's keeper stops it"
                + " cleanly, restarts it as the standby's standby, checks the standby received everything, hands"
                + " over the witness lease and promotes the standby.",
                "Refuses, before changing anything, when the standby does not stream, lags more than"
                        + " maximum_lag_on_failover, is fenced, when the pair is paused or a keeper is not running.",
                "Exit 0 once the new primary accepts writes; 1 when refused or failed (one line says why)."})
final class SwitchoverCommand implements Callable<Integer> {

    /** How long a request holds; the keepers ignore it afterwards. */
    static final Duration VALID_FOR = Duration.ofSeconds(60);
    private static final Duration POLL = Duration.ofMillis(100);
    /** After the promotion, how long the command waits to see the old primary stream. */
    private static final Duration FOLLOW_WAIT = Duration.ofSeconds(15);

    @Mixin
    ConfigOption config;

    @Option(names = "--to", paramLabel = "NODE", description = "The node_name that becomes the primary (a check).")
    String to;

    @Option(names = "--yes", description = "Do not ask for confirmation.")
    boolean yes;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter out;
    private long startNanos;
    private long stepNanos;

    @Override
    public Integer call() throws Exception {
        KeeperConfig loaded = config.load();
        out = spec.commandLine().getOut();
        Instant now = Instant.now();
        List<NodeReport> nodes = PairInspector.inspect(loaded);
        Duration stale = loaded.keepaliveTime().multipliedBy(3).plusSeconds(1);
        NodeReport primary = nodes.stream().filter(n -> n.isPrimary() && !n.state().isFenced()).findFirst()
                .orElse(null);
        NodeReport standby = nodes.stream().filter(NodeReport::isStandby).findFirst().orElse(null);
        String refusal = refusal(nodes, primary, standby, loaded.maximumLagOnFailover(), stale, now);
        if (refusal == null && to != null && !to.equals(standby.name())) {
            refusal = "--to " + to + ": " + (to.equals(primary.name()) ? to + " is the primary already"
                    : "no standby of that name (the standby is " + standby.name() + ")");
        }
        if (refusal != null) {
            return fail("switchover refused: " + refusal);
        }
        long lag = Math.max(0, primary.state().lsnBytes() - standby.state().lsnBytes());
        out.printf("Switchover plan: %s (%s, primary, timeline %d) -> %s (%s, streaming standby, %d bytes behind).%n",
                primary.name(), primary.address(), primary.state().timeline(), standby.name(), standby.address(), lag);
        out.printf("%s's keeper stops %s cleanly, restarts it as %s's standby, checks %s received every WAL record,%s"
                        + " and promotes %s; %s's keeper records it.%n", primary.name(), primary.name(), standby.name(),
                standby.name(), loaded.hasArbiter() ? " hands over the lease" : "",
                standby.name(), standby.name());
        out.flush();
        if (!yes && !confirmed()) {
            return fail("switchover cancelled: not confirmed (use --yes to skip the question)");
        }
        SwitchoverRequest request = SwitchoverRequest.create(primary.name(), standby.name(), Instant.now(),
                VALID_FOR);
        startNanos = System.nanoTime();
        stepNanos = startNanos;
        List<PairSettings.Outcome> recorded = PairSettings.apply(loaded, SwitchoverRequest.SETTING,
                request.format());
        List<PairSettings.Outcome> failed = recorded.stream().filter(o -> !o.ok()).toList();
        if (!failed.isEmpty()) {
            PairSettings.apply(loaded, SwitchoverRequest.SETTING, null);
            return fail("switchover not started: could not record it on " + failed.stream()
                    .map(PairSettings.Outcome::describe).collect(Collectors.joining(", ")));
        }
        step("recorded " + request.describe() + " on both servers (valid until " + request.until() + ")");
        return watch(loaded, request, primary, standby);
    }

    /** Why the pair cannot switch over now, or null. */
    static String refusal(List<NodeReport> nodes, NodeReport primary, NodeReport standby, long maxLag,
                          Duration stale, Instant now) {
        for (NodeReport n : nodes) {
            if (!n.reachable()) {
                return n.name() + " does not answer (" + n.probe().reason() + ")";
            }
        }
        if (primary == null) {
            return "no server is an unfenced primary";
        }
        if (standby == null) {
            return "no server is a standby";
        }
        if (standby.state().isFenced()) {
            return standby.name() + " is fenced: " + standby.state().fenced();
        }
        if (standby.state().walReceiverAgeMs() == null
                || !Objects.equals(standby.state().receivedTimeline(), primary.state().timeline())) {
            return standby.name() + " does not stream from " + primary.name();
        }
        long lag = primary.state().lsnBytes() - standby.state().lsnBytes();
        if (maxLag >= 0 && lag > maxLag) {
            return standby.name() + " is " + lag + " bytes behind, more than maximum_lag_on_failover ("
                    + Sizes.format(maxLag) + ")";
        }
        for (NodeReport n : nodes) {
            Optional<Pause> pause = Pause.parse(n.state().paused()).filter(p -> p.holdsAt(now));
            if (pause.isPresent()) {
                return "the pair is paused (" + pause.get().describe(now) + "); run keeper resume first";
            }
            // A request is under way while the node it names as the old primary still is the primary; once done,
            // it only waits to expire and a new request replaces it.
            Optional<SwitchoverRequest> pending = SwitchoverRequest.parse(n.state().switchover())
                    .filter(r -> r.validAt(now) && r.from().equals(primary.name()));
            if (pending.isPresent()) {
                return "a switchover is already under way (" + pending.get().describe() + ", valid until "
                        + pending.get().until() + ")";
            }
            if (n.keeperActivity() == null) {
                return n.name() + "'s keeper is not running (it must carry out or follow the switchover)";
            }
            if (n.keeperIdleSeconds() != null && n.keeperIdleSeconds() * 1000 > stale.toMillis()) {
                return n.name() + "'s keeper has not run for " + String.format("%.1f", n.keeperIdleSeconds()) + " s";
            }
        }
        return null;
    }

    private boolean confirmed() throws Exception {
        out.print("Proceed? [y/N] ");
        out.flush();
        String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        return answer != null && (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"));
    }

    /** Follows both servers until the new primary accepts writes; prints each step with its duration. */
    private int watch(KeeperConfig loaded, SwitchoverRequest r, NodeReport oldPrimary, NodeReport newPrimary)
            throws InterruptedException {
        try (PgSession a = new PgSession(loaded.myConninfo(), System.getenv(), Duration.ofSeconds(1), "watch-a");
             PgSession b = new PgSession(loaded.partnerConninfo(), System.getenv(), Duration.ofSeconds(1), "watch-b")) {
            boolean oldIsMine = oldPrimary.address().equals(loaded.myConninfo().address());
            JdbcServerProbe oldProbe = new JdbcServerProbe(oldIsMine ? a : b);
            JdbcServerProbe newProbe = new JdbcServerProbe(oldIsMine ? b : a);
            long deadline = startNanos + VALID_FOR.plusSeconds(5).toNanos();
            Long stoppedAt = null;
            boolean standbyShown = false;
            while (System.nanoTime() - deadline < 0) {
                ProbeResult o = oldProbe.probe();
                ProbeResult n = newProbe.probe();
                boolean oldWrites = o.isPrimary() && !o.state().isFenced();
                if (stoppedAt == null && !oldWrites) {
                    stoppedAt = System.nanoTime();
                    step(r.from() + " stopped taking writes (" + o.describe() + ")");
                }
                if (stoppedAt != null && !standbyShown && o.isStandby()) {
                    standbyShown = true;
                    step(r.from() + " runs as a standby at " + o.state().replayLsn());
                }
                if (n.isPrimary()) {
                    step(r.to() + " accepts writes: promoted, timeline " + n.state().timeline());
                    out.printf("Writes were unavailable for about %d ms (from %s stopping to %s accepting writes,"
                            + " looked at every %d ms); switchover took %d ms.%n", stoppedAt == null ? 0
                            : Duration.ofNanos(System.nanoTime() - stoppedAt).toMillis(), r.from(), r.to(),
                            POLL.toMillis(), Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
                    awaitFollowing(oldProbe, r, n.state().timeline());
                    out.flush();
                    return 0;
                }
                if (stoppedAt != null && oldWrites) {
                    return fail("switchover undone: " + r.from() + " is the primary again (its keeper's log says why)");
                }
                Thread.sleep(POLL.toMillis());
            }
            return fail("switchover did not finish within " + VALID_FOR.plusSeconds(5).toSeconds() + " s: "
                    + r.from() + " " + oldProbe.probe().describe() + ", " + r.to() + " " + newProbe.probe().describe()
                    + "; " + r.from() + "'s keeper finishes or undoes it (see its log)");
        }
    }

    private void awaitFollowing(JdbcServerProbe oldProbe, SwitchoverRequest r, int timeline)
            throws InterruptedException {
        long until = System.nanoTime() + FOLLOW_WAIT.toNanos();
        while (System.nanoTime() - until < 0) {
            ProbeResult o = oldProbe.probe();
            if (o.isStandby() && o.state().walReceiverAgeMs() != null
                    && Objects.equals(o.state().receivedTimeline(), timeline)) {
                step(r.from() + " streams from " + r.to() + " (timeline " + timeline + ")");
                return;
            }
            Thread.sleep(POLL.toMillis());
        }
        out.println(r.from() + " does not stream from " + r.to() + " yet after " + FOLLOW_WAIT.toSeconds()
                + " s; see keeper status");
    }

    private void step(String what) {
        long now = System.nanoTime();
        out.printf("%+7d ms  (%5d ms)  %s%n", Duration.ofNanos(now - startNanos).toMillis(),
                Duration.ofNanos(now - stepNanos).toMillis(), what);
        out.flush();
        stepNanos = now;
    }

    private int fail(String why) {
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        err.println("keeper: " + why);
        err.flush();
        return KeeperCommand.RUNTIME_FAILURE;
    }
}
