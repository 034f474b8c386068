package io.keeper.e2e;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.testcontainers.containers.Network;

/**
 * node1 (primary) and node2 (streaming standby) on a Docker network of their own, optionally with
 * standalone servers on the same network (a witness, another cluster) and a heartbeat-only network.
 */
public final class PgPair implements AutoCloseable {
    /** Marks the containers and networks of the e2e tests, so prepare.sh can prune leftovers. */
    static final String LABEL = "io.keeper.e2e";

    private final Network network;
    private final Network heartbeatNetwork;
    private final Map<String, PgNode> standalones = new LinkedHashMap<>();
    private PgNode node1;
    private PgNode node2;
    private EtcdCluster etcd;

    private PgPair(Network network, Network heartbeatNetwork) {
        this.network = network;
        this.heartbeatNetwork = heartbeatNetwork;
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
        return start(keeperConf, Set.of());
    }

    /** As {@link #start(Function)}; on the nodes named in manualKeepers keeper waits for startKeeper(). */
    public static PgPair start(Function<String, KeeperConf> keeperConf, Set<String> manualKeepers) {
        return builder().keepers(keeperConf).manualKeepers(manualKeepers).start();
    }

    /** For pairs with more than keeper configurations: standalone servers, a heartbeat network. */
    public static Builder builder() {
        return new Builder();
    }

    /** How a pair is set up; {@link #start()} boots it. */
    public static final class Builder {
        private Function<String, KeeperConf> keeperConf = KeeperConf::defaults;
        private Set<String> manualKeepers = Set.of();
        private final List<String> standaloneNames = new ArrayList<>();
        private boolean heartbeatNetwork;
        private int etcdMembers;
        private boolean emptyNode2;

        private Builder() {
        }

        /** Maps a node name to its keeper.conf, or to null for no keeper on it. */
        public Builder keepers(Function<String, KeeperConf> keeperConf) {
            this.keeperConf = keeperConf;
            return this;
        }

        /** On these nodes keeper waits for {@link PgNode#startKeeper()}. */
        public Builder manualKeepers(Set<String> names) {
            this.manualKeepers = Set.copyOf(names);
            return this;
        }

        /**
         * A standalone primary without keeper on the pair's network, reachable as {@code name} (a
         * witness, or a server of a different cluster); booted before the pair.
         */
        public Builder standalone(String name) {
            standaloneNames.add(name);
            return this;
        }

        /**
         * A second network where node1 and node2 are node1-hb and node2-hb: a keeper.conf whose
         * partner_conninfo names those hosts probes over it, while replication keeps using the first.
         */
        public Builder heartbeatNetwork() {
            this.heartbeatNetwork = true;
            return this;
        }

        /** node2 boots with PostgreSQL installed but no data directory (a host waiting for keeper clone). */
        public Builder emptyNode2() {
            this.emptyNode2 = true;
            return this;
        }

        /** An etcd cluster of {@code members} members (etcd1, etcd2, ...) on the pair's network; booted first. */
        public Builder etcd(int members) {
            this.etcdMembers = members;
            return this;
        }

        /**
         * Boots the etcd cluster and the standalone servers, node1, then node2 from a base backup of node1; returns
         * once node2 streams.
         */
        public PgPair start() {
            KeeperImage.ensure();
            PgPair pair = new PgPair(newNetwork(), heartbeatNetwork ? newNetwork() : null);
            try {
                if (etcdMembers > 0) {
                    pair.etcd = EtcdCluster.start(pair.network, etcdMembers);
                }
                for (String name : standaloneNames) {
                    PgNode node = PgNode.standalone(name, pair.network);
                    pair.standalones.put(name, node);
                    node.start();
                }
                pair.node1 = new PgNode("node1", "primary", "", pair.network, pair.heartbeatNetwork,
                        keeperConf.apply("node1"), !manualKeepers.contains("node1"));
                pair.node1.start();
                pair.node2 = new PgNode("node2", emptyNode2 ? "empty" : "standby", "node1", pair.network,
                        pair.heartbeatNetwork, keeperConf.apply("node2"), !manualKeepers.contains("node2"));
                pair.node2.start();
                if (!emptyNode2) {
                    pair.awaitStreaming(pair.node1, pair.node2, Duration.ofSeconds(60));
                }
                return pair;
            } catch (RuntimeException | Error e) {
                pair.close();
                throw e;
            }
        }

        private static Network newNetwork() {
            return Network.builder().createNetworkCmdModifier(cmd -> cmd.withLabels(Map.of(LABEL, "true"))).build();
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

    /** The pair's network as Docker assigned it, e.g. 172.20.0.0/16. */
    public String subnet() {
        return org.testcontainers.DockerClientFactory.instance().client().inspectNetworkCmd()
                .withNetworkId(network.getId()).exec().getIpam().getConfig().get(0).getSubnet();
    }

    /** The standalone server started as {@code name} by {@link Builder#standalone(String)}. */
    public PgNode standalone(String name) {
        PgNode node = standalones.get(name);
        if (node == null) {
            throw new IllegalArgumentException("No standalone server " + name + " in this pair: " + standalones.keySet());
        }
        return node;
    }

    /** The etcd cluster started by {@link Builder#etcd(int)}. */
    EtcdCluster etcd() {
        if (etcd == null) {
            throw new IllegalStateException("This pair has no etcd cluster");
        }
        return etcd;
    }

    /** Waits until {@code primary}'s pg_stat_replication shows {@code standby} streaming. */
    public void awaitStreaming(PgNode primary, PgNode standby, Duration max) {
        Await.until(standby + " to stream from " + primary, max,
                () -> replicationState(primary, standby), "streaming"::equals);
    }

    @Override
    public void close() {
        List<PgNode> nodes = new ArrayList<>();
        if (node2 != null) {
            nodes.add(node2);
        }
        if (node1 != null) {
            nodes.add(node1);
        }
        nodes.addAll(standalones.values());
        for (PgNode node : nodes) {
            node.close();
        }
        if (etcd != null) {
            etcd.close();
        }
        if (heartbeatNetwork != null) {
            heartbeatNetwork.close();
        }
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
