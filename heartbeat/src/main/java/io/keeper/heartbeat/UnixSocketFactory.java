package io.keeper.heartbeat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Properties;
import javax.net.SocketFactory;

/**
 * Lets the JDBC driver reach a server through its Unix-domain socket ({@code host=/var/run/postgresql}, as in
 * libpq): the driver asks this factory for a socket and "connects" it to a TCP address, which the socket replaces
 * with {@code DIR/.s.PGSQL.PORT}. Built on the JDK's own Unix-domain channels; no native library.
 */
public final class UnixSocketFactory extends SocketFactory {

    /** The connection property with the socket directory; the port comes from the URL. */
    static final String DIRECTORY = "keeper.socketDirectory";

    private final Path directory;

    /** Called by the driver with the connection's properties. */
    public UnixSocketFactory(Properties info) {
        this.directory = Path.of(info.getProperty(DIRECTORY, "/var/run/postgresql"));
    }

    @Override
    public Socket createSocket() {
        return new UnixSocket(directory);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return connected(port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return connected(port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return connected(port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return connected(port);
    }

    private Socket connected(int port) throws IOException {
        UnixSocket s = new UnixSocket(directory);
        s.connectTo(port);
        return s;
    }

    /** A java.net.Socket over a Unix-domain SocketChannel; TCP options are accepted and have no effect. */
    static final class UnixSocket extends Socket {
        private final Path directory;
        private SocketChannel channel;
        private InputStream in;
        private OutputStream out;
        private int soTimeout;

        UnixSocket(Path directory) {
            this.directory = directory;
        }

        /** The driver passes the URL's host and port: only the port counts, as in libpq's socket name. */
        @Override
        public void connect(SocketAddress endpoint, int timeout) throws IOException {
            int port = endpoint instanceof java.net.InetSocketAddress inet ? inet.getPort() : 5432;
            connectTo(port);
        }

        @Override
        public void connect(SocketAddress endpoint) throws IOException {
            connect(endpoint, 0);
        }

        synchronized void connectTo(int port) throws IOException {
            Path path = directory.resolve(".s.PGSQL." + port);
            SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                c.connect(UnixDomainSocketAddress.of(path));
            } catch (IOException e) {
                c.close();
                // a ConnectException, as for a TCP port nobody listens on: the server is not there
                throw new java.net.ConnectException("cannot connect to the socket " + path + ": " + e.getMessage());
            }
            channel = c;
            in = Channels.newInputStream(c);
            out = Channels.newOutputStream(c);
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                throw new SocketException("not connected");
            }
            return in;
        }

        @Override
        public synchronized OutputStream getOutputStream() throws IOException {
            if (out == null) {
                throw new SocketException("not connected");
            }
            return out;
        }

        @Override
        public synchronized boolean isConnected() {
            return channel != null && channel.isConnected();
        }

        @Override
        public synchronized boolean isClosed() {
            return channel != null && !channel.isOpen();
        }

        @Override
        public synchronized void close() throws IOException {
            if (channel != null) {
                channel.close();
            }
        }

        // keeper's deadlines are enforced around each call (PgSession), so the driver's socket timeout is kept
        // for it to read back but not applied to the channel's blocking reads
        @Override
        public synchronized void setSoTimeout(int timeout) {
            soTimeout = timeout;
        }

        @Override
        public synchronized int getSoTimeout() {
            return soTimeout;
        }

        @Override
        public void setTcpNoDelay(boolean on) {
            // not TCP
        }

        @Override
        public void setKeepAlive(boolean on) {
            // not TCP
        }

        @Override
        public void setReceiveBufferSize(int size) {
            // the kernel's default for Unix-domain sockets
        }

        @Override
        public void setSendBufferSize(int size) {
            // the kernel's default for Unix-domain sockets
        }

        @Override
        public void shutdownInput() throws IOException {
            channel.shutdownInput();
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }
    }
}
