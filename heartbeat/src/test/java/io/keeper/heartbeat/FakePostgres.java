package io.keeper.heartbeat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A PostgreSQL server on 127.0.0.1 that speaks just enough of the wire protocol for pgjdbc: it can freeze,
 * refuse the login with an SQLSTATE, or log in and answer every query with one row of the status query.
 */
final class FakePostgres implements AutoCloseable {

    private static final int SSL_REQUEST = 80877103;
    private static final int GSSENC_REQUEST = 80877104;

    /** Column types of ServerState.QUERY, in order (bool, int4, text, int8, ...). */
    private static final int[] COLUMN_OIDS = {16, 23, 25, 20, 25, 25, 20, 25, 25, 20, 16, 25, 20, 25, 25, 23, 25};
    private static final short[] COLUMN_LENGTHS = {1, 4, -1, 8, -1, -1, 8, -1, -1, 8, 1, -1, 8, -1, -1, 4, -1};

    private final ServerSocket listener;
    private final List<Socket> clients = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Behaviour behaviour;

    /** What the server does with a connection. */
    private sealed interface Behaviour permits Frozen, Refuse, Answer, Stall {
    }

    /** Holds every connection, new or logged in, without a byte until woken: a frozen host (its kernel accepts). */
    private record Stall(String[] row, CountDownLatch woken) implements Behaviour {
        void await() {
            try {
                woken.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Accepts and never sends a byte: a hung partner. */
    private record Frozen() implements Behaviour {
    }

    /** Answers the startup with a FATAL ErrorResponse, as a live server that will not serve us does. */
    private record Refuse(String sqlState, String message) implements Behaviour {
    }

    /** Logs in and answers every query with this row (text values, in ServerState.QUERY column order). */
    private record Answer(String[] row) implements Behaviour {
    }

    private FakePostgres(Behaviour behaviour) throws IOException {
        this.behaviour = behaviour;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "fake-postgres-" + listener.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static FakePostgres frozen() throws IOException {
        return new FakePostgres(new Frozen());
    }

    static FakePostgres refusing(String sqlState, String message) throws IOException {
        return new FakePostgres(new Refuse(sqlState, message));
    }

    static FakePostgres answering(String... row) throws IOException {
        return new FakePostgres(new Answer(row));
    }

    int port() {
        return listener.getLocalPort();
    }

    /** How many TCP connections the server has accepted so far. */
    int connections() {
        return connections.get();
    }

    /** From now on, connections (new and already logged in) stop answering. */
    void freeze() {
        behaviour = new Frozen();
    }

    /** From now on, connections (new and already logged in) hold still until {@link #wake()}, then answer row. */
    void stall(String... row) {
        behaviour = new Stall(row, new CountDownLatch(1));
    }

    /** Ends a stall: every held connection goes on, as on a host that was frozen and wakes. */
    void wake() {
        Behaviour b = behaviour;
        if (b instanceof Stall stall) {
            behaviour = new Answer(stall.row());
            stall.woken().countDown();
        }
    }

    /** Closes every accepted connection, as a server restart does; the listener stays open. */
    void dropConnections() throws IOException {
        for (Socket s : clients) {
            s.close();
        }
        clients.clear();
    }

    /** From now on, new connections log in and answer the row. */
    void answer(String... row) {
        behaviour = new Answer(row);
    }

    /** A conninfo for this server, with a password so no password file is consulted. */
    Conninfo conninfo() {
        return Conninfo.parse("host=127.0.0.1 port=" + port() + " user=postgres dbname=postgres password=secret");
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket socket = listener.accept();
                connections.incrementAndGet();
                clients.add(socket);
                Thread handler = new Thread(() -> serve(socket), "fake-postgres-conn-" + socket.getPort());
                handler.setDaemon(true);
                handler.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            if (behaviour instanceof Stall stall) {
                stall.await();
            }
            if (behaviour instanceof Frozen) {
                drain(in);
                return;
            }
            readStartup(in, out);
            Behaviour b = behaviour;
            if (b instanceof Refuse refuse) {
                out.write(errorResponse(refuse.sqlState(), refuse.message()));
                out.flush();
            } else if (b instanceof Answer) {
                out.write(loginOk());
                out.flush();
                answerQueries(in, out);
            } else {
                drain(in);
            }
        } catch (IOException e) {
            // the client went away (or abort() closed the socket): nothing to do
        }
    }

    /** Reads until the peer closes, answering nothing. */
    private static void drain(InputStream in) throws IOException {
        byte[] buf = new byte[1024];
        while (in.read(buf) >= 0) {
            // swallow
        }
    }

    /** Reads SSL/GSS requests (declining them with 'N') and then the startup message. */
    private static void readStartup(DataInputStream in, DataOutputStream out) throws IOException {
        while (true) {
            int length = in.readInt();
            int code = in.readInt();
            in.readFully(new byte[length - 8]);
            if (code == SSL_REQUEST || code == GSSENC_REQUEST) {
                out.write('N');
                out.flush();
            } else {
                return;
            }
        }
    }

    private void answerQueries(DataInputStream in, DataOutputStream out) throws IOException {
        boolean[] binaryResults = new boolean[COLUMN_OIDS.length];
        while (true) {
            int type;
            try {
                type = in.readUnsignedByte();
            } catch (EOFException e) {
                return;
            }
            byte[] body = new byte[in.readInt() - 4];
            in.readFully(body);
            if (behaviour instanceof Stall stall) {
                stall.await();
            }
            if (!(behaviour instanceof Answer answer)) {
                drain(in);
                return;
            }
            String[] row = answer.row();
            switch (type) {
                case 'P' -> out.write(message('1', new byte[0]));
                case 'B' -> {
                    binaryResults = resultFormats(body);
                    out.write(message('2', new byte[0]));
                }
                case 'D' -> {
                    if (body[0] == 'S') {
                        out.write(message('t', new byte[] {0, 0}));
                    }
                    out.write(rowDescription());
                }
                case 'E' -> {
                    out.write(dataRow(row, binaryResults));
                    out.write(message('C', cstring("SELECT 1")));
                }
                case 'C' -> out.write(message('3', new byte[0]));
                case 'S' -> out.write(message('Z', new byte[] {'I'}));
                case 'Q' -> {
                    out.write(rowDescription());
                    out.write(dataRow(row, new boolean[COLUMN_OIDS.length]));
                    out.write(message('C', cstring("SELECT 1")));
                    out.write(message('Z', new byte[] {'I'}));
                }
                case 'X' -> {
                    return;
                }
                default -> {
                    // 'H' (Flush) and anything else need no answer
                }
            }
            out.flush();
        }
    }

    /** Which result columns the Bind message asks for in binary. */
    private static boolean[] resultFormats(byte[] bind) {
        ByteBuffer b = ByteBuffer.wrap(bind);
        skipCString(b); // portal
        skipCString(b); // statement
        short paramFormats = b.getShort();
        b.position(b.position() + 2 * paramFormats);
        short params = b.getShort();
        for (int i = 0; i < params; i++) {
            int len = b.getInt();
            if (len > 0) {
                b.position(b.position() + len);
            }
        }
        short resultFormats = b.getShort();
        boolean[] binary = new boolean[COLUMN_OIDS.length];
        for (int i = 0; i < resultFormats; i++) {
            boolean isBinary = b.getShort() == 1;
            if (resultFormats == 1) {
                Arrays.fill(binary, isBinary);
            } else if (i < binary.length) {
                binary[i] = isBinary;
            }
        }
        return binary;
    }

    private static void skipCString(ByteBuffer b) {
        while (b.get() != 0) {
            // skip
        }
    }

    private static byte[] loginOk() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(message('R', new byte[] {0, 0, 0, 0}));
        String[][] params = {{"server_version", "16.4"}, {"server_encoding", "UTF8"}, {"client_encoding", "UTF8"},
            {"DateStyle", "ISO, MDY"}, {"integer_datetimes", "on"}, {"standard_conforming_strings", "on"},
            {"TimeZone", "UTC"}, {"IntervalStyle", "postgres"}, {"is_superuser", "off"},
            {"application_name", "keeper"}};
        for (String[] p : params) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            body.write(cstring(p[0]));
            body.write(cstring(p[1]));
            all.write(message('S', body.toByteArray()));
        }
        all.write(message('K', ByteBuffer.allocate(8).putInt(4242).putInt(99).array()));
        all.write(message('Z', new byte[] {'I'}));
        return all.toByteArray();
    }

    static byte[] errorResponse(String sqlState, String text) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write('S');
        body.write(cstring("FATAL"));
        body.write('V');
        body.write(cstring("FATAL"));
        body.write('C');
        body.write(cstring(sqlState));
        body.write('M');
        body.write(cstring(text));
        body.write(0);
        return message('E', body.toByteArray());
    }

    private static byte[] rowDescription() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(body);
        d.writeShort(COLUMN_OIDS.length);
        for (int i = 0; i < COLUMN_OIDS.length; i++) {
            d.write(cstring("c" + (i + 1)));
            d.writeInt(0);
            d.writeShort(0);
            d.writeInt(COLUMN_OIDS[i]);
            d.writeShort(COLUMN_LENGTHS[i]);
            d.writeInt(-1);
            d.writeShort(0);
        }
        return message('T', body.toByteArray());
    }

    private static byte[] dataRow(String[] row, boolean[] binary) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(body);
        d.writeShort(row.length);
        for (int i = 0; i < row.length; i++) {
            if (row[i] == null) {
                d.writeInt(-1);
                continue;
            }
            byte[] value = binary[i] ? binaryValue(COLUMN_OIDS[i], row[i])
                    : row[i].getBytes(StandardCharsets.UTF_8);
            d.writeInt(value.length);
            d.write(value);
        }
        return message('D', body.toByteArray());
    }

    private static byte[] binaryValue(int oid, String text) {
        return switch (oid) {
            case 16 -> new byte[] {(byte) (text.equals("t") ? 1 : 0)};
            case 23 -> ByteBuffer.allocate(4).putInt(Integer.parseInt(text)).array();
            case 20 -> ByteBuffer.allocate(8).putLong(Long.parseLong(text)).array();
            default -> text.getBytes(StandardCharsets.UTF_8);
        };
    }

    private static byte[] message(char type, byte[] body) {
        return ByteBuffer.allocate(5 + body.length).put((byte) type).putInt(4 + body.length).put(body).array();
    }

    private static byte[] cstring(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    @Override
    public void close() throws IOException {
        listener.close();
        for (Socket s : clients) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
