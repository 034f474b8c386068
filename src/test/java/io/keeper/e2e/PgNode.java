package io.keeper.e2e;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Ports;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.FrameConsumerResultCallback;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.MountableFile;

/** One PostgreSQL host: a container whose PID 1 (node.sh) boots PostgreSQL and keeper like systemd. */
public final class PgNode implements AutoCloseable {
    private static final int PG_PORT = 5432;
    /** Where the tests let keeper's HTTP endpoints listen (http_listen = '0.0.0.0:8008'). */
    static final int HTTP_PORT = 8008;
    /** Suffix of a node's alias on the pair's heartbeat-only network, e.g. node1-hb. */
    static final String HEARTBEAT_ALIAS_SUFFIX = "-hb";
    private static final String PGDATA = "/var/lib/postgresql/data";
    private static final String PATH =
            "/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(120);
    /** Succeeds once the server takes queries; prints t on a standby, f on a primary. */
    private static final String RECOVERY_QUERY = "psql -U postgres -XAtc 'select pg_is_in_recovery()'";

    private final String name;
    private final Network network;
    private final NodeContainer container;
    private final Slf4jLogConsumer logConsumer;
    private final KeeperHttp http;
    private volatile int hostPort;
    private volatile int httpPort;

    /**
     * A node that is not started yet. {@code role} is primary or standby (its first boot only), or empty (PostgreSQL
     * installed, no data directory: a host waiting for keeper clone);
     * {@code partnerHost} is the primary a standby copies and streams from ("" for a standalone primary);
     * {@code heartbeatNetwork}, when not null, is a second network where the node is {@code <name>-hb};
     * {@code keeperConf} null means keeper is not installed on this host; with keeperAutostart false
     * keeper is installed but only runs after {@link #startKeeper()}.
     */
    PgNode(String name, String role, String partnerHost, Network network, Network heartbeatNetwork,
            KeeperConf keeperConf, boolean keeperAutostart) {
        this.name = name;
        this.network = network;
        this.logConsumer = new Slf4jLogConsumer(LoggerFactory.getLogger("e2e." + name));
        String expectedRecovery = role.equals("standby") ? "t" : "f";
        container = new NodeContainer(name, heartbeatNetwork)
                .withImagePullPolicy(image -> false) // the image is local, built by prepare.sh
                .withLabel(PgPair.LABEL, "true")
                .withCommand("/bin/bash", "/opt/keeper/node.sh")
                .withEnv("PATH", PATH)
                .withEnv("NODE_NAME", name)
                .withEnv("ROLE", role)
                .withEnv("PARTNER_HOST", partnerHost)
                .withEnv("KEEPER_AUTOSTART", keeperAutostart ? "1" : "0")
                .withNetwork(network)
                .withNetworkAliases(name)
                .withExposedPorts(PG_PORT, HTTP_PORT)
                // NET_ADMIN lets a test cut single links with iptables inside the node.
                .withCreateContainerCmdModifier(cmd -> {
                    // Docker adds the host name as an alias on networks connected after creation, so on
                    // a heartbeat network "node1" would resolve to node1-hb's address half of the time.
                    if (heartbeatNetwork == null) {
                        cmd.withHostName(name);
                    }
                    cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN);
                })
                .withCopyFileToContainer(MountableFile.forHostPath(
                        KeeperImage.dockerDir().resolve("node.sh"), 0755), "/opt/keeper/node.sh")
                .withCopyFileToContainer(MountableFile.forHostPath(
                        KeeperImage.dockerDir().resolve("fake-systemd-notify.pl"), 0755),
                        "/opt/keeper/fake-systemd-notify.pl")
                .withCopyFileToContainer(MountableFile.forHostPath(
                        KeeperImage.dockerDir().resolve("../../../conf/keeper-vip").normalize(), 0755),
                        "/usr/share/keeper/keeper-vip")
                .withCopyFileToContainer(MountableFile.forHostPath(
                        KeeperImage.dockerDir().resolve("../../../conf/keeper").normalize(), 0755),
                        "/opt/keeper/keeper")
                .withLogConsumer(logConsumer)
                .waitingFor(Wait.forSuccessfulCommand(role.equals("empty") ? "test -s /var/lib/postgresql/.pgpass"
                                : "[ \"$(" + RECOVERY_QUERY + ")\" = " + expectedRecovery + " ]")
                        .withStartupTimeout(BOOT_TIMEOUT));
        http = new KeeperHttp(name, () -> "http://" + container.getHost() + ":" + httpPort);
        if (keeperConf != null) {
            container.withCopyFileToContainer(MountableFile.forHostPath(KeeperImage.keeperJar(), 0644),
                            "/opt/keeper/keeper.jar")
                    .withCopyToContainer(Transferable.of(keeperConf.render(), 0644), "/etc/keeper/keeper.conf");
        }
    }

    /** Creates and boots the container; returns when PostgreSQL answers in the role it was given. */
    void start() {
        container.start();
        hostPort = currentHostPort(PG_PORT);
        httpPort = currentHostPort(HTTP_PORT);
    }

    /** A standalone primary without keeper (a witness, or a server of another cluster), not started yet. */
    static PgNode standalone(String name, Network network) {
        return new PgNode(name, "primary", "", network, null, null, true);
    }

    public String name() {
        return name;
    }

    public String containerId() {
        return container.getContainerId();
    }

    /** The host port that reaches PostgreSQL now; it may change when the host is started again. */
    public int port() {
        return hostPort;
    }

    /** The host port that reaches keeper's HTTP endpoints now; like {@link #port()} it may change. */
    public int httpPort() {
        return httpPort;
    }

    /** The HTTP status of GET {@code path} on keeper's HTTP listener, or -1 when nothing answers. */
    public int http(String path) {
        return http.get(path);
    }

    /** keeper's GET /status as JSON; throws when keeper does not answer with 200 and a JSON body. */
    public JsonNode status() {
        return http.status();
    }

    /** One field of /status as text, e.g. status("lastReason"); throws when /status has no such field. */
    /** GET /metrics, parsed: "keeper_role{role=primary}" to 1.0 (see {@link KeeperHttp#metrics()}). */
    public java.util.Map<String, Double> metrics() {
        return http.metrics();
    }

    public String status(String field) {
        return http.status(field);
    }

    /** Runs {@code keeper primary -c /etc/keeper/keeper.conf} in this host: the rightful primary's name. */
    public ExecResult keeperPrimary() {
        return keeper("primary");
    }

    /** Runs {@code keeper COMMAND ARGS -c /etc/keeper/keeper.conf} in this host, as an administrator would. */
    public ExecResult keeper(String command, String... args) {
        List<String> line = new ArrayList<>(List.of("java", "-jar", "/opt/keeper/keeper.jar", command, "-c",
                "/etc/keeper/keeper.conf"));
        line.addAll(List.of(args));
        return execResult(line.toArray(String[]::new));
    }

    /** A JDBC connection as postgres, with short timeouts so a frozen or cut-off node fails fast. */
    public Connection connect() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", "secret");
        props.setProperty("connectTimeout", "3");
        props.setProperty("socketTimeout", "5");
        props.setProperty("loginTimeout", "5");
        return DriverManager.getConnection(
                "jdbc:postgresql://" + container.getHost() + ":" + hostPort + "/postgres", props);
    }

    /** A JDBC connection for a statement that may wait long (a commit waiting for a synchronous standby). */
    public Connection connectForLongWait(Duration socketTimeout) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("password", "secret");
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", String.valueOf(socketTimeout.toSeconds()));
        return DriverManager.getConnection(
                "jdbc:postgresql://" + container.getHost() + ":" + hostPort + "/postgres", props);
    }

    /** Starts keeper now on a node created without keeper autostart, as "systemctl start keeper" would. */
    public void startKeeper() {
        exec("bash", "/opt/keeper/node.sh", "start-keeper");
    }

    /** Runs a command in the host and returns its exit code and output, whatever the exit code. */
    public ExecResult run(String... command) {
        return execResult(command);
    }

    /** True when the server runs as a standby; throws when it cannot be reached. */
    public boolean isInRecovery() {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery()")) {
            rs.next();
            return rs.getBoolean(1);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot ask " + name + " whether it is in recovery", e);
        }
    }

    /** True when a write commits here; false when the node is read-only or cannot be reached. */
    public boolean acceptsWrites() {
        return writeRefusal().isEmpty();
    }

    /**
     * Empty when a write commits here; else why not ("SQLSTATE 25006: cannot execute ... read-only", "SQLSTATE
     * 08001: connection refused"), which an await reports when it times out.
     */
    public Optional<String> writeRefusal() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS e2e_probe (at timestamptz DEFAULT now(), node text)");
            s.execute("INSERT INTO e2e_probe (node) VALUES ('" + name + "')");
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of("SQLSTATE " + e.getSQLState() + ": " + e.getMessage());
        }
    }

    /** Waits until a write commits here; on timeout the message says why the last write did not. */
    public void awaitWritable(Duration max) {
        Await.until(name + " to accept writes", max, this::writeRefusal, Optional::isEmpty);
    }

    /**
     * Inserts one row into e2e_probe (which must exist, e.g. created on the primary before a fault):
     * empty when it committed, else the error, whose SQLState tells a read-only server (25006) from an
     * unreachable one (08xxx).
     */
    public Optional<SQLException> tryWrite() {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO e2e_probe (node) VALUES ('" + name + "')");
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of(e);
        }
    }

    /** Everything keeper (and node.sh's restart loop) wrote to /var/log/keeper.log. */
    public String keeperLog() {
        return readFile("/var/log/keeper.log").orElse("");
    }

    /** Power loss: SIGKILL to the whole container, nothing shuts down cleanly. */
    public void killHost() {
        docker().killContainerCmd(containerId()).exec();
        Await.until(name + " to stop after docker kill", Duration.ofSeconds(30), () -> !isRunning());
    }

    /** Boots the killed host again (same container, same data) and waits until PostgreSQL answers. */
    public void startHostAgain() {
        long bootedAt = System.currentTimeMillis() / 1000;
        docker().startContainerCmd(containerId()).exec();
        followOutputSince(bootedAt);
        awaitPostgres();
    }

    /** Freezes every process of the host (cgroup freezer); the kernel still accepts TCP connections. */
    public void pause() {
        docker().pauseContainerCmd(containerId()).exec();
    }

    public void unpause() {
        docker().unpauseContainerCmd(containerId()).exec();
    }

    /** A PostgreSQL crash: SIGKILL to the postmaster; nothing restarts it. */
    public void killPostmaster() {
        exec("bash", "-c", "kill -9 \"$(head -1 " + PGDATA + "/postmaster.pid)\"");
    }

    /** SIGKILL to keeper's java process; node.sh starts it again after 1 s, as systemd would. */
    public void killKeeper() {
        String pids = exec("pgrep", "-f", "keeper\\.jar").strip();
        for (String pid : pids.split("\\s+")) {
            exec("kill", "-9", pid);
        }
    }

    /** Runs a command as root in the host and returns its stdout; fails on a non-zero exit code. */
    public String exec(String... command) {
        ExecResult result = execResult(command);
        if (result.getExitCode() != 0) {
            throw new IllegalStateException("On " + name + ", " + String.join(" ", command) + " exited with "
                    + result.getExitCode() + ": " + result.getStdout() + result.getStderr());
        }
        return result.getStdout();
    }

    /** The content of {@code path} in the host, or empty when it does not exist. */
    public Optional<String> readFile(String path) {
        ExecResult result = execResult("cat", path);
        return result.getExitCode() == 0 ? Optional.of(result.getStdout()) : Optional.empty();
    }

    /**
     * Drops every packet between this host and each of {@code hosts} (names resolved inside this host,
     * e.g. node2 or node1-hb), both ways, with iptables; the test process still reaches this host.
     */
    public void cutOffFrom(String... hosts) {
        for (String host : hosts) {
            for (String ip : addressesOf(host)) {
                exec("iptables", "-A", "INPUT", "-s", ip, "-j", "DROP");
                exec("iptables", "-A", "OUTPUT", "-d", ip, "-j", "DROP");
            }
        }
    }

    /** Removes every rule {@link #cutOffFrom} added. */
    public void heal() {
        exec("iptables", "-F", "INPUT");
        exec("iptables", "-F", "OUTPUT");
    }

    /** Unplugs the host: it loses its only network, so neither its partner nor the test reach it. */
    public void disconnectFromNetwork() {
        docker().disconnectFromNetworkCmd().withNetworkId(network.getId()).withContainerId(containerId()).exec();
    }

    /** Plugs the host back in under its alias; the published port can change, so it is read again. */
    public void reconnect() {
        docker().connectToNetworkCmd().withNetworkId(network.getId()).withContainerId(containerId())
                .withContainerNetwork(new ContainerNetwork().withAliases(name)).exec();
        hostPort = currentHostPort(PG_PORT);
        httpPort = currentHostPort(HTTP_PORT);
    }

    public boolean isRunning() {
        return Boolean.TRUE.equals(docker().inspectContainerCmd(containerId()).exec().getState().getRunning());
    }

    @Override
    public void close() {
        container.stop();
    }

    @Override
    public String toString() {
        return name;
    }

    private void awaitPostgres() {
        Await.until(name + " to be running", Duration.ofSeconds(30), this::isRunning);
        hostPort = Await.until(name + " to publish port " + PG_PORT, Duration.ofSeconds(30),
                () -> currentHostPort(PG_PORT), port -> port > 0);
        httpPort = currentHostPort(HTTP_PORT);
        Await.until(name + " to accept connections", BOOT_TIMEOUT,
                () -> execResult("bash", "-c", RECOVERY_QUERY).getExitCode() == 0);
    }

    /** Testcontainers caches the port binding of the first start; docker start can pick another. */
    private int currentHostPort(int containerPort) {
        Ports.Binding[] bindings = docker().inspectContainerCmd(containerId()).exec()
                .getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(containerPort));
        return bindings == null || bindings.length == 0 ? -1 : Integer.parseInt(bindings[0].getHostPortSpec());
    }

    /** Testcontainers stops following the output when the host dies; this picks it up after a reboot. */
    private void followOutputSince(long epochSecond) {
        FrameConsumerResultCallback callback = new FrameConsumerResultCallback();
        callback.addConsumer(OutputFrame.OutputType.STDOUT, logConsumer);
        callback.addConsumer(OutputFrame.OutputType.STDERR, logConsumer);
        docker().logContainerCmd(containerId()).withStdOut(true).withStdErr(true).withFollowStream(true)
                .withSince((int) epochSecond).exec(callback);
    }

    /** The IPv4 addresses {@code host} resolves to inside this host. */
    private List<String> addressesOf(String host) {
        List<String> ips = new ArrayList<>();
        for (String line : exec("getent", "ahostsv4", host).split("\n")) {
            String ip = line.strip().split("\\s+")[0];
            if (!ip.isEmpty() && !ips.contains(ip)) {
                ips.add(ip);
            }
        }
        return ips;
    }

    private ExecResult execResult(String... command) {
        try {
            return container.execInContainer(command);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run " + String.join(" ", command) + " on " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted running " + String.join(" ", command) + " on " + name, e);
        }
    }

    private DockerClient docker() {
        return container.getDockerClient();
    }
}
