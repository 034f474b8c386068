package io.keeper.clone;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns pg_basebackup --progress output ("123456/2345678 kB (5%), 0/1 tablespace") into a progress line at most
 * every {@link #EVERY}: bytes copied, rate and time left. pg_basebackup rewrites its line every second; a human
 * watching a long copy needs less, and a log file much less.
 */
final class BackupProgress {

    /** How often a line is shown at most (the last one always is). */
    static final Duration EVERY = Duration.ofSeconds(5);
    private static final Pattern LINE = Pattern.compile("^\\s*(\\d+)/(\\d+) kB \\((\\d+)%\\)");

    /** One progress report of pg_basebackup, in bytes. */
    record Sample(long doneBytes, long totalBytes) {
    }

    private final LongSupplier nanoClock;
    private final long startNanos;
    private long lastShownNanos;
    private Sample last;

    BackupProgress(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.startNanos = nanoClock.getAsLong();
        this.lastShownNanos = startNanos;
    }

    /** The sample in one line of pg_basebackup's output, empty for any other line. */
    static Optional<Sample> parse(String line) {
        Matcher m = LINE.matcher(line);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new Sample(Long.parseLong(m.group(1)) * 1024, Long.parseLong(m.group(2)) * 1024));
    }

    /** Notes a sample; returns the line to show when the last one is at least {@link #EVERY} old. */
    Optional<String> update(Sample sample) {
        last = sample;
        long now = nanoClock.getAsLong();
        if (now - lastShownNanos < EVERY.toNanos()) {
            return Optional.empty();
        }
        lastShownNanos = now;
        return Optional.of(describe(sample, now - startNanos));
    }

    /** The closing line: everything copied, how long it took and the average rate; empty without any sample. */
    Optional<String> finish() {
        if (last == null) {
            return Optional.empty();
        }
        long elapsed = nanoClock.getAsLong() - startNanos;
        return Optional.of("copied " + human(last.doneBytes()) + " in " + seconds(elapsed) + " ("
                + rate(last.doneBytes(), elapsed) + ")");
    }

    static String describe(Sample s, long elapsedNanos) {
        long percent = s.totalBytes() > 0 ? Math.min(100, s.doneBytes() * 100 / s.totalBytes()) : 0;
        String line = "copied " + human(s.doneBytes()) + " of about " + human(s.totalBytes()) + " ("
                + percent + "%) at " + rate(s.doneBytes(), elapsedNanos);
        if (s.doneBytes() > 0 && elapsedNanos > 0 && s.totalBytes() > s.doneBytes()) {
            double left = (double) (s.totalBytes() - s.doneBytes()) * elapsedNanos / s.doneBytes();
            line += ", about " + duration(Duration.ofNanos((long) left)) + " left";
        }
        return line;
    }

    private static String rate(long bytes, long elapsedNanos) {
        if (elapsedNanos <= 0) {
            return "- /s";
        }
        return human((long) (bytes / (elapsedNanos / 1e9))) + "/s";
    }

    /** 812 kB, 48.3 MB, 1.20 GB (units of 1024, as pg_basebackup counts). */
    static String human(long bytes) {
        if (bytes < 1024 * 1024) {
            return (bytes + 1023) / 1024 + " kB";
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1048576.0);
        }
        return String.format(java.util.Locale.ROOT, "%.2f GB", bytes / 1073741824.0);
    }

    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
    }

    /** 42 s, 3 min 5 s, 2 h 10 min: as precise as a human estimate deserves. */
    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        return s / 3600 + " h " + s % 3600 / 60 + " min";
    }
}
