package io.keeper.rejoin;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** Runs one external program to completion; a seam so tests can fake pg_ctl, pg_rewind and postgres. */
public interface CommandRunner {

    /**
     * Runs the command with these variables added to the inherited environment, stdin from /dev/null and
     * stderr merged into stdout. Each output line goes to {@code outputLine} as it arrives. A command still
     * running after {@code timeout} is killed, together with its children.
     *
     * @throws IOException when the program cannot be started at all
     */
    Completed run(List<String> command, Map<String, String> environment, Duration timeout,
                  Consumer<String> outputLine) throws IOException, InterruptedException;

    /** How a command ended: its exit code (-1 when killed on timeout) and every line it printed. */
    record Completed(int exitCode, List<String> output, boolean timedOut) {

        public Completed {
            output = List.copyOf(output);
        }

        public boolean succeeded() {
            return !timedOut && exitCode == 0;
        }

        public boolean printed(String text) {
            return output.stream().anyMatch(line -> line.contains(text));
        }

        /** The last non-blank line, which is where PostgreSQL's tools put the reason they failed. */
        public String lastLine() {
            for (int i = output.size() - 1; i >= 0; i--) {
                if (!output.get(i).isBlank()) {
                    return output.get(i).strip();
                }
            }
            return "";
        }
    }
}
