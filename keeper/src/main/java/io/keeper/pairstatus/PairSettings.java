package io.keeper.pairstatus;

import io.keeper.config.KeeperConfig;
import io.keeper.heartbeat.Conninfo;
import io.keeper.heartbeat.PgSession;
import io.keeper.role.ServerSettings;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * Writes one of keeper's settings (keeper.paused, keeper.switchover) on both servers of the pair, or removes it,
 * each through its own conninfo, at the same time. Both keepers read them from their servers at every run, so a
 * request reaches them without a third service and holds through restarts of keeper and PostgreSQL.
 */
public final class PairSettings {

    /** Each server gets this long to take the setting. */
    static final Duration DEADLINE = Duration.ofSeconds(10);

    /**
     * What happened on one server.
     *
     * @param which "this node's server" or "the partner's server"
     * @param address host:port, never the password
     * @param error why it failed, or null when the setting was written and reloaded
     */
    public record Outcome(String which, String address, String error) {
        public boolean ok() {
            return error == null;
        }

        public String describe() {
            return which + " " + address + (ok() ? "" : ": " + error);
        }
    }

    private PairSettings() {
    }

    /** Writes {@code value} to one of keeper's settings on both servers, or removes it when value is null. */
    public static List<Outcome> apply(KeeperConfig config, String setting, String value) throws InterruptedException {
        return PairInspector.onBoth(config, "settings", (which, conninfo) -> write(which, conninfo, setting, value));
    }

    private static Outcome write(String which, Conninfo conninfo, String setting, String value) {
        try (PgSession session = new PgSession(conninfo, System.getenv(), DEADLINE, "pause-" + conninfo.address())) {
            session.call(c -> {
                ServerSettings.alter(c, setting, value);
                return null;
            });
            return new Outcome(which, conninfo.address(), null);
        } catch (SQLException e) {
            return new Outcome(which, conninfo.address(), firstLine(e.getMessage()) + (e.getSQLState() == null ? ""
                    : " (SQLSTATE " + e.getSQLState() + ")"));
        } catch (TimeoutException e) {
            return new Outcome(which, conninfo.address(), "no answer within " + DEADLINE.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(which, conninfo.address(), "interrupted");
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unknown error";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
