package io.keeper.cli;

import io.keeper.config.Durations;
import io.keeper.config.KeeperConfig;
import io.keeper.pairstatus.PairSettings;
import io.keeper.pause.Pause;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** keeper pause: hands off the pair for maintenance, recorded on both servers. */
@Command(name = "pause", mixinStandardHelpOptions = true,
        description = {"Pause automatic failover for the pair: neither keeper promotes, demotes, rejoins or changes"
                + " synchronous_standby_names until `keeper resume` or the end given with --for.",
                "The pause is recorded on both servers (keeper.paused), so it survives restarts of keeper and"
                        + " PostgreSQL. Exit 1 when a server could not record it (the other one still did)."})
final class PauseCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @Option(names = "--for", paramLabel = "DURATION",
            description = "End the pause by itself after this long (10min, 2h...); without it the pause holds until"
                    + " `keeper resume`.")
    String length;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Duration forHowLong = null;
        if (length != null) {
            try {
                forHowLong = Durations.parse(length);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Invalid value for option '--for': '" + length + "': " + e.getMessage());
            }
            if (forHowLong.isZero()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Invalid value for option '--for': '" + length + "': must be longer than 0");
            }
        }
        KeeperConfig loaded = config.load();
        Instant now = Instant.now();
        Pause pause = Pause.starting(now, forHowLong, System.getProperty("user.name") + "@" + hostName());
        List<PairSettings.Outcome> outcomes = PairSettings.apply(loaded, Pause.SETTING, pause.format());
        return report(spec, outcomes, "paused: " + pause.describe(now) + "; recorded on ",
                "could not record the pause on ");
    }

    /** Prints what happened on each server: one line on stdout, one line per failure on stderr; the exit code. */
    static int report(CommandLine.Model.CommandSpec spec, List<PairSettings.Outcome> outcomes, String done,
                      String failed) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<PairSettings.Outcome> ok = outcomes.stream().filter(PairSettings.Outcome::ok).toList();
        if (!ok.isEmpty()) {
            out.println(done + ok.stream().map(PairSettings.Outcome::describe).collect(Collectors.joining(" and ")));
        }
        outcomes.stream().filter(o -> !o.ok()).forEach(o -> err.println("keeper: " + failed + o.describe()));
        out.flush();
        err.flush();
        return ok.size() == outcomes.size() ? 0 : KeeperCommand.RUNTIME_FAILURE;
    }

    static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown-host";
        }
    }
}
