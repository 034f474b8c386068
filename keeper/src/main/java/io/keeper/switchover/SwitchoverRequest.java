package io.keeper.switchover;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

/**
 * A planned switchover as `keeper switchover` records it on both servers (the custom setting keeper.switchover):
 * which node gives up the primary role, which one takes it, and until when the request holds. The primary's keeper
 * carries it out when it finds the same request on both servers; nobody acts on it after {@code until}.
 *
 * <p>Stored as {@code id=3f2a9c1e from=node1 to=node2 until=2026-12-01T06:21:00Z}.
 *
 * @param id a random id, so the log lines and failover_log rows of one switchover can be told apart
 * @param from the node_name of the primary
 * @param to the node_name of the standby that becomes the primary
 * @param until when the request expires (wall clock of the reading host)
 */
public record SwitchoverRequest(String id, String from, String to, Instant until) {

    /** The server setting that holds the request. */
    public static final String SETTING = "keeper.switchover";

    /** A new request, valid for {@code validFor} from {@code now}. */
    public static SwitchoverRequest create(String from, String to, Instant now, Duration validFor) {
        return new SwitchoverRequest(UUID.randomUUID().toString().substring(0, 8), from, to,
                now.plus(validFor).truncatedTo(ChronoUnit.SECONDS));
    }

    /** The request in the setting's value; empty when none is recorded or it cannot be read (then nobody acts). */
    public static Optional<SwitchoverRequest> parse(String raw) {
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        String id = null;
        String from = null;
        String to = null;
        Instant until = null;
        for (String token : raw.trim().split("\\s+")) {
            int eq = token.indexOf('=');
            if (eq < 0) {
                return Optional.empty();
            }
            String value = token.substring(eq + 1);
            switch (token.substring(0, eq)) {
                case "id" -> id = value;
                case "from" -> from = value;
                case "to" -> to = value;
                case "until" -> {
                    try {
                        until = Instant.parse(value);
                    } catch (DateTimeParseException e) {
                        return Optional.empty();
                    }
                }
                default -> {
                    return Optional.empty();
                }
            }
        }
        if (id == null || from == null || to == null || until == null) {
            return Optional.empty();
        }
        return Optional.of(new SwitchoverRequest(id, from, to, until));
    }

    public String format() {
        return "id=" + id + " from=" + from + " to=" + to + " until=" + until;
    }

    public boolean validAt(Instant now) {
        return now.isBefore(until);
    }

    /** "switchover abc12345 from node1 to node2". */
    public String describe() {
        return "switchover " + id + " from " + from + " to " + to;
    }
}
