package io.keeper.heartbeat;

/** Looks at one PostgreSQL server once; implementations never throw. */
@FunctionalInterface
public interface ServerProbe {
    ProbeResult probe();
}
