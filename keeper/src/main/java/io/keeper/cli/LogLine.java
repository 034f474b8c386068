package io.keeper.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * keeper's log line, "2026-12-01 06:00:00.123 INFO  [node1] message", then the stack trace of an exception if
 * the event has one: what the pattern "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%node] %msg%n" prints, without the
 * pattern machinery (logback's PatternLayout loads some 150 classes for it).
 */
final class LogLine extends LayoutBase<ILoggingEvent> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneId.systemDefault());

    private static volatile String nodeName = "keeper";

    /** Puts the node name in every line from now on, whichever thread logs it. */
    static void setNodeName(String name) {
        nodeName = name;
    }

    static String nodeName() {
        return nodeName;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        TIME.formatTo(Instant.ofEpochMilli(event.getTimeStamp()), line);
        String level = event.getLevel().toString();
        line.append(' ').append(level).append("     ", level.length(), 5)
                .append(" [").append(nodeName).append("] ")
                .append(event.getFormattedMessage()).append(CoreConstants.LINE_SEPARATOR);
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.append(ThrowableProxyUtil.asString(thrown)).append(CoreConstants.LINE_SEPARATOR);
        }
        return line.toString();
    }
}
