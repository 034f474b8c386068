package io.keeper.pause;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * A maintenance pause as `keeper pause` records it on both servers (the custom setting keeper.paused, in
 * postgresql.auto.conf, so it survives restarts): until when it holds, when and by whom it was set. While a pause
 * holds, neither keeper promotes, demotes, rejoins or changes synchronous_standby_names.
 *
 * <p>Stored as {@code until=2026-12-01T06:20:00Z set=2026-12-01T06:10:00Z by=root@db1}, with {@code until=none}
 * for a pause without an end. A value keeper cannot read counts as a pause without an end: a pause is an
 * administrator's explicit wish, and guessing it away could fail the pair over in the middle of maintenance.
 *
 * @param until when the pause ends (the wall clock of the host that reads it), null when it holds until resumed
 * @param setAt when `keeper pause` recorded it, null when unreadable
 * @param by who ran `keeper pause` (user@host), or the raw value when unreadable
 */
public record Pause(Instant until, Instant setAt, String by) {

    /** The server setting that holds the pause. */
    public static final String SETTING = "keeper.paused";

    /** A pause set now by {@code by}, for {@code length} (null: until resumed). */
    public static Pause starting(Instant now, Duration length, String by) {
        Instant at = now.truncatedTo(ChronoUnit.SECONDS);
        return new Pause(length == null ? null : at.plus(length), at, by.replaceAll("\\s+", "_"));
    }

    /** The setting's value, empty when no pause is recorded. */
    public static Optional<Pause> parse(String raw) {
        if (raw == null || raw.isBlank()) {
            return Optional.empty();
        }
        String until = null;
        String set = null;
        String by = null;
        for (String token : raw.trim().split("\\s+")) {
            int eq = token.indexOf('=');
            String key = eq < 0 ? "" : token.substring(0, eq);
            String value = eq < 0 ? "" : token.substring(eq + 1);
            switch (key) {
                case "until" -> until = value;
                case "set" -> set = value;
                case "by" -> by = value;
                default -> {
                    return Optional.of(unreadable(raw));
                }
            }
        }
        try {
            return Optional.of(new Pause(until == null || until.equals("none") ? null : Instant.parse(until),
                    set == null ? null : Instant.parse(set), by == null ? "" : by));
        } catch (DateTimeParseException e) {
            return Optional.of(unreadable(raw));
        }
    }

    private static Pause unreadable(String raw) {
        return new Pause(null, null, "unreadable keeper.paused '" + raw.strip() + "'");
    }

    /** The setting's value. */
    public String format() {
        return "until=" + (until == null ? "none" : until) + " set=" + setAt + " by=" + by;
    }

    /** Whether the pause holds at {@code now}. */
    public boolean holdsAt(Instant now) {
        return until == null || now.isBefore(until);
    }

    /** "paused until 2026-12-01T06:20:00Z (598 s left), set 2026-12-01T06:10:00Z by root@db1". */
    public String describe(Instant now) {
        String end = until == null ? "paused until resumed"
                : holdsAt(now) ? "paused until " + until + " (" + Duration.between(now, until).toSeconds() + " s left)"
                : "pause ended at " + until;
        return end + (setAt == null ? " (" + by + ")" : ", set " + setAt + " by " + by);
    }
}
