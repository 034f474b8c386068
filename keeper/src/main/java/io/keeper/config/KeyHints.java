package io.keeper.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Suggestions for unknown keys: pg_keeper's own settings, server settings, and near misses. */
final class KeyHints {

    private static final Map<String, String> KNOWN_FOREIGN = Map.of(
            "node1_conninfo", " (pg_keeper's node1/node2 pair: keeper uses my_conninfo for this node and"
                    + " partner_conninfo for the other)",
            "node2_conninfo", " (pg_keeper's node1/node2 pair: keeper uses my_conninfo for this node and"
                    + " partner_conninfo for the other)",
            "primary_conninfo", " (pg_keeper's README name: keeper uses partner_conninfo)",
            "shared_preload_libraries", " (a PostgreSQL server setting: keep it in postgresql.conf, not here)",
            "include", " (include directives are not supported)",
            "include_if_exists", " (include directives are not supported)",
            "include_dir", " (include directives are not supported)");

    private KeyHints() {
    }

    static String hintFor(String key) {
        String known = KNOWN_FOREIGN.get(key);
        if (known != null) {
            return known;
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : candidates()) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 4) ? " (did you mean " + best + "?)" : "";
    }

    private static List<String> candidates() {
        List<String> out = new ArrayList<>();
        for (Setting s : Setting.values()) {
            out.add(s.key());
        }
        return out;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
