package io.keeper.e2e;

import com.github.dockerjava.api.model.ContainerNetwork;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.utility.DockerImageName;

/** A node's container from the local image; joins the optional heartbeat network between creation and start. */
final class NodeContainer extends GenericContainer<NodeContainer> {
    private final String name;
    private final Network heartbeatNetwork;

    NodeContainer(String name, Network heartbeatNetwork) {
        super(DockerImageName.parse(KeeperImage.ensure()));
        this.name = name;
        this.heartbeatNetwork = heartbeatNetwork;
    }

    @Override
    protected void containerIsCreated(String containerId) {
        // Before start, so keeper's first probe already finds <name>-hb.
        if (heartbeatNetwork != null) {
            getDockerClient().connectToNetworkCmd().withNetworkId(heartbeatNetwork.getId())
                    .withContainerId(containerId)
                    .withContainerNetwork(new ContainerNetwork().withAliases(name + PgNode.HEARTBEAT_ALIAS_SUFFIX))
                    .exec();
        }
    }
}
