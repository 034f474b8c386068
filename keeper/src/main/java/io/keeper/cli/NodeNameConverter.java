package io.keeper.cli;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The node name as %node, for a logback configuration file of one's own (-Dlogback.configurationFile):
 * {@code <conversionRule conversionWord="node" class="io.keeper.cli.NodeNameConverter"/>}.
 */
public final class NodeNameConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return LogLine.nodeName();
    }
}
