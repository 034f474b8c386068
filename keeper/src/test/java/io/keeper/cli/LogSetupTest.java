package io.keeper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogSetupTest {

    private static LoggingEvent event(LoggerContext context, Level level, String message, Throwable thrown,
                                      Object... args) {
        return new LoggingEvent(LogSetupTest.class.getName(), context.getLogger("io.keeper.role.Keeper"), level,
                message, thrown, args);
    }

    @Test
    void aLineIsTimeLevelNodeAndMessage() {
        LoggerContext context = new LoggerContext();
        LogLine layout = new LogLine();
        layout.setContext(context);
        LogLine.setNodeName("node2");

        String info = layout.doLayout(event(context, Level.INFO, "Partner {} is {}", null, "node1:5432", "primary"));
        String error = layout.doLayout(event(context, Level.ERROR, "boom", null));

        assertTrue(info.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[node2] Partner node1:5432 is"
                + " primary" + System.lineSeparator()), info);
        assertTrue(error.contains(" ERROR [node2] boom"), error);
    }

    @Test
    void anExceptionFollowsWithItsStackTraceAndCause() {
        LoggerContext context = new LoggerContext();
        LogLine layout = new LogLine();
        layout.setContext(context);
        Exception thrown = new IllegalStateException("run failed", new java.io.IOException("connection reset"));

        String lines = layout.doLayout(event(context, Level.WARN, "Heartbeat run failed", thrown));

        assertTrue(lines.contains(" WARN  ["), lines);
        assertTrue(lines.contains("java.lang.IllegalStateException: run failed"), lines);
        assertTrue(lines.contains("\tat io.keeper.cli.LogSetupTest."), lines);
        assertTrue(lines.contains("Caused by: java.io.IOException: connection reset"), lines);
    }

    @Test
    void configuresTheRootLoggerOnStandardOutputAtInfo() {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter()); // as SLF4J's binding does for the real context
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertEquals(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, new LogSetup().configure(context));
            Logger logger = context.getLogger("io.keeper.KeeperService");
            logger.debug("per heartbeat");
            logger.info("Start completed.");
            context.getLogger("org.postgresql.Driver").error("driver noise");
        } finally {
            System.setOut(out);
            context.stop();
        }

        String logged = captured.toString(StandardCharsets.UTF_8);
        assertTrue(logged.contains("INFO  [") && logged.contains("] Start completed."), logged);
        assertEquals(1, logged.lines().count(), logged);
    }
}
