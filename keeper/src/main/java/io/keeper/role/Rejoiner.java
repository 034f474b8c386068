package io.keeper.role;

/** Turns this superseded primary into a standby of the winner (pg_rewind); see io.keeper.rejoin. */
@FunctionalInterface
public interface Rejoiner {

    /** Returns null on success, else why it failed (one line). Blocks while it works. */
    String rejoin(String winnerAddress);
}
