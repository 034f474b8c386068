package io.keeper.failoverlog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * SQL for the failover_log table. Its first two columns stay unixtime and host, so the query users
 * already run, SELECT * FROM failover_log ORDER BY unixtime DESC LIMIT 1, keeps working.
 */
public final class FailoverLogTable {

    private final String table;
    /** The name as SQL text, quoted by the server (quote_ident) the first time a connection is at hand. */
    private volatile String quoted;

    /** table is a validated, lower-case, optionally schema-qualified name (see ValueType.TABLE_NAME). */
    public FailoverLogTable(String table) {
        this.table = table;
    }

    public String name() {
        return table;
    }

    /**
     * The name as it goes into SQL text, each part quoted by the server itself, so that a reserved word (order,
     * user) works as a table or schema name and nothing keeper builds can change the statement.
     */
    String sqlName(Connection c) throws SQLException {
        String q = quoted;
        if (q == null) {
            try (PreparedStatement st = c.prepareStatement("SELECT string_agg(quote_ident(part), '.' ORDER BY n)"
                    + " FROM unnest(string_to_array(?, '.')) WITH ORDINALITY AS t(part, n)")) {
                st.setString(1, table);
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    q = rs.getString(1);
                }
            }
            quoted = q;
        }
        return q;
    }

    /** The table definition; sql/failover_log.sql holds the same text for the default name. */
    public String ddl() {
        return ddl(table);
    }

    private static String ddl(String name) {
        return "CREATE TABLE IF NOT EXISTS " + name + " (\n"
                + "    unixtime         bigint      NOT NULL,\n"
                + "    host             text        NOT NULL,\n"
                + "    event            text        NOT NULL DEFAULT 'promoted',\n"
                + "    timeline         integer,\n"
                + "    lsn              pg_lsn,\n"
                + "    previous_primary text,\n"
                + "    reason           text,\n"
                + "    logged_at        timestamptz NOT NULL DEFAULT now(),\n"
                + "    term             bigint\n"
                + ");\n";
    }

    /** Columns added after keeper 1.0, so a table created by an older keeper gains them on the primary. */
    private static String upgrade(String name) {
        return "ALTER TABLE " + name + " ADD COLUMN IF NOT EXISTS term bigint";
    }

    public boolean exists(Connection c) throws SQLException {
        String name = sqlName(c);
        try (PreparedStatement st = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            st.setString(1, name);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Creates the table if it is missing; returns true if it created it. The transaction commits with
     * synchronous_commit = local so a dead synchronous standby cannot make it hang.
     */
    public boolean createIfMissing(Connection c) throws SQLException {
        String name = sqlName(c);
        if (exists(c)) {
            if (!hasColumn(c, "term")) {
                inLocalCommitTransaction(c, st -> st.execute(upgrade(name)));
            }
            return false;
        }
        inLocalCommitTransaction(c, st -> {
            int dot = name.indexOf('.');
            if (dot > 0) {
                st.execute("CREATE SCHEMA IF NOT EXISTS " + name.substring(0, dot));
            }
            st.execute(ddl(name));
        });
        return true;
    }

    private boolean hasColumn(Connection c, String column) throws SQLException {
        try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM pg_attribute"
                + " WHERE attrelid = to_regclass(?) AND attname = ? AND NOT attisdropped")) {
            st.setString(1, sqlName(c));
            st.setString(2, column);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getInt(1) > 0;
            }
        }
    }

    /** Writes one row, by the server's clock; returns the row as written. */
    public FailoverLogEntry insert(Connection c, String host, String event, Integer timeline, String lsn,
                                   String previousPrimary, String reason) throws SQLException {
        return insert(c, host, event, timeline, lsn, previousPrimary, reason, null);
    }

    /** Writes one row with the lease term, by the server's clock; returns the row as written. */
    public FailoverLogEntry insert(Connection c, String host, String event, Integer timeline, String lsn,
                                   String previousPrimary, String reason, Long term) throws SQLException {
        long[] unixtime = new long[1];
        String name = sqlName(c);
        inLocalCommitTransaction(c, st -> {
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + name
                    + " (unixtime, host, event, timeline, lsn, previous_primary, reason, term)"
                    + " VALUES (floor(extract(epoch FROM now()))::bigint, ?, ?, ?, ?::pg_lsn, ?, ?, ?) RETURNING unixtime")) {
                ins.setString(1, host);
                ins.setString(2, event);
                ins.setObject(3, timeline);
                ins.setString(4, lsn);
                ins.setString(5, previousPrimary);
                ins.setString(6, reason);
                ins.setObject(7, term, java.sql.Types.BIGINT);
                try (ResultSet rs = ins.executeQuery()) {
                    rs.next();
                    unixtime[0] = rs.getLong(1);
                }
            }
        });
        return new FailoverLogEntry(unixtime[0], host, event, timeline, lsn, previousPrimary, reason, term);
    }

    /** All rows, newest first; tolerates an older table that has only unixtime and host (pg_keeper's). */
    public List<FailoverLogEntry> readAll(Connection c) throws SQLException {
        List<FailoverLogEntry> rows = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM " + sqlName(c) + " ORDER BY unixtime DESC")) {
            Set<String> columns = columns(rs.getMetaData());
            while (rs.next()) {
                rows.add(new FailoverLogEntry(rs.getLong("unixtime"), rs.getString("host"),
                        columns.contains("event") ? rs.getString("event") : "promoted",
                        columns.contains("timeline") ? (Integer) rs.getObject("timeline") : null,
                        columns.contains("lsn") ? rs.getString("lsn") : null,
                        columns.contains("previous_primary") ? rs.getString("previous_primary") : null,
                        columns.contains("reason") ? rs.getString("reason") : null,
                        columns.contains("term") ? (Long) rs.getObject("term") : null));
            }
        }
        return rows;
    }

    private static Set<String> columns(ResultSetMetaData md) throws SQLException {
        Set<String> names = new HashSet<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
            names.add(md.getColumnName(i));
        }
        return names;
    }

    /** Work inside one transaction that does not wait for a synchronous standby to confirm. */
    @FunctionalInterface
    interface StatementWork {
        void run(Statement st) throws SQLException;
    }

    private static void inLocalCommitTransaction(Connection c, StatementWork work) throws SQLException {
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL synchronous_commit = local");
            work.run(st);
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
    }
}
