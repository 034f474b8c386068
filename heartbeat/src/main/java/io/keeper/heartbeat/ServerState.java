package io.keeper.heartbeat;

/**
 * What one look at a PostgreSQL server found: its role, timeline, WAL position and the settings keeper acts on.
 *
 * @param inRecovery true for a standby
 * @param timeline current timeline (from the WAL file name on a primary, the last checkpoint on a standby)
 * @param lsn current WAL write position on a primary, last received (else replayed) position on a standby
 * @param systemIdentifier pg_control's system identifier: equal on both nodes of one cluster
 * @param synchronousStandbyNames the server's synchronous_standby_names
 * @param savedSynchronousStandbyNames the value keeper saved when it cleared synchronous_standby_names, or ""
 * @param streamingStandbys how many WAL senders are streaming
 */
public record ServerState(boolean inRecovery, int timeline, String lsn, long systemIdentifier,
                          String synchronousStandbyNames, String savedSynchronousStandbyNames,
                          int streamingStandbys) {

    /** The query that fills a ServerState; one round trip, read-only, works on primaries and standbys. */
    static final String QUERY = "SELECT pg_is_in_recovery(),"
            + " CASE WHEN pg_is_in_recovery() THEN (SELECT timeline_id FROM pg_control_checkpoint())"
            + "      ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,"
            + " (CASE WHEN pg_is_in_recovery()"
            + "       THEN coalesce(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())"
            + "       ELSE pg_current_wal_lsn() END)::text,"
            + " (SELECT system_identifier FROM pg_control_system()),"
            + " current_setting('synchronous_standby_names'),"
            + " coalesce(current_setting('keeper.saved_synchronous_standby_names', true), ''),"
            + " (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming')";

    public String role() {
        return inRecovery ? "standby" : "primary";
    }

    /** The WAL position as a byte number, for comparing two positions. */
    public long lsnBytes() {
        return parseLsn(lsn);
    }

    public static long parseLsn(String lsn) {
        if (lsn == null || !lsn.contains("/")) {
            return -1;
        }
        int slash = lsn.indexOf('/');
        try {
            return (Long.parseLong(lsn.substring(0, slash), 16) << 32) | Long.parseLong(lsn.substring(slash + 1), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
