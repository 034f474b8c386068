package io.keeper.config;

/** Formats byte counts the way the configuration file writes them. */
public final class Sizes {

    private Sizes() {
    }

    public static String format(long bytes) {
        if (bytes < 0) {
            return "-1";
        }
        String[] units = {"GB", "MB", "kB"};
        long[] factors = {1L << 30, 1L << 20, 1L << 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes > 0 && bytes % factors[i] == 0) {
                return bytes / factors[i] + units[i];
            }
        }
        return bytes + "B";
    }
}
