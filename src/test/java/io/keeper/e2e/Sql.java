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

    /** The failover_log rows of a node, newest first; empty if the table does not exist there. */
    static List<Map<String, String>> failoverLog(PgNode node) {
        if (value(node, "SELECT to_regclass('failover_log') IS NOT NULL").equals("f")) {
            return List.of();
        }
        return rows(node, "SELECT * FROM failover_log ORDER BY unixtime DESC");
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
