package io.keeper.cli;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/** Puts the node name at the start of every log line, from any thread (%node in logback.xml). */
public final class NodeNameConverter extends ClassicConverter {

    private static volatile String nodeName = "keeper";

    static void setNodeName(String name) {
        nodeName = name;
    }

    @Override
    public String convert(ILoggingEvent event) {
        return nodeName;
    }
}
