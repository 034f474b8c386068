package io.keeper.rejoin;

import io.keeper.aftercommand.AfterCommand;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs commands as real child processes, optionally behind a prefix such as {@code runuser -u postgres --}. */
public final class ProcessCommandRunner implements CommandRunner {

    /** How long to wait for a killed process to go away, and for its output to drain. */
    private static final Duration AFTERMATH = Duration.ofSeconds(5);

    private final List<String> prefix;

    /** @param prefix put before every command; empty in production, where keeper already runs as postgres */
    public ProcessCommandRunner(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    @Override
    public Completed run(List<String> command, Map<String, String> environment, Duration timeout,
                         Consumer<String> outputLine) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                // A neutral directory every user may enter; the tools all get absolute paths.
                .directory(new File("/"));
        AfterCommand.SERVICE_MANAGER_VARIABLES.forEach(builder.environment()::remove); // pg_ctl's server too
        builder.environment().putAll(environment);
        Process process = builder.start();
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        Thread reader = new Thread(() -> copyLines(process.getInputStream(), lines, outputLine),
                "rejoin-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            kill(process);
            throw e;
        }
        if (!finished) {
            kill(process);
        }
        // A grandchild that kept the pipe open must not hold the rejoin up: wait for the output with a bound.
        reader.join(AFTERMATH.toMillis());
        synchronized (lines) {
            return new Completed(finished ? process.exitValue() : -1, lines, !finished);
        }
    }

    private static void copyLines(InputStream in, List<String> lines, Consumer<String> outputLine) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                outputLine.accept(line);
            }
        } catch (IOException e) {
            // The pipe closes when the process is killed; the lines read so far are what there is.
        }
    }

    private static void kill(Process process) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(AFTERMATH.toMillis(), TimeUnit.MILLISECONDS);
    }
}
