package io.keeper.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * keeper's logging set-up, in code: one {@link LogLine} per event on standard output, at KEEPER_LOG_LEVEL (INFO
 * unless set), found by logback through META-INF/services. Configuring in code spares the XML parser and logback's
 * configuration model, some 600 classes loaded at every start; a file named by -Dlogback.configurationFile, or a
 * logback-test.xml on the class path (the end-to-end tests'), is still read as before.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {

    static final String LEVEL_VARIABLE = "KEEPER_LOG_LEVEL";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LogLine layout = new LogLine();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName("STDOUT");
        console.setEncoder(encoder);
        console.start();
        context.getLogger("org.quartz").setLevel(Level.WARN);
        context.getLogger("org.postgresql").setLevel(Level.OFF);
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(levelSetting(), Level.INFO));
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** KEEPER_LOG_LEVEL as a system property or, as most set it, in the environment. */
    private static String levelSetting() {
        String level = System.getProperty(LEVEL_VARIABLE);
        return level != null ? level : System.getenv(LEVEL_VARIABLE);
    }
}
