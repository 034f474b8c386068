package io.keeper.role;

import java.util.Map;

/** Receives the events keeper reports to after_command: promoted, sync_disabled, sync_restored. */
@FunctionalInterface
public interface EventListener {
    void onEvent(String event, Map<String, String> environment);
}
