import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Tries one small write on one node every {@value #EVERY_MS} ms, whatever that node's role, and logs each
 * attempt: the split-brain runs see from real acknowledgements which servers accepted writes, and when
 * (a load client alone writes to one node at a time, so it cannot see two). Part of {@link LoadClient}.
 *
 * <p>Each line of {@code probes.csv} is {@code host,seq,sent_ms,returned_ms,outcome}: {@code ok} when the
 * server acknowledged the commit, else the SQLState ({@code 25006}: read-only, in recovery) or
 * {@code connect} when no connection could be opened. The connection is kept across refusals and opened
 * again after any other error, with the client's 1 s timeouts.
 */
final class Probe implements Runnable {
    static final long EVERY_MS = 20;
    static final String TABLE = "CREATE TABLE IF NOT EXISTS bench_probes"
            + " (node text, seq bigint, at timestamptz DEFAULT now(), PRIMARY KEY (node, seq))";
    private static final String READ_ONLY = "25006";
    private static final String NO_TABLE_YET = "42P01";

    private final String host;
    private final Path stop;
    private final BufferedWriter log;

    Probe(String host, Path stop, BufferedWriter log) {
        this.host = host;
        this.stop = stop;
        this.log = log;
    }

    @Override
    public void run() {
        Connection conn = null;
        PreparedStatement insert = null;
        long seq = 0;
        try {
            while (!Files.exists(stop)) {
                long sent = System.currentTimeMillis();
                seq++;
                String outcome;
                try {
                    if (conn == null) {
                        conn = LoadClient.connect(host);
                        insert = conn.prepareStatement("INSERT INTO bench_probes (node, seq) VALUES (?, ?)");
                    }
                    insert.setString(1, host);
                    insert.setLong(2, seq);
                    insert.executeUpdate();
                    outcome = "ok";
                } catch (SQLException e) {
                    outcome = conn == null ? "connect" : String.valueOf(e.getSQLState());
                    if (conn != null && !READ_ONLY.equals(outcome) && !NO_TABLE_YET.equals(outcome)) {
                        LoadClient.closeQuietly(conn);
                        conn = null;
                    }
                }
                write(host + "," + seq + "," + sent + "," + System.currentTimeMillis() + "," + outcome + "\n");
                long rest = sent + EVERY_MS - System.currentTimeMillis();
                if (rest > 0) {
                    Thread.sleep(rest);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            LoadClient.closeQuietly(conn);
        }
    }

    /** One line, flushed at once: the orchestrator may read the file while the probes go on. */
    private void write(String line) {
        synchronized (log) {
            try {
                log.write(line);
                log.flush();
            } catch (IOException e) {
                throw new UncheckedIOException("writing probes.csv", e);
            }
        }
    }
}
