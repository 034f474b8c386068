package io.keeper.clone;

import io.keeper.config.Secrets;
import io.keeper.heartbeat.Conninfo;
import io.keeper.rejoin.CommandRunner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One pg_basebackup run of a clone: its command line (no password on it) and what its output says, progress lines
 * thinned out by {@link BackupProgress}, every other line shown and kept to explain a failure.
 */
final class BaseBackup implements Consumer<String> {

    private final BackupProgress progress = new BackupProgress(System::nanoTime);
    private final List<String> messages = new ArrayList<>();
    private final Consumer<String> show;

    BaseBackup(Consumer<String> show) {
        this.show = show;
    }

    /**
     * Streams the WAL it needs (-X stream), through the slot, -R for standby.signal, primary_conninfo (with
     * application_name = node_name, the name pg_stat_replication shows) and primary_slot_name; a fast checkpoint,
     * since a spread one can keep a copy waiting for minutes with nothing to show.
     */
    static List<String> command(Path bindir, Path dir, Conninfo partner, String nodeName, SlotPlan plan) {
        List<String> command = new ArrayList<>(List.of(bindir.resolve("pg_basebackup").toString(), "-D",
                dir.toString(), "-d", partner.withoutPassword() + " application_name=" + nodeName,
                "--wal-method=stream", "--write-recovery-conf", "--slot=" + plan.slotName(), "--checkpoint=fast",
                "--progress", "--no-password"));
        if (plan.action() != SlotPlan.Action.REUSE) {
            command.add("--create-slot");
        }
        return command;
    }

    @Override
    public void accept(String line) {
        Optional<BackupProgress.Sample> sample = BackupProgress.parse(line);
        if (sample.isPresent()) {
            progress.update(sample.get()).ifPresent(show);
        } else if (!line.isBlank()) {
            messages.add(Secrets.mask(line));
            show.accept(Secrets.mask(line));
        }
    }

    /** "copied 1.20 GB in 31.0 s (39.6 MB/s)". */
    String summary() {
        return progress.finish().orElse("copied");
    }

    /** Why the run failed: the primary's refusal explained when it is one, else pg_basebackup's last words. */
    String failure(CommandRunner.Completed done, Conninfo partner, long limitHours) {
        return messages.stream().map(m -> ReplicationRefusal.explain(m, partner.address(), partner.user()))
                .flatMap(Optional::stream).findFirst()
                .orElse("pg_basebackup " + (done.timedOut() ? "was still copying after " + limitHours
                        + " h and was stopped" : "exited with " + done.exitCode() + ": "
                        + Secrets.mask(done.lastLine())));
    }
}
