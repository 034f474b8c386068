package io.keeper.clone;

import io.keeper.heartbeat.Conninfo;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/** What a clone reads from the partner before copying it, over an ordinary session and a replication one. */
final class PrimaryServer {

    /**
     * @param clientAddress          this host's address as the primary sees it (inet_client_addr), null over a socket
     * @param maxSlotWalKeepSize     SHOW max_slot_wal_keep_size ("-1": a slot keeps WAL without limit)
     */
    record Facts(boolean inRecovery, int major, String version, String clientAddress, String maxSlotWalKeepSize,
                 String walLevel, Optional<SlotPlan.SlotState> slot) {
    }

    private PrimaryServer() {
    }

    static Facts read(Connection c, String slotName) throws SQLException {
        Facts facts;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_is_in_recovery(),"
                + " current_setting('server_version_num')::int, current_setting('server_version'),"
                + " host(inet_client_addr()), current_setting('max_slot_wal_keep_size'), current_setting('wal_level')")) {
            rs.next();
            facts = new Facts(rs.getBoolean(1), rs.getInt(2) / 10000, rs.getString(3), rs.getString(4), rs.getString(5),
                    rs.getString(6), Optional.empty());
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT slot_type, active, active_pid,"
                + " (SELECT host(client_addr) FROM pg_stat_replication r WHERE r.pid = s.active_pid), wal_status::text"
                + " FROM pg_replication_slots s WHERE slot_name = ?")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    int pid = rs.getInt(3);
                    return new Facts(facts.inRecovery(), facts.major(), facts.version(), facts.clientAddress(),
                            facts.maxSlotWalKeepSize(), facts.walLevel(), Optional.of(new SlotPlan.SlotState(
                            rs.getString(1), rs.getBoolean(2), rs.wasNull() ? null : pid, rs.getString(4),
                            rs.getString(5))));
                }
            }
        }
        return facts;
    }

    /** Drops the slot if it is still idle; true when it was dropped. */
    static boolean dropIdleSlot(Connection c, String slotName) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name)"
                + " FROM pg_replication_slots WHERE slot_name = ? AND NOT active")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** How many bytes of WAL the primary has written beyond {@code replayed}. */
    static long lagBehind(Connection c, String replayed) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), ?::pg_lsn)::bigint")) {
            ps.setString(1, replayed);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return Math.max(0, rs.getLong(1));
            }
        }
    }

    /**
     * Opens and closes a physical replication connection the way pg_basebackup will (same role, same password), so
     * a refusal is seen with its SQLState before anything is moved; empty when the primary accepts it.
     */
    static Optional<SQLException> refusesReplication(Conninfo partner, Map<String, String> env) {
        Properties props = partner.jdbcProperties(env);
        props.setProperty("replication", "true");
        props.setProperty("assumeMinServerVersion", "10");
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("connectTimeout", "10");
        props.setProperty("loginTimeout", "10");
        try (Connection ignored = DriverManager.getConnection(partner.jdbcUrl(), props)) {
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of(e);
        }
    }
}
