package io.keeper.role;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * ALTER SYSTEM for keeper's settings on a server: what keeper records there (keeper.fenced, keeper.paused...)
 * lives in postgresql.auto.conf, so it survives restarts of the server and of keeper.
 */
public final class ServerSettings {

    private ServerSettings() {
    }

    /**
     * ALTER SYSTEM, then a reload: each pair is a setting and its new value, null to RESET it. The session declares
     * each of keeper's own (custom) settings first and RESETs its own copy, so the reloaded value shows.
     */
    public static void alter(Connection c, String... settingsAndValues) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (int i = 0; i < settingsAndValues.length; i += 2) {
                String setting = settingsAndValues[i];
                String value = settingsAndValues[i + 1];
                boolean custom = setting.contains("."); // keeper.*: unknown to the server until declared
                if (custom) {
                    declare(st, setting);
                }
                st.execute(value == null ? "ALTER SYSTEM RESET " + setting
                        : "ALTER SYSTEM SET " + setting + " = " + literal(value));
                if (custom) {
                    st.execute("RESET " + setting);
                }
            }
            st.execute("SELECT pg_reload_conf()");
        }
    }

    /**
     * PostgreSQL 15 refuses ALTER SYSTEM on a custom setting the session has never seen, so the session
     * declares it first (with its current value, then RESET so the reloaded value shows through).
     */
    static void declare(Statement st, String setting) throws SQLException {
        st.execute("SELECT set_config('" + setting + "', coalesce(current_setting('" + setting
                + "', true), ''), false)");
    }

    /**
     * A string literal for ALTER SYSTEM, which takes no bind parameters: an escape string (E'...'), whose backslashes
     * mean the same whatever standard_conforming_strings is, with quotes and backslashes doubled.
     */
    static String literal(String value) {
        return "E'" + value.replace("\0", "").replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
