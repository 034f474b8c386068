package io.keeper.e2e;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small SQL helpers for assertions on a node's real state. */
final class Sql {

    private Sql() {
    }

    /** The rows of a query as column → text maps; fails the test if the node cannot answer. */
    static List<Map<String, String>> rows(PgNode node, String query) {
        try (Connection c = node.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query)) {
            List<Map<String, String>> out = new ArrayList<>();
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= columns; i++) {
                    row.put(rs.getMetaData().getColumnName(i), rs.getString(i));
                }
                out.add(row);
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("Query on " + node + " failed: " + query, e);
        }
    }

    static String value(PgNode node, String query) {
        List<Map<String, String>> rows = rows(node, query);
        return rows.isEmpty() ? null : rows.get(0).values().iterator().next();
    }

    static void execute(PgNode node, String statement) {
        try (Connection c = node.connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException("Statement on " + node + " failed: " + statement, e);
        }
    }

    /**
     * The failover_log rows of a node, newest first. A missing table is not "no rows": it fails, naming the node
     * (keeper creates the table on every primary it runs beside, and a standby receives it); see {@link #hasTable}.
     */
    static List<Map<String, String>> failoverLog(PgNode node) {
        if (!hasTable(node, "failover_log")) {
            throw new IllegalStateException("no failover_log table on " + node);
        }
        return rows(node, "SELECT * FROM failover_log ORDER BY unixtime DESC");
    }

    static boolean hasTable(PgNode node, String table) {
        return "t".equals(value(node, "SELECT to_regclass('" + table + "') IS NOT NULL"));
    }

    /** Counts non-overlapping occurrences of needle in text. */
    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
