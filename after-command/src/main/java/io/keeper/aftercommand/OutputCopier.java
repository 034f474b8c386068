package io.keeper.aftercommand;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Copies one output stream of a process into the log, line by line, on its own daemon thread. */
final class OutputCopier implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(OutputCopier.class);

    private final InputStream in;
    private final Consumer<String> sink;

    private OutputCopier(InputStream in, Consumer<String> sink) {
        this.in = in;
        this.sink = sink;
    }

    /** Starts copying {@code in} to {@code sink} until the stream ends. */
    static Thread start(InputStream in, Consumer<String> sink, String threadName) {
        Thread thread = new Thread(new OutputCopier(in, sink), threadName);
        // A background child of the command may keep the pipe open for ever; that must not keep the JVM up.
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Override
    public void run() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                sink.accept(line);
            }
        } catch (IOException e) {
            LOG.debug("stopped reading after_command output: {}", e.toString());
        }
    }

    /**
     * Waits at most {@code bound} in total for all copiers to reach the end of their streams.
     *
     * @return true if all of them finished; false on timeout or interrupt (the interrupt flag is kept)
     */
    static boolean joinAll(List<Thread> copiers, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        try {
            for (Thread copier : copiers) {
                TimeUnit.NANOSECONDS.timedJoin(copier, deadline - System.nanoTime());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return copiers.stream().noneMatch(Thread::isAlive);
    }
}
