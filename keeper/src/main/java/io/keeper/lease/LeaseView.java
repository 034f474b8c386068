package io.keeper.lease;

import java.time.Duration;

/**
 * The lease as the arbiter answered.
 *
 * @param holder node_name of the holder, or "" when nobody holds it
 * @param term how many times the lease changed hands (its fencing token); 0 when there is no lease
 * @param remaining time to expiry by the arbiter's clock at the moment it answered; zero or negative = expired
 * @param syncReleased the holder released synchronous replication: the standby may lack acknowledged commits
 */
public record LeaseView(String holder, long term, Duration remaining, boolean syncReleased) {

    /** No lease row for this cluster yet. */
    public static final LeaseView NONE = new LeaseView("", 0, Duration.ZERO, false);

    public boolean heldBy(String node) {
        return !holder.isEmpty() && holder.equals(node);
    }

    public boolean expired() {
        return remaining.isZero() || remaining.isNegative();
    }

    /** "held by node1, term 3, expires in 2400 ms" for logs. */
    public String describe() {
        if (holder.isEmpty()) {
            return term == 0 && expired() ? "no lease yet" : "held by nobody, term " + term
                    + (expired() ? ", free" : ", free in " + remaining.toMillis() + " ms");
        }
        return "held by " + holder + ", term " + term + (expired() ? ", expired " + -remaining.toMillis() + " ms ago"
                : ", expires in " + remaining.toMillis() + " ms") + (syncReleased ? ", synchronous replication released" : "");
    }
}
