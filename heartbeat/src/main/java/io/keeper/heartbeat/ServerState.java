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
 * @param nodeName the node_name the server's keeper published (keeper.node_name), or ""
 * @param fenced why keeper fenced this server (keeper.fenced), or "" when it is not fenced
 * @param walReceiverAgeMs on a streaming standby, ms since the last message from the primary; else null
 * @param replayPaused true when WAL replay is paused on a standby
 * @param replayLsn last replayed WAL position on a standby, else null
 * @param term the lease term this server's keeper recorded on it (keeper.term), or 0 when none
 * @param pendingEvent an event keeper announced before promoting and has not recorded yet (keeper.pending_event)
 * @param paused the maintenance pause `keeper pause` recorded on this server (keeper.paused), or "" when none
 * @param receivedTimeline on a streaming standby, the timeline of the WAL its receiver gets (received_tli); else
 *                         null. A demoted primary whose WAL diverged streams its old timeline again and again and
 *                         never follows the new primary's: this tells the two apart.
 * @param switchover a planned switchover `keeper switchover` recorded on this server (keeper.switchover), or ""
 */
public record ServerState(boolean inRecovery, int timeline, String lsn, long systemIdentifier,
                          String synchronousStandbyNames, String savedSynchronousStandbyNames,
                          int streamingStandbys, String nodeName, String fenced, Long walReceiverAgeMs,
                          boolean replayPaused, String replayLsn, long term, String pendingEvent,
                          String paused, Integer receivedTimeline, String switchover) {

    /** A state without a switchover request recorded on the server. */
    public ServerState(boolean inRecovery, int timeline, String lsn, long systemIdentifier,
                       String synchronousStandbyNames, String savedSynchronousStandbyNames,
                       int streamingStandbys, String nodeName, String fenced, Long walReceiverAgeMs,
                       boolean replayPaused, String replayLsn, long term, String pendingEvent, String paused,
                       Integer receivedTimeline) {
        this(inRecovery, timeline, lsn, systemIdentifier, synchronousStandbyNames, savedSynchronousStandbyNames,
                streamingStandbys, nodeName, fenced, walReceiverAgeMs, replayPaused, replayLsn, term, pendingEvent,
                paused, receivedTimeline, "");
    }

    /** A state as the probe read it before received_tli was read (tests). */
    public ServerState(boolean inRecovery, int timeline, String lsn, long systemIdentifier,
                       String synchronousStandbyNames, String savedSynchronousStandbyNames,
                       int streamingStandbys, String nodeName, String fenced, Long walReceiverAgeMs,
                       boolean replayPaused, String replayLsn, long term, String pendingEvent, String paused) {
        this(inRecovery, timeline, lsn, systemIdentifier, synchronousStandbyNames, savedSynchronousStandbyNames,
                streamingStandbys, nodeName, fenced, walReceiverAgeMs, replayPaused, replayLsn, term, pendingEvent,
                paused, walReceiverAgeMs == null ? null : timeline);
    }

    /** A state without a maintenance pause recorded on the server. */
    public ServerState(boolean inRecovery, int timeline, String lsn, long systemIdentifier,
                       String synchronousStandbyNames, String savedSynchronousStandbyNames,
                       int streamingStandbys, String nodeName, String fenced, Long walReceiverAgeMs,
                       boolean replayPaused, String replayLsn, long term, String pendingEvent) {
        this(inRecovery, timeline, lsn, systemIdentifier, synchronousStandbyNames, savedSynchronousStandbyNames,
                streamingStandbys, nodeName, fenced, walReceiverAgeMs, replayPaused, replayLsn, term, pendingEvent, "");
    }

    /** A state without a recorded lease term (servers of a pair without a witness, tests). */
    public ServerState(boolean inRecovery, int timeline, String lsn, long systemIdentifier,
                       String synchronousStandbyNames, String savedSynchronousStandbyNames,
                       int streamingStandbys, String nodeName, String fenced, Long walReceiverAgeMs,
                       boolean replayPaused, String replayLsn) {
        this(inRecovery, timeline, lsn, systemIdentifier, synchronousStandbyNames, savedSynchronousStandbyNames,
                streamingStandbys, nodeName, fenced, walReceiverAgeMs, replayPaused, replayLsn, 0L, "");
    }

    /** A state without keeper's published settings and WAL receiver details (tests, old callers). */
    public ServerState(boolean inRecovery, int timeline, String lsn, long systemIdentifier,
                       String synchronousStandbyNames, String savedSynchronousStandbyNames, int streamingStandbys) {
        this(inRecovery, timeline, lsn, systemIdentifier, synchronousStandbyNames, savedSynchronousStandbyNames,
                streamingStandbys, "", "", null, false, null, 0L, "");
    }

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
            + " (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'),"
            + " coalesce(current_setting('keeper.node_name', true), ''),"
            + " coalesce(current_setting('keeper.fenced', true), ''),"
            + " (SELECT (extract(epoch FROM clock_timestamp() - last_msg_receipt_time) * 1000)::bigint"
            + "    FROM pg_stat_wal_receiver WHERE status = 'streaming'),"
            + " CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,"
            + " CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text END,"
            + " coalesce(nullif(current_setting('keeper.term', true), ''), '0')::bigint,"
            + " coalesce(current_setting('keeper.pending_event', true), ''),"
            + " coalesce(current_setting('keeper.paused', true), ''),"
            + " (SELECT received_tli FROM pg_stat_wal_receiver WHERE status = 'streaming'),"
            + " coalesce(current_setting('keeper.switchover', true), '')";

    public boolean isFenced() {
        return !fenced.isEmpty();
    }

    public String role() {
        return inRecovery ? "standby" : "primary";
    }

    /** The WAL position as a byte number, for comparing two positions. */
    public long lsnBytes() {
        return parseLsn(lsn);
    }

    /** A byte position as PostgreSQL writes an LSN: 16/B374D848. */
    public static String formatLsn(long bytes) {
        return Long.toHexString(bytes >>> 32).toUpperCase() + "/" + Long.toHexString(bytes & 0xFFFFFFFFL).toUpperCase();
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
