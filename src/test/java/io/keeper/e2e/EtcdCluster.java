package io.keeper.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.MountableFile;

/**
 * An etcd cluster of real etcd servers (Debian's etcd-server, from the node image), one container per member, on a
 * network of the test bed. Members are etcd1, etcd2, ... there, client port 2379; the test process reaches them
 * through published ports. Members can be killed and started again with their data, like a host losing power.
 */
final class EtcdCluster implements AutoCloseable {
    static final int CLIENT_PORT = 2379;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final List<GenericContainer<?>> members = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final int[] hostPorts;

    private final String scheme;

    private EtcdCluster(Network network, int size, String extraFlags, TestCertificates tls) {
        this.scheme = tls == null ? "http" : "https";
        String initial = IntStream.rangeClosed(1, size).mapToObj(i -> "etcd" + i + "=http://etcd" + i + ":2380")
                .collect(Collectors.joining(","));
        for (int i = 1; i <= size; i++) {
            String name = "etcd" + i;
            names.add(name);
            String command = "exec etcd --name " + name + " --data-dir /var/lib/etcd-e2e"
                    + " --listen-client-urls " + scheme + "://0.0.0.0:2379 --advertise-client-urls " + scheme + "://"
                    + name + ":2379"
                    + " --listen-peer-urls http://0.0.0.0:2380 --initial-advertise-peer-urls http://" + name + ":2380"
                    + " --initial-cluster " + initial + " --initial-cluster-state new"
                    + " --initial-cluster-token keeper-e2e " + extraFlags
                    + (tls == null ? "" : " --cert-file /certs/server.crt --key-file /certs/server.key"
                            + " --client-cert-auth --trusted-ca-file /certs/ca.pem");
            GenericContainer<?> member = new GenericContainer<>(DockerImageName.parse(KeeperImage.ensure()))
                    .withImagePullPolicy(image -> false)
                    .withLabel(PgPair.LABEL, "true")
                    .withCommand("/bin/bash", "-c", command)
                    .withEnv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                    .withNetwork(network)
                    .withNetworkAliases(name)
                    .withExposedPorts(CLIENT_PORT)
                    .withCreateContainerCmdModifier(cmd -> {
                        cmd.withHostName(name);
                        cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN);
                    })
                    .withLogConsumer(new Slf4jLogConsumer(LoggerFactory.getLogger("e2e." + name)))
                    // /health answers 200 only once the cluster has a leader: the members start together.
                    .waitingFor(tls != null ? Wait.forListeningPort().withStartupTimeout(Duration.ofSeconds(90))
                            : Wait.forHttp("/health").forPort(CLIENT_PORT).forStatusCode(200)
                            .withStartupTimeout(Duration.ofSeconds(90)));
            if (tls != null) {
                for (String file : new String[] {"server.crt", "server.key", "ca.pem"}) {
                    member.withCopyFileToContainer(MountableFile.forHostPath(tls.file(file), 0644), "/certs/" + file);
                }
            }
            members.add(member);
        }
        hostPorts = new int[size];
    }

    /** Starts {@code size} members on {@code network} together; returns once the cluster has a leader. */
    static EtcdCluster start(Network network, int size) {
        return start(network, size, "");
    }

    /** Like {@link #start(Network, int)}, with more etcd command-line flags for every member. */
    static EtcdCluster start(Network network, int size, String extraFlags) {
        return start(new EtcdCluster(network, size, extraFlags, null));
    }

    /** One member serving https only, to clients with a certificate signed by the CA of {@code certificates}. */
    static EtcdCluster startWithTls(Network network, TestCertificates certificates) {
        return start(new EtcdCluster(network, 1, "", certificates));
    }

    private static EtcdCluster start(EtcdCluster cluster) {
        int size = cluster.members.size();
        try {
            Startables.deepStart(cluster.members).join();
            for (int i = 0; i < size; i++) {
                cluster.hostPorts[i] = cluster.members.get(i).getMappedPort(CLIENT_PORT);
            }
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    int size() {
        return members.size();
    }

    /** etcd_endpoints as keepers on the test network write it: http://etcd1:2379,http://etcd2:2379,... */
    String endpoints() {
        return names.stream().map(n -> scheme + "://" + n + ":" + CLIENT_PORT).collect(Collectors.joining(","));
    }

    /** The members' client URLs as the test process reaches them, in member order. */
    List<URI> hostEndpoints() {
        List<URI> urls = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
            urls.add(URI.create(scheme + "://" + members.get(i).getHost() + ":" + hostPorts[i]));
        }
        return urls;
    }

    /** The member's host name on the test network, etcd1 for index 0. */
    String name(int index) {
        return names.get(index);
    }

    /** The index of the current leader, asked of the first member that answers; waits for one to be elected. */
    int leader() {
        return Await.until("the etcd cluster to have a leader", Duration.ofSeconds(30), () -> {
            for (int i = 0; i < members.size(); i++) {
                if (!isRunning(i)) {
                    continue;
                }
                try {
                    JsonNode status = post(i, "/v3/maintenance/status", "{}");
                    String leader = status.path("leader").asText("");
                    for (int j = 0; j < members.size(); j++) {
                        if (isRunning(j) && post(j, "/v3/maintenance/status", "{}").path("header")
                                .path("member_id").asText().equals(leader)) {
                            return j;
                        }
                    }
                } catch (IOException e) {
                    // try the next member
                }
            }
            return -1;
        }, index -> index >= 0);
    }

    /** Power loss of one member: SIGKILL to its container. */
    void kill(int index) {
        docker().killContainerCmd(containerId(index)).exec();
        Await.until(name(index) + " to stop", Duration.ofSeconds(30), () -> !isRunning(index));
    }

    /** Freezes every process of the member; its TCP connections stay open and unanswered. */
    void pause(int index) {
        docker().pauseContainerCmd(containerId(index)).exec();
    }

    void unpause(int index) {
        docker().unpauseContainerCmd(containerId(index)).exec();
    }

    /** Boots a killed member again with its data; waits until it answers (it rejoins the cluster by itself). */
    void startAgain(int index) {
        docker().startContainerCmd(containerId(index)).exec();
        hostPorts[index] = Await.until(name(index) + " to publish its client port", Duration.ofSeconds(30),
                () -> currentHostPort(index), port -> port > 0);
        Await.until(name(index) + " to answer", Duration.ofSeconds(60), () -> {
            try {
                return post(index, "/v3/maintenance/status", "{}").has("header");
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** Starts every member that is not running and waits until the cluster has a leader again. */
    void startAllAgain() {
        for (int i = 0; i < members.size(); i++) {
            if (!isRunning(i)) {
                startAgain(i);
            }
        }
        leader();
    }

    boolean isRunning(int index) {
        return Boolean.TRUE.equals(docker().inspectContainerCmd(containerId(index)).exec().getState().getRunning());
    }

    /** Runs a command as root in the member and returns its output; fails on a non-zero exit code. */
    String exec(int index, String... command) {
        try {
            var result = members.get(index).execInContainer(command);
            if (result.getExitCode() != 0) {
                throw new IllegalStateException("On " + name(index) + ", " + String.join(" ", command) + " exited with "
                        + result.getExitCode() + ": " + result.getStdout() + result.getStderr());
            }
            return result.getStdout();
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run " + String.join(" ", command) + " on " + name(index), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    /** POSTs {@code body} to the member's v3 JSON gateway; the answer as JSON, errors included. */
    JsonNode post(int index, String path, String body) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(hostEndpoints().get(index).resolve(path))
                .timeout(Duration.ofSeconds(3)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            return JSON.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public void close() {
        for (GenericContainer<?> member : members) {
            member.stop();
        }
    }

    private String containerId(int index) {
        return members.get(index).getContainerId();
    }

    private int currentHostPort(int index) {
        Ports.Binding[] bindings = docker().inspectContainerCmd(containerId(index)).exec()
                .getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(CLIENT_PORT));
        return bindings == null || bindings.length == 0 ? -1 : Integer.parseInt(bindings[0].getHostPortSpec());
    }

    private DockerClient docker() {
        return members.get(0).getDockerClient();
    }
}
