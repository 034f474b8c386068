package io.keeper.clone;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why a primary refused a replication connection, as one line saying what to change there: the exact pg_hba.conf
 * line (with the client address the primary saw), the ALTER ROLE, the password. Reads the server's own message,
 * from a JDBC exception or from pg_basebackup's output (LC_ALL=C), so it works for both.
 */
final class ReplicationRefusal {

    private static final Pattern NO_HBA_ENTRY = Pattern.compile(
            "(no pg_hba\\.conf entry|pg_hba\\.conf rejects) (?:for )?replication connection (?:from|for) host \"([^\"]+)\","
                    + " user \"([^\"]+)\"(?:, (no encryption|SSL encryption|GSS encryption))?");
    private static final Pattern NO_REPLICATION_ROLE = Pattern.compile(
            "must be superuser or replication role to start walsender|permission denied to start WAL sender");
    private static final Pattern WRONG_PASSWORD = Pattern.compile(
            "password authentication failed for user \"([^\"]+)\"");
    private static final Pattern NO_PASSWORD = Pattern.compile(
            "no password supplied|but no password was provided");
    private static final Pattern NO_LOGIN = Pattern.compile("role \"([^\"]+)\" is not permitted to log in");
    private static final Pattern NO_WAL_SENDERS = Pattern.compile(
            "number of requested standby connections exceeds max_wal_senders \\(currently (\\d+)\\)");

    private ReplicationRefusal() {
    }

    /**
     * The one-line explanation for a refusal by {@code primary} (host:port) of role {@code user}; empty when the text
     * is no refusal this knows.
     */
    static Optional<String> explain(String text, String primary, String user) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = NO_HBA_ENTRY.matcher(text);
        if (m.find()) {
            String line = hbaLine(m.group(2), m.group(3), m.group(4));
            return Optional.of(m.group(1).startsWith("no")
                    ? primary + " has no pg_hba.conf line for replication from " + m.group(2) + " as " + m.group(3)
                    + ": add `" + line + "` to its pg_hba.conf and run SELECT pg_reload_conf() there"
                    : "a line of " + primary + "'s pg_hba.conf rejects replication from " + m.group(2) + " as "
                    + m.group(3) + ": put `" + line + "` above it and run SELECT pg_reload_conf() there");
        }
        if (NO_REPLICATION_ROLE.matcher(text).find()) {
            return Optional.of("role " + user + " may not replicate from " + primary + ": run ALTER ROLE "
                    + identifier(user) + " REPLICATION there (or use a role that has it in partner_conninfo)");
        }
        m = WRONG_PASSWORD.matcher(text);
        if (m.find()) {
            return Optional.of(primary + " refused the password of role " + m.group(1) + ": fix it in"
                    + " partner_conninfo or in the .pgpass line for " + primary + " (database field * or replication)");
        }
        if (NO_PASSWORD.matcher(text).find()) {
            return Optional.of(primary + " asks role " + user + " for a password and none was found: put it in"
                    + " ~/.pgpass as " + primary + ":*:" + user + ":PASSWORD (mode 600) or in partner_conninfo");
        }
        m = NO_LOGIN.matcher(text);
        if (m.find()) {
            return Optional.of("role " + m.group(1) + " may not log in to " + primary + ": run ALTER ROLE "
                    + identifier(m.group(1)) + " LOGIN REPLICATION there");
        }
        m = NO_WAL_SENDERS.matcher(text);
        if (m.find()) {
            return Optional.of(primary + " allows no more replication connections (max_wal_senders = " + m.group(1)
                    + "): raise max_wal_senders there (a restart) or end a connection it holds");
        }
        return Optional.empty();
    }

    /** host replication USER ADDRESS/32 scram-sha-256; hostssl when the refused connection used SSL. */
    static String hbaLine(String address, String user, String encryption) {
        String type = "SSL encryption".equals(encryption) ? "hostssl" : "GSS encryption".equals(encryption)
                ? "hostgssenc" : "host";
        String mask = address.contains(":") ? "/128" : "/32";
        return type + " replication " + hbaUser(user) + " " + address + mask + " scram-sha-256";
    }

    private static String hbaUser(String user) {
        return user.matches("[A-Za-z0-9_]+") ? user : "\"" + user.replace("\"", "\"\"") + "\"";
    }

    /** A role name as SQL needs it: bare when lower-case letters, digits and _, else double-quoted. */
    static String identifier(String name) {
        return name.matches("[a-z_][a-z0-9_]*") ? name : "\"" + name.replace("\"", "\"\"") + "\"";
    }
}
