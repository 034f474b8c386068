package io.keeper.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.keeper.election.NodeView;
import io.keeper.failoverlog.FailoverLogEntry;
import io.keeper.heartbeat.ProbeOutcome;
import io.keeper.heartbeat.ProbeResult;
import io.keeper.heartbeat.ServerState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PrimaryCommandTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** keeper's real command line (with its ConfigException handling), with primary added as the lead will. */
    private int run(String... args) {
        CommandLine cl = KeeperCommand.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    private Path write(String text) throws Exception {
        Path file = dir.resolve("keeper.conf");
        Files.writeString(file, text);
        return file;
    }

    /** Two ports on 127.0.0.1 that nothing listens on: bound to get distinct free ports, then closed. */
    private static int[] closedPorts() throws Exception {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ServerSocket a = new ServerSocket(0, 1, loopback); ServerSocket b = new ServerSocket(0, 1, loopback)) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        }
    }

    private Path configWithClosedPorts(int[] ports) throws Exception {
        return write("node_name = node1\n"
                + "my_conninfo = 'host=127.0.0.1 port=" + ports[0] + " user=keeper dbname=postgres password=hunter2'\n"
                + "partner_conninfo = 'host=127.0.0.1 port=" + ports[1] + " user=keeper password=hunter2'\n");
    }

    private static ProbeResult answered(boolean inRecovery, int timeline, String nodeName, String fenced) {
        ServerState state = new ServerState(inRecovery, timeline, "0/3000060", 7L, "", "", 0, nodeName, fenced,
                null, false, null);
        return ProbeResult.answered(state, Duration.ofMillis(3));
    }

    private static ProbeResult unreachable() {
        return new ProbeResult(ProbeOutcome.UNREACHABLE, null, "Connection refused", "08001", Duration.ofMillis(1));
    }

    @Test
    void aBadConfigurationExitsTwo() throws Exception {
        Path file = write("my_conninfo = 'host=a'\npartner_conninfo = 'host=b'\nbogus = 1\n");
        assertEquals(2, run("primary", "-c", file.toString()));
        assertEquals(file + ":3: unknown setting bogus = '1'", err.toString().strip());
        assertEquals("", out.toString());
    }

    @Test
    void aMissingConfigurationFileExitsTwo() {
        assertEquals(2, run("primary", "-c", dir.resolve("missing.conf").toString()));
    }

    @Test
    void bothServersUnreachableExitsOneNamingBothNodesOnStderrAndNothingOnStdout() throws Exception {
        int[] ports = closedPorts();
        assertEquals(1, run("primary", "-c", configWithClosedPorts(ports).toString()));
        assertEquals("", out.toString());
        String line = err.toString().strip();
        assertFalse(line.contains("\n"), line);
        assertTrue(line.startsWith("keeper: no rightful primary: node1 unreachable ("), line);
        assertTrue(line.contains(", 127.0.0.1:" + ports[1] + " unreachable ("), line);
        assertFalse(line.contains("hunter2"), line);
    }

    @Test
    void jsonForBothServersUnreachableHasANullPrimaryAndBothNodesAndExitsOne() throws Exception {
        int[] ports = closedPorts();
        assertEquals(1, run("primary", "--json", "-c", configWithClosedPorts(ports).toString()));
        assertFalse(out.toString().contains("hunter2"));
        JsonNode doc = new ObjectMapper().readTree(out.toString());
        assertTrue(doc.get("primary").isNull());
        JsonNode mine = doc.get("nodes").get(0);
        assertEquals("node1", mine.get("name").asText());
        assertEquals("127.0.0.1:" + ports[0], mine.get("address").asText());
        assertFalse(mine.get("reachable").asBoolean());
        assertEquals("unknown", mine.get("role").asText());
        assertTrue(mine.get("latestFailover").isNull());
        assertTrue(mine.get("error").asText().startsWith("unreachable: "), mine.toString());
        assertEquals("127.0.0.1:" + ports[1], doc.get("nodes").get(1).get("name").asText());
    }

    @Test
    void aNodeIsNamedByItsPublishedNodeNameElseByTheFallback() {
        assertEquals("db-a", PrimaryCommand.Look.of("node1", "h:5432", answered(false, 2, "db-a", ""), null).name());
        assertEquals("node1", PrimaryCommand.Look.of("node1", "h:5432", answered(false, 2, "", ""), null).name());
        assertEquals("h:5432", PrimaryCommand.Look.of("h:5432", "h:5432", unreachable(), null).name());
    }

    @Test
    void aLookBecomesANodeViewWithItsLatestFailoverRow() {
        FailoverLogEntry row = new FailoverLogEntry(1_700_000_000L, "node2", "promoted", 3, "0/3000060", "n1", "r");
        NodeView view = PrimaryCommand.Look.of("x", "h2:5432", answered(false, 3, "node2", ""), row).view();
        assertEquals(new NodeView("node2", "h2:5432", true, true, false, 3, 1_700_000_000L, "node2", null), view);
        NodeView down = PrimaryCommand.Look.of("node1", "h1:5432", unreachable(), null).view();
        assertEquals(new NodeView("node1", "h1:5432", false, false, false, -1, null, null,
                "Connection refused (SQLSTATE 08001)"), down);
    }

    @Test
    void theReasonLineSaysWhyEachNodeIsNotPrimary() {
        List<PrimaryCommand.Look> looks = List.of(
                PrimaryCommand.Look.of("node1", "h1:5432", answered(false, 2, "node1", "superseded by node2"), null),
                PrimaryCommand.Look.of("node2", "h2:5432", answered(true, 3, "node2", ""), null));
        assertEquals("keeper: no rightful primary: node1 fenced (superseded by node2), node2 standby",
                PrimaryCommand.noPrimaryReason(looks));
    }

    @Test
    void theJsonDocumentDescribesEachNode() {
        FailoverLogEntry row = new FailoverLogEntry(1_700_000_000L, "node2", "promoted", 3, null, null, null);
        List<PrimaryCommand.Look> looks = List.of(
                PrimaryCommand.Look.of("node1", "h1:5432", unreachable(), null),
                PrimaryCommand.Look.of("node2", "h2:5432", answered(false, 3, "node2", ""), row));
        Map<String, Object> doc = PrimaryCommand.document("node2", looks);
        assertEquals("node2", doc.get("primary"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> nodes = (List<Map<String, Object>>) doc.get("nodes");
        assertEquals(List.of("name", "address", "reachable", "role", "timeline", "fenced", "latestFailover", "error"),
                List.copyOf(nodes.get(1).keySet()));
        assertEquals("primary", nodes.get(1).get("role"));
        assertEquals(3, nodes.get(1).get("timeline"));
        assertEquals("", nodes.get(1).get("fenced"));
        assertEquals(Map.of("unixtime", 1_700_000_000L, "host", "node2", "event", "promoted"),
                nodes.get(1).get("latestFailover"));
        assertNull(nodes.get(1).get("error"));
        assertEquals(false, nodes.get(0).get("reachable"));
        assertNull(nodes.get(0).get("timeline"));
        assertEquals("unreachable: Connection refused (SQLSTATE 08001)", nodes.get(0).get("error"));
    }

    @Test
    void withAWitnessOnlyTheLeaseHolderIsTheRightfulPrimary() {
        List<PrimaryCommand.Look> bothPrimaries = List.of(
                PrimaryCommand.Look.of("node1", "h1:5432", answered(false, 3, "node1", ""), null),
                PrimaryCommand.Look.of("node2", "h2:5432", answered(false, 2, "node2", ""), null));
        io.keeper.lease.LeaseView node2Holds = new io.keeper.lease.LeaseView("node2", 4,
                java.time.Duration.ofSeconds(2), false);
        assertEquals("node2", PrimaryCommand.rightful(bothPrimaries, java.util.Optional.of(node2Holds))
                .orElseThrow().name(), "the lease outranks the higher timeline");
        assertEquals("node1", PrimaryCommand.rightful(bothPrimaries, java.util.Optional.empty()).orElseThrow().name(),
                "without a lease the election decides");
        List<PrimaryCommand.Look> holderIsStandby = List.of(
                PrimaryCommand.Look.of("node1", "h1:5432", answered(false, 3, "node1", ""), null),
                PrimaryCommand.Look.of("node2", "h2:5432", answered(true, 3, "node2", ""), null));
        assertTrue(PrimaryCommand.rightful(holderIsStandby, java.util.Optional.of(node2Holds)).isEmpty(),
                "a primary that lost the lease is about to demote itself: not the rightful primary");
    }
}
