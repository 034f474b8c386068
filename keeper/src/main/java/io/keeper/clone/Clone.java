package io.keeper.clone;

import io.keeper.config.KeeperConfig;
import io.keeper.config.Secrets;
import io.keeper.heartbeat.Conninfo;
import io.keeper.heartbeat.PgSession;
import io.keeper.rejoin.CommandRunner;
import io.keeper.rejoin.ServerLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * keeper clone's steps: check the partner is a primary keeper can copy, check the local data directory may be
 * filled, pg_basebackup from the partner through a replication slot named after this node with -R, start the server
 * (or say how, under systemd) and wait until it streams. Each step prints one line; the first that fails ends the
 * clone with a {@link Failure} saying what to do. Runs as the PostgreSQL OS user, which owns what it creates.
 */
public final class Clone {

    /** What the administrator asked for. */
    public record Request(Path pgdata, Path configDirectory, boolean force, boolean waitUnderSystemd,
                          Duration streamTimeout) {
    }

    /** A step failed; {@code exitCode} 1 for a runtime failure, 2 for bad usage or configuration. */
    public static final class Failure extends Exception {
        private final int exitCode;

        Failure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /** pg_basebackup copies for as long as it takes; this only stops a copy that is stuck for good. */
    private static final Duration COPY_LIMIT = Duration.ofHours(24);
    private static final Duration START_WAIT = Duration.ofSeconds(120);
    private static final Duration POLL = Duration.ofMillis(500);

    private final KeeperConfig config;
    private final Map<String, String> env;
    private final PrintWriter out;
    private final CommandRunner runner;
    private final Path etcPostgresql;
    private final boolean underSystemd;
    private final long startNanos = System.nanoTime();

    /**
     * @param runner        runs pg_basebackup and pg_ctl (as this OS user in production)
     * @param etcPostgresql Debian's configuration root, /etc/postgresql
     * @param underSystemd  whether systemd runs this host (/run/systemd/system exists)
     */
    public Clone(KeeperConfig config, Map<String, String> env, PrintWriter out, CommandRunner runner,
                 Path etcPostgresql, boolean underSystemd) {
        this.config = config;
        this.env = env;
        this.out = out;
        this.runner = runner;
        this.etcPostgresql = etcPostgresql;
        this.underSystemd = underSystemd;
    }

    /** Runs every step; returns normally once the server streams (or, under systemd without --wait, is copied). */
    public void run(Request request) throws Failure, InterruptedException {
        Prepared p = prepare(request);
        makeRoom(p);
        copy(p.bindir(), p.dir(), p.partner(), p.plan(), p.childEnv());
        p.configDirectory().ifPresent(c -> noteUnusedCopies(p.dir(), c));
        ServerStart start = ServerStart.choose(p.bindir(), p.dir(), p.configDirectory(), etcPostgresql,
                p.facts().major());
        if (underSystemd && start.systemdUnit().isPresent()) {
            step("systemd runs this host: start the server (as root) with `systemctl start "
                    + start.systemdUnit().get() + "`");
            if (!request.waitUnderSystemd()) {
                step("copied; not started: run that command; `keeper status` shows when it streams");
                return;
            }
            step("waiting up to " + request.streamTimeout().toSeconds() + " s for the server to stream");
        } else {
            startServer(start);
        }
        awaitStreaming(p.partner(), p.plan().slotName(), request.streamTimeout(), start);
    }

    /** What the checks found; nothing has changed yet. */
    private record Prepared(Conninfo partner, PrimaryServer.Facts facts, Path bindir, Path dir,
                            CloneTarget.Inspection target, Optional<Path> configDirectory,
                            Map<String, String> childEnv, SlotPlan plan) {
    }

    /** Every check, in the order that names the most basic problem first; changes nothing. */
    private Prepared prepare(Request request) throws Failure, InterruptedException {
        Conninfo partner = config.partnerConninfo();
        String primary = partner.address();
        PrimaryServer.Facts facts = readPrimary(partner, SlotPlan.slotName(config.nodeName()));
        if (facts.inRecovery()) {
            throw new Failure(1, primary + " (partner_conninfo) is a standby, not a primary: clone from the primary");
        }
        if ("minimal".equals(facts.walLevel())) {
            throw new Failure(1, primary + " runs with wal_level = minimal: set wal_level = replica there (a restart)");
        }
        Path bindir = ServerLayout.bindir(config.pgBindir(), facts.major());
        checkTools(bindir, facts.major());
        CloneTarget.Choice choice = CloneTarget.choose(request.pgdata(), config.dataDirectory(), config.source(),
                facts.major(), Files::exists);
        Path dir = choice.directory();
        CloneTarget.Inspection target = inspect(dir);
        Optional<Path> configDirectory = configDirectory(request.configDirectory(), facts.major(), dir);
        step("partner " + primary + " is a primary, PostgreSQL " + facts.version() + "; data directory " + dir + " ("
                + choice.source() + ", " + target.state().name().toLowerCase().replace('_', ' ') + ")"
                + configDirectory.map(c -> "; this node's configuration stays in " + c).orElse(""));
        Path parent = dir.toAbsolutePath().getParent();
        Optional<String> refusal = CloneTarget.refusal(dir, target, request.force(),
                parent != null && Files.isWritable(parent), System.getProperty("user.name"));
        if (refusal.isPresent()) {
            throw new Failure(1, refusal.get());
        }
        Map<String, String> childEnv = childEnvironment(partner, env);
        checkReplicationAllowed(partner, childEnv);
        SlotPlan plan = SlotPlan.decide(SlotPlan.slotName(config.nodeName()), facts.slot(), primary);
        if (plan.action() == SlotPlan.Action.REFUSE) {
            throw new Failure(1, plan.reason());
        }
        return new Prepared(partner, facts, bindir, dir, target, configDirectory, childEnv, plan);
    }

    /** The old directory aside (--force) or an empty one's mode right; a slot that lost its WAL dropped. */
    private void makeRoom(Prepared p) throws Failure, InterruptedException {
        if (p.target().state() == CloneTarget.State.NOT_EMPTY) {
            moveAside(p.dir());
        } else if (p.target().state() == CloneTarget.State.EMPTY) {
            try {
                CloneTarget.restrictMode(p.dir()).ifPresent(this::step);
            } catch (IOException e) {
                throw new Failure(1, p.dir() + " has a mode PostgreSQL may refuse and it cannot be changed: " + e);
            }
        }
        String slot = p.plan().slotName();
        if (p.plan().action() == SlotPlan.Action.RECREATE) {
            try {
                dropSlot(p.partner(), slot);
            } catch (SQLException | TimeoutException e) {
                throw new Failure(1, "dropping replication slot " + slot + " on " + p.partner().address()
                        + " failed: " + Secrets.mask(e.getMessage()));
            }
        }
        step(p.plan().reason());
        if ("-1".equals(p.facts().maxSlotWalKeepSize())) {
            out.println("  note: " + p.partner().address() + " has max_slot_wal_keep_size = -1: while this node is"
                    + " away, slot " + slot + " keeps WAL on the primary without limit (set a limit there to bound it)");
        }
    }

    private PrimaryServer.Facts readPrimary(Conninfo partner, String slotName) throws Failure, InterruptedException {
        try (PgSession session = new PgSession(partner, env, Duration.ofSeconds(10), "clone-primary")) {
            return session.call(c -> PrimaryServer.read(c, slotName));
        } catch (SQLException e) {
            String why = ReplicationRefusal.explain(e.getMessage(), partner.address(), partner.user())
                    .orElse(Secrets.mask(e.getMessage()) + (e.getSQLState() != null ? " [SQLSTATE " + e.getSQLState()
                            + "]" : ""));
            throw new Failure(1, "cannot read the partner " + partner.address() + " (partner_conninfo): " + why);
        } catch (TimeoutException e) {
            throw new Failure(1, "the partner " + partner.address() + " (partner_conninfo) does not answer: "
                    + e.getMessage());
        }
    }

    /** pg_basebackup, pg_ctl and postgres of the primary's major version. */
    private void checkTools(Path bindir, int major) throws Failure, InterruptedException {
        for (String tool : List.of("pg_basebackup", "pg_ctl", "postgres")) {
            if (!Files.isExecutable(bindir.resolve(tool))) {
                throw new Failure(2, tool + " not found at " + bindir.resolve(tool) + ": the primary runs PostgreSQL "
                        + major + "; install its server package here or set pg_bindir in " + config.source());
            }
        }
        CommandRunner.Completed version = exec("pg_basebackup --version",
                List.of(bindir.resolve("pg_basebackup").toString(), "--version"), Map.of(), Duration.ofSeconds(30));
        String line = version.lastLine();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(PostgreSQL\\) (\\d+)").matcher(line);
        if (!m.find() || Integer.parseInt(m.group(1)) != major) {
            throw new Failure(2, bindir + " holds " + line + ", but the primary runs PostgreSQL " + major
                    + ": set pg_bindir to PostgreSQL " + major + "'s bindir");
        }
    }

    private CloneTarget.Inspection inspect(Path dir) throws Failure {
        try {
            return CloneTarget.inspect(dir);
        } catch (IOException e) {
            throw new Failure(1, "cannot read " + dir + " as OS user " + System.getProperty("user.name") + ": " + e);
        }
    }

    private Optional<Path> configDirectory(Path explicit, int major, Path dir) throws Failure {
        try {
            Optional<Path> found = explicit != null ? Optional.of(explicit.toAbsolutePath().normalize())
                    : CloneTarget.debianConfigDirectory(etcPostgresql, major, dir);
            if (found.isPresent()) {
                Path conf = found.get().resolve("postgresql.conf");
                if (!Files.isRegularFile(conf)) {
                    throw new Failure(2, "--config-dir " + found.get() + " has no postgresql.conf");
                }
                Optional<Path> named = CloneTarget.namedDataDirectory(conf);
                if (named.isEmpty() || !named.get().equals(dir)) {
                    throw new Failure(2, conf + " sets data_directory = " + named.map(Path::toString).orElse("nothing")
                            + ", not " + dir + ": the server started from it would not use the copy");
                }
            }
            return found;
        } catch (IOException e) {
            throw new Failure(1, "reading this node's configuration directory failed: " + e);
        }
    }

    /**
     * The password reaches pg_basebackup only through its environment: the one in partner_conninfo, or the one
     * keeper's own rules find (PGPASSWORD, passfile, PGPASSFILE, ~/.pgpass for the conninfo's database) when libpq,
     * which looks .pgpass up for the database "replication", would not find the same one itself.
     */
    static Map<String, String> childEnvironment(Conninfo partner, Map<String, String> env) {
        Map<String, String> child = new HashMap<>();
        child.put("LC_ALL", "C");
        child.put("PGCONNECT_TIMEOUT", "10");
        if (partner.hasPassword()) {
            child.put("PGPASSWORD", partner.get("password"));
        } else if (!env.containsKey("PGPASSWORD")) {
            Optional<String> keepers = partner.resolvePassword(env);
            Optional<String> libpqs = Conninfo.parse(partner.withoutPassword() + " dbname=replication")
                    .resolvePassword(env);
            keepers.filter(password -> !keepers.equals(libpqs)).ifPresent(p -> child.put("PGPASSWORD", p));
        }
        return child;
    }

    private void checkReplicationAllowed(Conninfo partner, Map<String, String> childEnv) throws Failure {
        Map<String, String> withPassword = new HashMap<>(env);
        withPassword.putAll(childEnv);
        Optional<SQLException> refused = PrimaryServer.refusesReplication(partner, withPassword);
        if (refused.isPresent()) {
            SQLException e = refused.get();
            throw new Failure(1, ReplicationRefusal.explain(e.getMessage(), partner.address(), partner.user())
                    .orElse(partner.address() + " refused a replication connection: " + Secrets.mask(e.getMessage())
                            + " [SQLSTATE " + e.getSQLState() + "]"));
        }
    }

    private void moveAside(Path dir) throws Failure {
        Path aside = CloneTarget.asideName(dir, LocalDateTime.now());
        try {
            Files.move(dir, aside);
        } catch (IOException e) {
            throw new Failure(1, "--force: could not move " + dir + " aside to " + aside + ": " + e
                    + " (a mount point cannot be renamed: empty it instead)");
        }
        step("--force: moved the old " + dir + " aside to " + aside + " (remove it once the standby runs)");
    }

    /** Drops the slot if it is idle; a failure is the caller's to report. */
    private boolean dropSlot(Conninfo partner, String slotName)
            throws SQLException, TimeoutException, InterruptedException {
        try (PgSession session = new PgSession(partner, env, Duration.ofSeconds(10), "clone-slot")) {
            return session.call(c -> PrimaryServer.dropIdleSlot(c, slotName));
        }
    }

    private void copy(Path bindir, Path dir, Conninfo partner, SlotPlan plan, Map<String, String> childEnv)
            throws Failure, InterruptedException {
        List<String> command = BaseBackup.command(bindir, dir, partner, config.nodeName(), plan);
        step("copying " + partner.address() + " with " + Secrets.mask(String.join(" ", command))
                + " (a fast checkpoint on the primary first)");
        BaseBackup backup = new BaseBackup(this::progressLine);
        CommandRunner.Completed done = exec("pg_basebackup", command, childEnv, COPY_LIMIT, backup);
        if (!done.succeeded()) {
            if (plan.action() != SlotPlan.Action.REUSE) {
                dropCreatedSlot(partner, plan.slotName());
            }
            throw new Failure(1, backup.failure(done, partner, COPY_LIMIT.toHours()));
        }
        step(backup.summary() + "; -R wrote standby.signal, primary_conninfo and primary_slot_name = '"
                + plan.slotName() + "' in " + dir.resolve("postgresql.auto.conf"));
    }

    /** A slot this clone created for a copy that failed would keep WAL on the primary for nobody. */
    private void dropCreatedSlot(Conninfo partner, String slotName) throws InterruptedException {
        try {
            if (dropSlot(partner, slotName)) {
                out.println("dropped replication slot " + slotName + " on " + partner.address()
                        + " again (the copy failed)");
            }
        } catch (SQLException | TimeoutException e) {
            out.println("could not drop replication slot " + slotName + " on " + partner.address() + " after the failed"
                    + " copy (" + Secrets.mask(e.getMessage()) + "): drop it there with SELECT"
                    + " pg_drop_replication_slot('" + slotName + "')");
        }
    }

    /** The primary's postgresql.conf and pg_hba.conf, copied into the data directory, are not this node's. */
    private void noteUnusedCopies(Path dir, Path configDirectory) {
        List<String> copies = new ArrayList<>();
        for (String name : List.of("postgresql.conf", "pg_hba.conf", "pg_ident.conf")) {
            if (Files.exists(dir.resolve(name))) {
                copies.add(name);
            }
        }
        if (!copies.isEmpty()) {
            out.println("  note: the primary's " + String.join(", ", copies) + " came along into " + dir
                    + "; they are not used: this node's own are in " + configDirectory);
        }
    }

    private void startServer(ServerStart start) throws Failure, InterruptedException {
        for (List<String> preparation : start.preparations()) {
            exec(preparation.get(0), preparation, Map.of(), Duration.ofSeconds(30));
        }
        step("starting the server: " + String.join(" ", start.command()));
        CommandRunner.Completed started = exec("pg_ctl", start.command(), Map.of(),
                START_WAIT.plusSeconds(15));
        if (!started.succeeded()) {
            throw new Failure(1, String.join(" ", start.command()) + " exited with " + started.exitCode() + ": "
                    + started.lastLine() + "; the server said: " + lastLogLine(start.log()) + " (all its messages are"
                    + " in " + start.log() + ")");
        }
    }

    /** The server log's last FATAL or PANIC line, else its last line: why a start failed, in one line. */
    static String lastLogLine(Path log) {
        try (java.util.stream.Stream<String> lines = Files.lines(log)) {
            List<String> all = lines.filter(l -> !l.isBlank()).toList();
            for (int i = all.size() - 1; i >= 0; i--) {
                if (all.get(i).contains("FATAL:") || all.get(i).contains("PANIC:")) {
                    return all.get(i).strip();
                }
            }
            return all.isEmpty() ? "(nothing)" : all.get(all.size() - 1).strip();
        } catch (IOException | java.io.UncheckedIOException e) {
            return "(its log cannot be read: " + e.getMessage() + ")";
        }
    }

    /** Until pg_stat_wal_receiver says streaming; then prints how far the standby is behind the primary. */
    private void awaitStreaming(Conninfo partner, String slotName, Duration timeout, ServerStart start)
            throws Failure, InterruptedException {
        try (PgSession local = new PgSession(config.myConninfo(), env, Duration.ofSeconds(2), "clone-standby");
             PgSession remote = new PgSession(partner, env, Duration.ofSeconds(10), "clone-primary")) {
            StandbyWatch.Streaming streaming = StandbyWatch.awaitStreaming(local, remote, timeout, POLL);
            step(config.nodeName() + " streams from " + partner.address() + " through slot " + slotName + ": "
                    + streaming.lagBytes() + " bytes behind the primary (replayed up to " + streaming.replayLsn() + ")");
        } catch (StandbyWatch.NotStreaming e) {
            throw new Failure(1, "the server does not stream after " + timeout.toSeconds() + " s: " + e.getMessage()
                    + "; its messages are in " + start.log());
        }
    }

    private CommandRunner.Completed exec(String what, List<String> command, Map<String, String> childEnv,
                                         Duration timeout) throws Failure, InterruptedException {
        return exec(what, command, childEnv, timeout, line -> { });
    }

    private CommandRunner.Completed exec(String what, List<String> command, Map<String, String> childEnv,
                                         Duration timeout, java.util.function.Consumer<String> lines)
            throws Failure, InterruptedException {
        try {
            return runner.run(command, childEnv, timeout, lines);
        } catch (IOException e) {
            throw new Failure(1, "could not run " + what + " (" + command.get(0) + "): " + e.getMessage());
        }
    }

    private synchronized void progressLine(String line) {
        out.println("  " + line);
        out.flush();
    }

    private synchronized void step(String what) {
        out.printf("%6.1f s  %s%n", (System.nanoTime() - startNanos) / 1e9, what);
        out.flush();
    }
}
