package io.keeper.heartbeat;

/** Looks at one PostgreSQL server once; implementations never throw. */
@FunctionalInterface
public interface ServerProbe {
    ProbeResult probe();

    /**
     * When (System.nanoTime) the server last answered a probe, including a probe that answered after its caller had
     * stopped waiting; Long.MIN_VALUE when never, or when this probe does not track it.
     */
    default long lastAnswerNanos() {
        return Long.MIN_VALUE;
    }
}
