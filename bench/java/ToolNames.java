import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names the report gives the tools it measured at more than one setting: keeper at its 1 s profile beside its
 * 3 s one, Patroni at each {@code ttl}. Each name is read from the settings the tool's part wrote
 * ({@code settings-TOOL.md}), so it says what ran; the other tools keep their id. Part of {@link Report}.
 */
final class ToolNames {
    /** The smallest {@code ttl} Patroni's documentation allows; Patroni 3.0.2 does not enforce it. */
    static final int PATRONI_DOCUMENTED_MIN_TTL = 20;
    private static final Pattern KEEPALIVE_TIME = Pattern.compile("(?m)^keepalive_time = (\\S+)$");
    private static final Pattern KEEPALIVE_COUNT = Pattern.compile("(?m)^keepalive_count = (\\d+)$");
    private static final Pattern TTL = Pattern.compile("(?m)^ttl: (\\d+)$");

    private final Function<String, Path> file;

    /** {@code file} finds a result file by name in the parts ({@code settings-keeper.md}...), or gives null. */
    ToolNames(Function<String, Path> file) {
        this.file = file;
    }

    /** "keeper, 250ms × 4", "Patroni, ttl 5 (below its documented minimum of 20)", "Patroni, ttl 20"; else the id. */
    String of(String tool) {
        if (tool.equals(FastProfile.KEEPER)) {
            return withKeepalive(tool);
        }
        if (tool.startsWith("patroni")) {
            Matcher ttl = TTL.matcher(settings(tool));
            if (ttl.find()) {
                int t = Integer.parseInt(ttl.group(1));
                return "Patroni, ttl " + t + (t < PATRONI_DOCUMENTED_MIN_TTL
                        ? " (below its documented minimum of " + PATRONI_DOCUMENTED_MIN_TTL + ")" : "");
            }
        }
        return tool;
    }

    /** "keeper, 1s × 3": keeper's name with its probe interval and count, or the id when they are not known. */
    String withKeepalive(String tool) {
        String keepalive = keepalive(tool);
        return keepalive == null ? tool : "keeper, " + keepalive;
    }

    /** The name without its remark in brackets, for the chart's narrow labels. */
    String brief(String tool) {
        return of(tool).replaceFirst(" \\(.*\\)$", "");
    }

    /** keeper's probe interval and count as "250ms × 4", from the tool's settings; null when they are not there. */
    String keepalive(String tool) {
        String s = settings(tool);
        Matcher time = KEEPALIVE_TIME.matcher(s);
        Matcher count = KEEPALIVE_COUNT.matcher(s);
        return time.find() && count.find() ? time.group(1) + " × " + count.group(1) : null;
    }

    private String settings(String tool) {
        Path f = file.apply("settings-" + tool + ".md");
        try {
            return f == null ? "" : Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + f, e);
        }
    }
}
