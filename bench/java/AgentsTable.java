import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The report's section on the agents part (bench/agents.sh): the resident memory of each tool's agent beside its
 * PostgreSQL on a healthy pair under the same light load, one row per tool with each node's last and largest
 * sample. Part of {@link Report}.
 */
final class AgentsTable {
    /** What bench/agents.sh counts as each tool's agent. */
    private static final Map<String, String> AGENT = Map.of(
            "keeper", "its JVM",
            "repmgr", "repmgrd",
            "patroni", "its Python process",
            "pg_auto_failover", "its `pg_autoctl` processes");

    /** One node's samples of one tool: the last and largest RSS, the most processes, the minutes sampled. */
    private static final class Node {
        long lastKb;
        long maxKb;
        int processes;
        long seconds;
    }

    private final Function<String, Path> file;
    private final ToolNames names;

    AgentsTable(Function<String, Path> file, ToolNames names) {
        this.file = file;
        this.names = names;
    }

    void append(StringBuilder md) throws IOException {
        Path csv = file.apply("agents.csv");
        if (csv == null) {
            return;
        }
        Map<String, Map<String, Node>> tools = new LinkedHashMap<>();   // tool -> node -> samples, in run order
        List<String> lines = Files.readAllLines(csv);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");   // tool,node,elapsed_s,processes,rss_kb
            Node n = tools.computeIfAbsent(f[0], t -> new LinkedHashMap<>()).computeIfAbsent(f[1], x -> new Node());
            n.seconds = Long.parseLong(f[2]);
            n.processes = Math.max(n.processes, Integer.parseInt(f[3]));
            n.lastKb = Long.parseLong(f[4]);
            n.maxKb = Math.max(n.maxKb, n.lastKb);
        }
        if (tools.isEmpty()) {
            return;
        }
        md.append("## Each tool's agent beside its PostgreSQL\n\n")
                .append("Resident memory (VmRSS, summed over the agent's processes) on a healthy pair: each tool's")
                .append(" pair as in its own part, asynchronous replication, the load client committing one row every")
                .append(" 100 ms, sampled every 10 s. Third nodes (Patroni's etcd, pg_auto_failover's monitor) are not")
                .append(" counted; the RSS of processes that share pages is summed as it is.\n\n")
                .append("| tool | agent | processes a node | minutes | node1 RSS at end (MiB) | node1 RSS max (MiB)")
                .append(" | node2 RSS at end (MiB) | node2 RSS max (MiB) |\n")
                .append("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Map.Entry<String, Map<String, Node>> tool : tools.entrySet()) {
            Node n1 = tool.getValue().getOrDefault("node1", new Node());
            Node n2 = tool.getValue().getOrDefault("node2", new Node());
            md.append("| ").append(names.of(tool.getKey())).append(" | ")
                    .append(AGENT.getOrDefault(tool.getKey(), "?")).append(" | ")
                    .append(Math.max(n1.processes, n2.processes)).append(" | ")
                    .append(Report.fmt(Math.max(n1.seconds, n2.seconds) / 60.0)).append(" | ")
                    .append(mib(n1.lastKb)).append(" | ").append(mib(n1.maxKb)).append(" | ")
                    .append(mib(n2.lastKb)).append(" | ").append(mib(n2.maxKb)).append(" |\n");
        }
        md.append("\n");
    }

    private static String mib(long kb) {
        return String.format(Locale.ROOT, "%.1f", kb / 1024.0);
    }
}
