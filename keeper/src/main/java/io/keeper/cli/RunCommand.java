package io.keeper.cli;

import io.keeper.KeeperService;
import io.keeper.config.KeeperConfig;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import sun.misc.Signal;

/** keeper run: the long-running sidecar, as systemd starts it. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Watch the partner and fail over when it dies. SIGHUP reloads the file; SIGTERM stops.")
final class RunCommand implements Callable<Integer> {

    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    ConfigOption config;

    @Override
    public Integer call() throws Exception {
        KeeperConfig loaded = config.load();
        LogLine.setNodeName(loaded.nodeName());
        loaded.warnings().forEach(w -> LOG.warn("Configuration: {}", w));
        KeeperService service = new KeeperService(loaded);
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "shutdown"));
        Signal.handle(new Signal("HUP"), signal -> {
            LOG.info("SIGHUP: reloading {}", loaded.source());
            service.reload();
        });
        service.start();
        service.awaitStop();
        return 0;
    }
}
