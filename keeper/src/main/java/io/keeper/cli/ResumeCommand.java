package io.keeper.cli;

import io.keeper.config.KeeperConfig;
import io.keeper.pairstatus.PairSettings;
import io.keeper.pause.Pause;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** keeper resume: ends a maintenance pause on both servers. */
@Command(name = "resume", mixinStandardHelpOptions = true,
        description = {"End a maintenance pause: both keepers act again. A partner that stopped answering during"
                + " the pause is counted afresh, so a dead primary is failed over one detection window after the"
                + " resume.", "Exit 1 when a server could not be reached: while a server still holds the pause,"
                + " the keepers that can read it stay paused."})
final class ResumeCommand implements Callable<Integer> {

    @Mixin
    ConfigOption config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        KeeperConfig loaded = config.load();
        return PauseCommand.report(spec, PairSettings.apply(loaded, Pause.SETTING, null), "resumed: the pause is cleared on ",
                "could not clear the pause on ");
    }
}
