package io.keeper.config;

import java.time.Duration;

/** Reads and formats durations the way the configuration file writes them. */
public final class Durations {

    private Durations() {
    }

    /** A time like 5s, 500ms, 10min, 2h, 1d (a bare number is seconds); IllegalArgumentException says why not. */
    public static Duration parse(String raw) {
        return ValueType.parseDuration(raw);
    }

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 86_400_000L == 0 && ms > 0) {
            return ms / 86_400_000L + "d";
        }
        if (ms % 3_600_000L == 0 && ms > 0) {
            return ms / 3_600_000L + "h";
        }
        if (ms % 60_000L == 0 && ms > 0) {
            return ms / 60_000L + "min";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
