package io.keeper.rejoin;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Plays scripted answers for pg_ctl, pg_rewind and postgres and records every call. Answers are keyed by
 * "pg_ctl stop", "pg_ctl status", "pg_ctl start", "pg_rewind" and "postgres"; the last answer for a key
 * repeats, and a key without answers exits 0 silently.
 */
final class FakeCommandRunner implements CommandRunner {

    /** One recorded call. */
    record Call(List<String> command, Map<String, String> environment, Duration timeout) {
        String key() {
            return keyOf(command);
        }
    }

    /** What a scripted program does when called: may touch files, then says how it ended. */
    @FunctionalInterface
    interface Answer {
        Completed answer(Call call) throws IOException;
    }

    private final Map<String, Deque<Answer>> script = new HashMap<>();
    final List<Call> calls = new ArrayList<>();

    /** Replaces the answers for this key. */
    FakeCommandRunner on(String key, Answer... answers) {
        script.put(key, new ArrayDeque<>(List.of(answers)));
        return this;
    }

    static Answer exit(int code, String... lines) {
        return call -> new Completed(code, List.of(lines), false);
    }

    static Answer overrun(String... lines) {
        return call -> new Completed(-1, List.of(lines), true);
    }

    /** pg_rewind -R: appends primary_conninfo and creates standby.signal, like PostgreSQL 15 does. */
    static Answer rewindWritingRecoveryConf(Path dataDirectory, String... lines) {
        return call -> {
            DataDirectory data = new DataDirectory(dataDirectory);
            data.appendParameter("primary_conninfo", "user=postgres host=10.0.0.2 port=5432", "from pg_rewind -R");
            data.writeStandbySignal();
            return new Completed(0, List.of(lines), false);
        };
    }

    List<String> keys() {
        return calls.stream().map(Call::key).toList();
    }

    List<Call> callsTo(String key) {
        return calls.stream().filter(c -> c.key().equals(key)).toList();
    }

    @Override
    public Completed run(List<String> command, Map<String, String> environment, Duration timeout,
                         Consumer<String> outputLine) throws IOException {
        Call call = new Call(List.copyOf(command), Map.copyOf(environment), timeout);
        calls.add(call);
        Deque<Answer> answers = script.get(call.key());
        Answer answer = answers == null || answers.isEmpty() ? exit(0)
                : answers.size() > 1 ? answers.poll() : answers.peek();
        Completed done = answer.answer(call);
        done.output().forEach(outputLine);
        return done;
    }

    private static String keyOf(List<String> command) {
        String program = Path.of(command.get(0)).getFileName().toString();
        return program.equals("pg_ctl") ? program + " " + command.get(1) : program;
    }
}
