package io.keeper.e2e;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.testcontainers.containers.Network;

/** node1 (primary) and node2 (streaming standby) on a Docker network of their own. */
public final class PgPair implements AutoCloseable {
    /** Marks the containers and networks of the e2e tests, so prepare.sh can prune leftovers. */
    static final String LABEL = "io.keeper.e2e";

    private final Network network;
    private final PgNode node1;
    private final PgNode node2;

    private PgPair(Network network, PgNode node1, PgNode node2) {
        this.network = network;
        this.node1 = node1;
        this.node2 = node2;
    }

    /** A pair with keeper on both nodes, each with {@link KeeperConf#defaults}. */
    public static PgPair withDefaultKeepers() {
        return start(KeeperConf::defaults);
    }

    /** A pair without keeper: plain streaming replication. */
    public static PgPair withoutKeeper() {
        return start(node -> null);
    }

    /**
     * Boots node1, then node2 from a base backup of node1, and returns once node2 streams.
     * {@code keeperConf} maps a node name to its keeper.conf, or to null for no keeper on it.
     */
    public static PgPair start(Function<String, KeeperConf> keeperConf) {
        return start(keeperConf, java.util.Set.of());
    }

    /** As {@link #start(Function)}; on the nodes named in manualKeepers keeper waits for startKeeper(). */
    public static PgPair start(Function<String, KeeperConf> keeperConf, java.util.Set<String> manualKeepers) {
        KeeperImage.ensure();
        Network network = Network.builder()
                .createNetworkCmdModifier(cmd -> cmd.withLabels(Map.of(LABEL, "true"))).build();
        PgNode node1 = new PgNode("node1", "primary", network, keeperConf.apply("node1"),
                !manualKeepers.contains("node1"));
        PgNode node2 = new PgNode("node2", "standby", network, keeperConf.apply("node2"),
                !manualKeepers.contains("node2"));
        PgPair pair = new PgPair(network, node1, node2);
        try {
            node1.start();
            node2.start();
            pair.awaitStreaming(node1, node2, Duration.ofSeconds(60));
            return pair;
        } catch (RuntimeException | Error e) {
            pair.close();
            throw e;
        }
    }

    /** The other node's name (and network alias): node1 for node2 and the other way round. */
    public static String partnerOf(String node) {
        return switch (node) {
            case "node1" -> "node2";
            case "node2" -> "node1";
            default -> throw new IllegalArgumentException("Unknown node " + node + ", expected node1 or node2");
        };
    }

    public PgNode node1() {
        return node1;
    }

    public PgNode node2() {
        return node2;
    }

    /** Waits until {@code primary}'s pg_stat_replication shows {@code standby} streaming. */
    public void awaitStreaming(PgNode primary, PgNode standby, Duration max) {
        Await.until(standby + " to stream from " + primary, max,
                () -> replicationState(primary, standby), "streaming"::equals);
    }

    @Override
    public void close() {
        node2.close();
        node1.close();
        network.close();
    }

    private static String replicationState(PgNode primary, PgNode standby) {
        try (Connection c = primary.connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT state FROM pg_stat_replication WHERE application_name = '"
                        + standby.name() + "'")) {
            return rs.next() ? rs.getString(1) : "no walsender for " + standby;
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot read pg_stat_replication on " + primary, e);
        }
    }
}
