package io.keeper.heartbeat;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/** Tells a dead or unreachable server from one that is alive but refuses us, from a probe's exception. */
public final class ProbeClassifier {

    /**
     * SQLStates a live server sends when it will not serve us. 28P01 wrong password, 28000 authorization
     * (pg_hba) rejected, 53300 too many connections, 57P03 starting up / shutting down / in recovery
     * mode, 3D000 database does not exist, 42501 permission denied, 53000 insufficient resources.
     */
    private static final Set<String> ALIVE_BUT_REFUSING = Set.of("28P01", "28000", "53300", "57P03", "3D000",
            "42501", "53000");

    private ProbeClassifier() {
    }

    public static ProbeOutcome classify(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return ProbeOutcome.UNREACHABLE;
        }
        String sqlState = sqlState(failure);
        if (sqlState != null && ALIVE_BUT_REFUSING.contains(sqlState)) {
            return ProbeOutcome.REFUSED;
        }
        return ProbeOutcome.UNREACHABLE;
    }

    public static String sqlState(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
                return ((SQLException) t).getSQLState();
            }
        }
        return null;
    }

    /** One line saying what went wrong, naming the root cause (never a password: the driver does not echo it). */
    public static String describe(Throwable failure) {
        if (failure instanceof TimeoutException) {
            return failure.getMessage();
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = firstLine(failure.getMessage());
        if (root instanceof UnknownHostException) {
            return "unknown host " + firstLine(root.getMessage());
        }
        if (root instanceof ConnectException || root instanceof NoRouteToHostException
                || root instanceof SocketTimeoutException) {
            return firstLine(root.getMessage()) + (top.isEmpty() ? "" : " (" + top + ")");
        }
        return top.isEmpty() ? root.getClass().getSimpleName() : top;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl >= 0 ? s.substring(0, nl) : s).strip();
    }
}
