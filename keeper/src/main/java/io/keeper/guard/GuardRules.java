package io.keeper.guard;

import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The boot guard's rules, one table read top to bottom like the role rules: may this data directory, which was a
 * primary when its server stopped, start as a primary again? Pure functions of {@link GuardFacts}.
 */
public final class GuardRules {

    /** What the guard does. */
    public enum Outcome {
        /** Start the server as it is. */
        START,
        /** Write standby.signal, primary_conninfo and keeper.fenced, then start it: a read-only standby. */
        START_AS_STANDBY
    }

    /** One row: name, condition in words, test, outcome, and the reason (which becomes keeper.fenced). */
    public record Rule(String name, String condition, Predicate<GuardFacts> when, Outcome outcome,
                       Function<GuardFacts, String> because) {
    }

    /** The rule that decided and its reason. */
    public record Verdict(Rule rule, String reason) {
        public Outcome outcome() {
            return rule.outcome();
        }
    }

    private static Rule row(String name, String condition, Predicate<GuardFacts> when, Outcome outcome,
                            Function<GuardFacts, String> because) {
        return new Rule(name, condition, when, outcome, because);
    }

    public static final List<Rule> RULES = List.of(
            row("in-recovery", "standby.signal or recovery.signal is there", GuardFacts::bootsInRecovery,
                    Outcome.START, f -> "boots as a standby (a signal file is there): it cannot take writes"),
            row("demotion-unfinished", "keeper.fenced is set: a demotion keeper began",
                    f -> !f.fenced().isEmpty(), Outcome.START_AS_STANDBY, GuardFacts::fenced),
            row("partner-newer", "the partner is a primary on a higher timeline",
                    f -> f.partnerPrimary() && f.partnerTimeline() > f.timeline(), Outcome.START_AS_STANDBY,
                    f -> "superseded by " + f.partnerName() + " (primary on timeline " + f.partnerTimeline()
                            + ", this data directory is on timeline " + f.timeline() + "), found at boot"),
            row("lease-partners", "with an arbiter: the partner holds the lease",
                    GuardFacts::leaseIsPartners, Outcome.START_AS_STANDBY,
                    f -> "superseded by " + f.leaseHolder() + " (it holds the lease, term " + f.leaseTerm()
                            + "; this node last held term " + f.term() + "), found at boot"),
            row("first-lease", "with an arbiter: the pair has no lease yet (first start with this arbiter)",
                    f -> f.arbiter() && f.witnessAnswered() && !f.leaseExists() && !f.partnerPrimary(),
                    Outcome.START,
                    f -> "the arbiter has no lease for this pair yet: boots as the primary; keeper takes the lease"
                            + " at its first run"),
            row("lease-to-renew", "with an arbiter: anything else (the lease is ours, free, or unknown)",
                    GuardFacts::arbiter, Outcome.START_AS_STANDBY,
                    f -> "guard: booted as a standby; keeper promotes it again once it has renewed the lease ("
                            + f.leaseSeen() + ")"),
            row("partner-primary", "no arbiter: the partner is a primary on the same timeline",
                    GuardFacts::partnerPrimary, Outcome.START_AS_STANDBY,
                    f -> "superseded by " + f.partnerName() + " (a primary on the same timeline " + f.timeline()
                            + "; a second primary is not started), found at boot"),
            row("partner-standby", "no arbiter: the partner is a standby", GuardFacts::partnerStandby,
                    Outcome.START, f -> "partner " + f.partnerName() + " is a standby: boots as the primary"),
            row("nobody", "no arbiter and the partner cannot be asked", f -> true, Outcome.START,
                    f -> "partner " + f.partnerName() + " could not be asked (" + f.partnerSeen() + "); without an"
                            + " arbiter nothing says it was promoted: boots as the primary it was (timeline "
                            + f.timeline() + ")"));

    private GuardRules() {
    }

    public static Verdict decide(GuardFacts facts) {
        for (Rule rule : RULES) {
            if (rule.when().test(facts)) {
                return new Verdict(rule, rule.because().apply(facts));
            }
        }
        throw new IllegalStateException("no guard rule matched " + facts);
    }
}
