package io.keeper.heartbeat;

import java.time.Duration;

/**
 * The result of one probe of a server.
 *
 * @param outcome how the server answered
 * @param state what it reported; null unless outcome is ANSWERED
 * @param detail a one-line reason for a failure (never contains a password), "" on success
 * @param sqlState the SQLState of the failure, or null
 * @param elapsed how long the probe took
 */
public record ProbeResult(ProbeOutcome outcome, ServerState state, String detail, String sqlState,
                          Duration elapsed) {

    public static ProbeResult answered(ServerState state, Duration elapsed) {
        return new ProbeResult(ProbeOutcome.ANSWERED, state, "", null, elapsed);
    }

    public boolean answered() {
        return outcome == ProbeOutcome.ANSWERED;
    }

    public boolean isPrimary() {
        return answered() && !state.inRecovery();
    }

    public boolean isStandby() {
        return answered() && state.inRecovery();
    }

    /** A short text for logs: the role and position, or the failure reason. */
    public String describe() {
        if (answered()) {
            return state.role() + ", timeline " + state.timeline() + ", lsn " + state.lsn();
        }
        return outcome.name().toLowerCase() + ": " + reason();
    }

    /** Why the probe failed, with the SQLState when there is one; "" on success. */
    public String reason() {
        return detail + (sqlState != null ? " (SQLSTATE " + sqlState + ")" : "");
    }
}
