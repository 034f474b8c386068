package io.keeper.election;

/**
 * One node of the pair as seen by whoever is choosing the rightful primary.
 *
 * @param name the node's node_name (or, when it published none, a stand-in such as its address)
 * @param address host:port of its server, never with a password
 * @param reachable whether its server answered the probe
 * @param primary whether its server is out of recovery
 * @param fenced whether keeper fenced its server (made it read-only)
 * @param timeline its server's timeline, or -1 when unknown
 * @param latestFailoverUnixtime unixtime of the newest failover_log row on its server, or null when there is none
 * @param latestFailoverHost host column of that row, or null
 * @param error why the probe failed, or null when it answered
 */
public record NodeView(String name, String address, boolean reachable, boolean primary, boolean fenced,
                       int timeline, Long latestFailoverUnixtime, String latestFailoverHost, String error) {

    /** A node that may take writes if it wins: it answered, is out of recovery and is not fenced. */
    public boolean isCandidate() {
        return reachable && primary && !fenced;
    }
}
