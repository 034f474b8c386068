package io.keeper.guard;

import io.keeper.aftercommand.AfterCommand;
import io.keeper.aftercommand.AfterCommandResult;
import io.keeper.config.KeeperConfig;
import io.keeper.config.Secrets;
import io.keeper.failoverlog.FailoverLogTable;
import io.keeper.heartbeat.JdbcServerProbe;
import io.keeper.heartbeat.PgSession;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.lease.Arbiters;
import io.keeper.lease.Lease;
import io.keeper.lease.LeaseException;
import io.keeper.lease.LeaseView;
import io.keeper.rejoin.StoppedServer;
import io.keeper.role.JdbcServer;
import io.keeper.role.ServerActionException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * keeper guard: looks at a stopped data directory, the partner and the witness lease, decides with
 * {@link GuardRules} whether the server may start as it is, and if not sets it up to boot as a standby.
 */
public final class BootGuard {

    /**
     * The result: the verdict and the facts behind it, for the one-line report, and what else the guard did.
     *
     * @param notes what else happened (the winner's failover_log row, after_command), one sentence each
     */
    public record Result(GuardRules.Verdict verdict, GuardFacts facts, java.util.List<String> notes) {
    }

    private final KeeperConfig config;
    private final StoppedServer server;
    private final Map<String, String> env;
    private final Duration probeLimit;
    private ProbeResult partnerProbe;

    public BootGuard(KeeperConfig config, Path dataDirectory, Map<String, String> env) {
        this.config = config;
        this.server = new StoppedServer(dataDirectory);
        this.env = env;
        // At boot the network may still be settling: give each look a little more than one heartbeat.
        Duration twice = config.keepaliveTime().multipliedBy(2);
        this.probeLimit = twice.compareTo(Duration.ofSeconds(2)) < 0 ? Duration.ofSeconds(2) : twice;
    }

    /** Observes, decides, and prepares the data directory when it must boot as a standby. */
    public Result run() throws GuardException {
        int major = server.majorVersion().orElseThrow(() -> new GuardException(GuardException.USAGE,
                server.path() + " is not a PostgreSQL data directory (no PG_VERSION); set data_directory or pass"
                        + " --pgdata"));
        GuardFacts facts = observe(major);
        GuardRules.Verdict verdict = GuardRules.decide(facts);
        java.util.List<String> notes = new java.util.ArrayList<>();
        if (verdict.outcome() == GuardRules.Outcome.START_AS_STANDBY && !facts.bootsInRecovery()) {
            try {
                server.prepareStandby(config.partnerConninfo().withoutPassword(),
                        config.partnerConninfo().resolvePassword(env).orElse(null), verdict.reason());
            } catch (IOException e) {
                throw new GuardException(GuardException.REFUSE, "must boot as a standby (" + verdict.reason()
                        + ") but writing standby.signal in " + server.path() + " failed: " + e.getMessage());
            }
            if (facts.partnerPrimary() && verdict.reason().startsWith("superseded")) {
                notes.add(recordOnWinner(facts, verdict.reason()));
            }
            notes.add(runAfterCommand(facts));
        }
        return new Result(verdict, facts, notes);
    }

    /** The winner's failover_log says this node was demoted, as when keeper demotes a running server. */
    private String recordOnWinner(GuardFacts facts, String reason) {
        try (PgSession session = new PgSession(config.partnerConninfo(), env, probeLimit, "guard-partner");
             JdbcServer winner = new JdbcServer(session, new FailoverLogTable(config.failoverLogTable()))) {
            winner.recordEvent(facts.partnerName(), "fenced", partnerProbe.state(), config.nodeName(),
                    config.nodeName() + " demoted at boot: " + reason);
            return "a fenced row was written to " + facts.partnerName() + "'s " + config.failoverLogTable();
        } catch (ServerActionException e) {
            return "could not write the fenced row on " + facts.partnerName() + ": " + e.getMessage();
        }
    }

    /** after_command with KEEPER_EVENT=fenced, before the server starts (a VIP hook drops the address). */
    private String runAfterCommand(GuardFacts facts) {
        if (config.afterCommand().isBlank()) {
            return "after_command is not set";
        }
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("KEEPER_EVENT", "fenced");
        vars.put("KEEPER_NODE_NAME", config.nodeName());
        vars.put("KEEPER_PARTNER", config.partnerConninfo().address());
        vars.put("KEEPER_TIMELINE", String.valueOf(facts.timeline()));
        vars.put("KEEPER_LSN", "");
        AfterCommandResult r = new AfterCommand(config.afterCommand(), Secrets.mask(config.afterCommand()),
                config.afterCommandTimeout()).run(vars);
        String how = r.startError() != null ? "could not start: " + r.startError()
                : r.timedOut() ? "killed after " + r.elapsed().toMillis() + " ms" : "exit code " + r.exitCode();
        return "after_command (KEEPER_EVENT=fenced): " + how;
    }

    private GuardFacts observe(int major) throws GuardException {
        boolean inRecovery = server.bootsInRecovery();
        String fenced;
        long term;
        try {
            fenced = server.autoConfSetting("keeper.fenced").orElse("");
            term = parseTerm(server.autoConfSetting("keeper.term").orElse("0"));
        } catch (IOException e) {
            throw new GuardException(GuardException.REFUSE, "reading " + server.path().resolve("postgresql.auto.conf")
                    + " failed: " + e.getMessage());
        }
        StoppedServer.ControlData control;
        Path bindir = config.pgBindir().isBlank() ? Path.of("/usr/lib/postgresql", String.valueOf(major), "bin")
                : Path.of(config.pgBindir().strip());
        try {
            control = server.controlData(bindir, Duration.ofSeconds(30));
        } catch (IOException e) {
            throw new GuardException(GuardException.REFUSE, e.getMessage() + " (is pg_bindir right?)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GuardException(GuardException.REFUSE, "interrupted while running pg_controldata");
        }
        ProbeResult partner;
        try (PgSession session = new PgSession(config.partnerConninfo(), env, probeLimit, "guard-partner")) {
            partner = new JdbcServerProbe(session).probe();
        }
        partnerProbe = partner;
        boolean foreign = partner.answered() && partner.state().systemIdentifier() != control.systemIdentifier();
        boolean same = partner.answered() && !foreign;
        String partnerName = same && !partner.state().nodeName().isEmpty() ? partner.state().nodeName()
                : config.partnerConninfo().address();
        String partnerSeen = foreign ? "it belongs to another cluster" : partner.describe();

        boolean arbiter = config.hasArbiter();
        boolean witnessAnswered = false;
        LeaseView lease = LeaseView.NONE;
        String leaseSeen = "no witness";
        if (arbiter) {
            try (Lease witness = Arbiters.open(config, env, probeLimit, "guard-witness")) {
                lease = witness.read(control.systemIdentifier());
                witnessAnswered = true;
                leaseSeen = witness.describe() + ": " + lease.describe();
            } catch (LeaseException e) {
                leaseSeen = e.getMessage();
            }
        }
        return new GuardFacts(config.nodeName(), inRecovery, fenced, control.timeline(), term, same,
                same && !partner.state().inRecovery(), same && partner.state().inRecovery(), foreign,
                same ? partner.state().timeline() : -1, partnerName, partnerSeen, arbiter, witnessAnswered,
                lease.holder(), lease != LeaseView.NONE, lease.term(), leaseSeen);
    }

    private static long parseTerm(String text) {
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
