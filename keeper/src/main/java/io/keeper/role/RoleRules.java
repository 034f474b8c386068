package io.keeper.role;

import io.keeper.config.Sizes;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Every role rule of keeper, in one table read top to bottom: the first row whose condition holds decides the
 * run. Each row names the role it applies to, its condition in words, the action, and the reason that is logged
 * and shown in /status. Rules are pure functions of {@link Facts}; `keeper rules` prints this table.
 */
public final class RoleRules {

    /** Which local role a row applies to. */
    public enum Role { ANY, PRIMARY, STANDBY }

    /** One row of the table. */
    public record Rule(String name, Role role, String condition, Predicate<Facts> when, Action action,
                       Function<Facts, String> because) {

        boolean matches(Facts f) {
            return (role == Role.ANY || (role == Role.STANDBY) == f.standby()) && when.test(f);
        }
    }

    /** The rule that decided and the reason it gives, with the numbers. */
    public record Verdict(Rule rule, String reason) {
        public Action action() {
            return rule.action();
        }
    }

    private static Rule row(String name, Role role, String condition, Predicate<Facts> when, Action action,
                            Function<Facts, String> because) {
        return new Rule(name, role, condition, when, action, because);
    }

    /** The table. Order matters: the first matching row wins. */
    public static final List<Rule> RULES = List.of(
            row("local-unavailable", Role.ANY, "the local server did not answer",
                    f -> !f.localAnswered(), Action.WAIT_FOR_LOCAL,
                    f -> "local server is not available (" + f.text().local() + "); not acting until it answers"),

            // A maintenance pause holds back every decision but the lease's own fence: a primary that lost its write
            // permission demotes even while paused, because a resume it cannot hear would let the standby promote.
            row("paused", Role.ANY, "a maintenance pause holds (keeper pause), unless a primary lost the lease",
                    f -> f.paused() && !f.permissionLost(), Action.PAUSED,
                    f -> f.text().pause() + ": " + wouldDo(f)),

            // A standby keeper demoted (keeper.fenced set): it never promotes on its own.
            row("demoted-follows", Role.STANDBY, "demoted, but streams from the primary partner",
                    f -> f.fence() != Fence.NONE && f.partnerPrimary() && f.streamingFromPartner(),
                    Action.ACCEPT_AS_STANDBY,
                    f -> "this demoted server streams from " + f.text().partnerName() + ": it is an ordinary standby"
                            + " again (was: " + f.fenceReason() + ")"),
            row("switchover-catching-up", Role.STANDBY,
                    "stopped for a switchover, the partner is the primary, not streaming from it yet",
                    f -> f.fence() == Fence.SWITCHOVER && f.partnerPrimary()
                            && f.fenceReason().endsWith(Switchovers.PROMOTING),
                    Action.STAY_FENCED,
                    f -> "waiting to stream from " + f.text().partnerName() + " after the switchover ("
                            + f.fenceReason() + "; no pg_rewind is needed after a clean shutdown)"),
            row("switchover-undo", Role.STANDBY,
                    "without an arbiter: stopped for a switchover that never promoted the partner, a standby",
                    f -> f.fence() == Fence.SWITCHOVER && !f.arbiter() && f.partnerStandby()
                            && f.fenceReason().endsWith(Switchovers.STOPPED), Action.REPROMOTE,
                    f -> "the switchover did not finish and " + f.text().partnerName() + " was never promoted ("
                            + f.fenceReason() + "): this server is the primary again"),
            row("demoted-superseded", Role.STANDBY,
                    "demoted for isolation or at boot, and the partner is the primary now (its lease or timeline)",
                    f -> (f.fence() == Fence.ISOLATED || f.fence() == Fence.GUARD || f.fence() == Fence.SWITCHOVER)
                            && f.partnerPrimary()
                            && (f.lease() == LeaseState.PARTNERS || f.lease() == LeaseState.PARTNERS_EXPIRED
                            || !f.arbiter() && !f.partnerTimelineNotAhead()), Action.MARK_SUPERSEDED,
                    f -> "superseded by " + f.text().partnerName() + (f.arbiter() ? " (the lease is " + f.text().lease()
                            + ")" : " (a primary on a higher timeline)") + ", found while demoted"),
            row("demoted-rejoin", Role.STANDBY, "superseded, partner primary, on_superseded = rejoin",
                    f -> f.fence() == Fence.SUPERSEDED && f.partnerPrimary() && f.rejoin(), Action.REJOIN,
                    f -> "superseded by " + f.text().partnerName() + " and not streaming from it: on_superseded ="
                            + " rejoin"),
            row("demoted-repromote", Role.STANDBY,
                    "demoted for isolation or at boot, still holds the lease, partner not primary",
                    f -> f.fence().liftableUnderLease() && f.lease() == LeaseState.MINE && !f.partnerPrimary(),
                    Action.REPROMOTE,
                    f -> "this node still holds the lease (" + f.text().lease() + "): nobody was promoted while it"
                            + " was demoted (" + f.fenceReason() + ")"),
            row("demoted-stays", Role.STANDBY, "demoted", f -> f.fence() != Fence.NONE, Action.STAY_FENCED,
                    f -> "demoted: " + f.fenceReason() + "; waits for the lease, a rejoin or an administrator"),

            row("switchover-target", Role.STANDBY, "holds the lease for a switchover; the partner's keeper promotes it",
                    f -> f.lease() == LeaseState.MINE && f.switchoverToMe() && f.partnerStandby(), Action.WATCH,
                    f -> "the lease was handed over for the " + f.text().switchover() + ": "
                            + f.text().partnerName() + "'s keeper promotes this server"),
            row("promotion-pending", Role.STANDBY, "this standby holds the lease (a promotion did not finish)",
                    f -> f.lease() == LeaseState.MINE, Action.PROMOTE,
                    f -> "this standby holds the lease (" + f.text().lease() + "): finishing the promotion"),
            row("watching", Role.STANDBY, "fewer than keepalive_count consecutive unreachable probes",
                    f -> !f.partnerDead(), Action.WATCH,
                    f -> f.failures() == 0 ? "pair healthy" : "partner unreachable " + f.failures() + "/"
                            + f.keepaliveCount() + ": " + f.text().lastFailure()),
            row("foreign-partner", Role.STANDBY, "the partner belongs to another cluster",
                    Facts::partnerForeign, Action.REFUSE_PROMOTION,
                    f -> "partner " + f.text().partner() + " belongs to a different cluster; fix partner_conninfo"),
            row("never-seen-primary", Role.STANDBY, "the partner was never seen as primary since keeper started",
                    f -> !f.partnerSeenAsPrimary(), Action.REFUSE_PROMOTION,
                    f -> "partner " + f.text().partner() + " has been unreachable for " + f.failures() + " probes,"
                            + " but it was never seen alive as primary since keeper started, so this standby cannot"
                            + " tell a dead primary from a wrong partner_conninfo or a cold start"),
            row("wal-still-arrives", Role.STANDBY, "WAL arrived from the primary within the detection window",
                    f -> f.heardFromPrimaryMs() != null && f.heardFromPrimaryMs() < f.silenceMs(),
                    Action.REFUSE_PROMOTION,
                    f -> "the WAL receiver got data from the primary " + f.heardFromPrimaryMs() + " ms ago, within"
                            + " the " + f.windowMs() + " ms detection window: the primary is alive and only the"
                            + " heartbeat path to " + f.text().partner() + " is broken"),
            row("lagging", Role.STANDBY, "more than maximum_lag_on_failover behind the primary's last position",
                    f -> f.maxLagBytes() >= 0 && f.lagBytes() != null && f.lagBytes() > f.maxLagBytes(),
                    Action.REFUSE_PROMOTION,
                    f -> "this standby has received WAL up to " + f.text().lag() + ": lag " + f.lagBytes()
                            + " bytes exceeds maximum_lag_on_failover " + Sizes.format(f.maxLagBytes()) + " ("
                            + f.maxLagBytes() + " bytes)"),
            row("arbiter-unreachable", Role.STANDBY, "with an arbiter: it cannot be asked",
                    f -> f.lease() == LeaseState.UNREACHABLE, Action.REFUSE_PROMOTION,
                    f -> "the lease cannot be taken: " + f.text().lease() + "; this standby may be the isolated"
                            + " node, or arbiter and primary are both gone"),
            row("lease-held", Role.STANDBY, "with an arbiter: the lease has not expired",
                    f -> f.lease() == LeaseState.PARTNERS || f.lease() == LeaseState.NOT_YET_FREE,
                    Action.REFUSE_PROMOTION,
                    f -> "the lease is " + f.text().lease() + ": the primary may still be writing"),
            row("sync-released", Role.STANDBY, "with an arbiter: the primary released synchronous replication",
                    f -> f.lease() == LeaseState.SYNC_RELEASED, Action.REFUSE_PROMOTION,
                    f -> "the primary released synchronous replication while this standby was away (" + f.text().lease()
                            + "), so this standby may lack acknowledged commits; to fail over anyway, set"
                            + " sync_released = false in the arbiter (keeper_lease row, or the etcd key sync_released)"),
            row("promote", Role.STANDBY, "partner dead, every guard passed, lease free (or no arbiter)",
                    f -> true, Action.PROMOTE,
                    f -> "partner " + f.text().partner() + " unreachable for " + f.failures() + " consecutive probes ("
                            + f.text().unreachableMs() + " ms): " + f.text().lastFailure()),

            // A primary keeper fenced read-only because it could not restart the server.
            row("fence-lift", Role.PRIMARY, "fenced for isolation, contact back, nobody promoted (lease ours)",
                    f -> f.fence() == Fence.ISOLATED && (f.partnerStandby() || f.partnerPrimary()
                            && !f.partnerWinsElection()) && (f.lease() == LeaseState.NO_ARBITER
                            || f.lease() == LeaseState.MINE), Action.LIFT_FENCE,
                    f -> "partner " + f.text().partnerName() + " answers " + (f.partnerStandby() ? "as a standby"
                            : "as a primary that loses the election") + ", so this node was not superseded"),
            row("fence-superseded", Role.PRIMARY, "fenced for isolation and the partner won",
                    f -> f.fence() == Fence.ISOLATED && f.partnerPrimary() && f.partnerWinsElection(),
                    Action.DEMOTE_SUPERSEDED,
                    f -> "superseded by " + f.text().partnerName() + " (" + f.text().election() + "), found while"
                            + " fenced for isolation"),
            row("fence-rejoin", Role.PRIMARY, "fenced as superseded, partner primary, on_superseded = rejoin",
                    f -> f.fence() == Fence.SUPERSEDED && f.partnerPrimary() && f.rejoin(), Action.REJOIN,
                    f -> "superseded by " + f.text().partnerName() + ": on_superseded = rejoin"),
            row("fence-stays", Role.PRIMARY, "fenced", f -> f.fence() != Fence.NONE, Action.STAY_FENCED,
                    f -> "fenced: " + f.fenceReason()),

            row("lease-takeover", Role.PRIMARY, "the partner's lease expired and the partner is a standby now",
                    f -> (f.lease() == LeaseState.PARTNERS_EXPIRED || f.lease() == LeaseState.SYNC_RELEASED)
                            && f.partnerStandby() && f.partnerTimelineNotAhead(), Action.TAKE_LEASE,
                    f -> "the lease is " + f.text().lease() + " and " + f.text().partnerName() + " answers as a"
                            + " standby: taking the lease over"),
            row("lease-lost", Role.PRIMARY, "the partner holds the lease",
                    f -> f.lease() == LeaseState.PARTNERS || f.lease() == LeaseState.PARTNERS_EXPIRED
                            || f.lease() == LeaseState.SYNC_RELEASED, Action.DEMOTE_SUPERSEDED,
                    f -> "superseded by " + f.text().partnerName() + ": the lease is " + f.text().lease()),
            row("isolated", Role.PRIMARY, "with an arbiter: neither the lease nor the standby allows writes any more",
                    f -> f.arbiter() && !f.writeAllowed(), Action.DEMOTE_ISOLATED,
                    f -> "isolated: " + f.text().permission() + "; partner " + f.text().partner() + ": "
                            + (f.partnerAnswered() ? "answers" : f.text().lastFailure()) + "; lease: "
                            + f.text().lease() + "; the standby may be promoted"),
            row("two-primaries-lost", Role.PRIMARY, "the partner is a primary too and wins the election",
                    f -> f.partnerPrimary() && f.lease() != LeaseState.MINE && f.partnerWinsElection(),
                    Action.DEMOTE_SUPERSEDED,
                    f -> "superseded by " + f.text().partnerName() + " (" + f.text().election() + ")"),
            row("two-primaries-won", Role.PRIMARY, "the partner is a primary too; this node wins or holds the lease",
                    Facts::partnerPrimary, Action.BOTH_PRIMARY,
                    f -> "partner " + f.text().partnerName() + " is also a primary; this node is the rightful primary ("
                            + (f.lease() == LeaseState.MINE ? "it holds the lease" : f.text().election())
                            + "); the partner's keeper demotes it"),
            row("record-promotion", Role.PRIMARY, "a promotion's failover_log row and event are still owed",
                    Facts::pendingEvent, Action.RECORD_EVENT,
                    f -> "this server was promoted but keeper stopped before recording it: writing the failover_log"
                            + " row and firing the event now"),
            row("switchover", Role.PRIMARY, "the same switchover request on both servers; the partner follows",
                    f -> f.switchoverFromMe() && f.partnerStandby() && f.partnerFollows(), Action.SWITCH_OVER,
                    f -> f.text().switchover() + ": " + f.text().partnerName() + " streams this timeline"),
            row("switchover-refused", Role.PRIMARY, "a switchover request, but the partner does not follow",
                    Facts::switchoverFromMe, Action.WATCH,
                    f -> "not carrying out the " + f.text().switchover() + ": " + f.text().partnerName()
                            + " is not a standby streaming this timeline (" + f.text().partner() + ": "
                            + (f.partnerAnswered() ? "answers" : f.text().lastFailure()) + ")"),
            row("restore-sync", Role.PRIMARY,
                    "keeper cleared synchronous_standby_names and the partner streams this timeline again, unfenced",
                    f -> f.syncSaved() && f.partnerAnswered() && f.standbyStreams() && f.partnerFollows(),
                    Action.RESTORE_SYNC,
                    f -> "standby streams again: restoring synchronous_standby_names"),
            row("release-sync", Role.PRIMARY,
                    "standby dead, synchronous replication on, no arbiter or the lease renewed in this run",
                    f -> f.partnerDead() && f.synchronous() && (!f.arbiter() || f.lease() == LeaseState.MINE),
                    Action.RELEASE_SYNC,
                    f -> "standby unreachable for " + f.failures() + " probes: releasing synchronous commits"
                            + (f.arbiter() ? " under the lease (" + f.text().lease() + ")" : "")),
            row("hold-sync", Role.PRIMARY, "standby dead, synchronous replication on, the lease not renewed",
                    f -> f.partnerDead() && f.synchronous(), Action.WATCH,
                    f -> "standby unreachable for " + f.failures() + " probes but the lease was not renewed in this"
                            + " run (" + f.text().lease() + "): commits keep waiting for the standby"),
            row("primary-watching", Role.PRIMARY, "otherwise", f -> true, Action.WATCH,
                    f -> f.failures() == 0 ? "pair healthy" : "standby unreachable " + f.failures() + "/"
                            + f.keepaliveCount() + ": " + f.text().lastFailure()));

    private RoleRules() {
    }

    /** The first row that holds; there always is one (the last rows of each role match anything). */
    public static Verdict decide(Facts facts) {
        for (Rule rule : RULES) {
            if (rule.matches(facts)) {
                return new Verdict(rule, rule.because().apply(facts));
            }
        }
        throw new IllegalStateException("no role rule matched " + facts);
    }

    /** What the table decides without the pause, in words: "would promote (rule promote: ...)". */
    static String wouldDo(Facts f) {
        Verdict would = decide(f.unpaused());
        Action a = would.action();
        String what = a == Action.WATCH || a == Action.WAIT_FOR_LOCAL || a == Action.REFUSE_PROMOTION
                || a == Action.STAY_FENCED ? "nothing to hold back" : "holding back " + a.name().toLowerCase();
        return what + " (rule " + would.rule().name() + ": " + would.reason() + ")";
    }

    /** The table as text, one row per line: role, name, condition, action (for `keeper rules`). */
    public static List<String> describe() {
        return RULES.stream().map(r -> String.format("%-8s %-20s %-18s %s", r.role().name().toLowerCase(), r.name(),
                r.action().name().toLowerCase(), r.condition())).toList();
    }
}
