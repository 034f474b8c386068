package io.keeper.heartbeat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One reused JDBC connection to one server, where every call has a hard deadline in milliseconds.
 * The driver's own connect timeout is in whole seconds, so the deadline is enforced here: a call that
 * overruns is abandoned, its connection aborted, and the next call connects afresh.
 */
public final class PgSession implements AutoCloseable {

    /** Work done on the connection. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T apply(Connection connection) throws SQLException;
    }

    private final Conninfo conninfo;
    private final Map<String, String> env;
    private final ExecutorService workers;
    private volatile Duration deadline;
    private volatile Duration lateWindow = Duration.ZERO;
    private volatile long lastAnswerNanos = Long.MIN_VALUE;
    private Connection connection;
    private volatile String applicationName;

    public PgSession(Conninfo conninfo, Map<String, String> env, Duration deadline, String threadName) {
        this.conninfo = conninfo;
        this.env = env;
        this.deadline = deadline;
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    public Conninfo conninfo() {
        return conninfo;
    }

    /**
     * The application_name this session's next connections show in pg_stat_activity (it overrides the conninfo's);
     * the caller sets it on the current connection itself.
     */
    public void setApplicationName(String name) {
        applicationName = name;
    }

    public void setDeadline(Duration deadline) {
        this.deadline = deadline;
    }

    public Duration deadline() {
        return deadline;
    }

    /**
     * Lets a read-only call ({@link #callIdempotent}) that overran its deadline go on in the background until
     * {@code window} after it started: the caller still gets its timeout at the deadline, but an answer that comes
     * late is noted in {@link #lastAnswerNanos()}. A server that was only stalled (a frozen host answers every
     * pending probe when it wakes) is then seen alive. {@code Duration.ZERO} (the default) abandons at the deadline.
     */
    public void setLateWindow(Duration window) {
        this.lateWindow = window;
    }

    /** When (System.nanoTime) the server last answered a read-only call, in time or late; MIN_VALUE if never. */
    public long lastAnswerNanos() {
        return lastAnswerNanos;
    }

    /** Runs work within the session's deadline; a failure or timeout drops the connection. */
    public <T> T call(SqlWork<T> work) throws SQLException, TimeoutException, InterruptedException {
        return call(work, deadline);
    }

    public synchronized <T> T call(SqlWork<T> work, Duration limit)
            throws SQLException, TimeoutException, InterruptedException {
        return attempt(work, limit);
    }

    /**
     * Runs read-only work that may safely run twice: when a kept connection turns out to be dead (the server
     * restarted since the last call), it is retried once on a fresh connection within the same deadline.
     */
    public synchronized <T> T callIdempotent(SqlWork<T> work)
            throws SQLException, TimeoutException, InterruptedException {
        Duration limit = deadline;
        long start = System.nanoTime();
        boolean reused = connection != null;
        Duration late = lateWindow;
        try {
            return attempt(work, limit, late);
        } catch (SQLException e) {
            Duration left = limit.minusNanos(System.nanoTime() - start);
            if (!reused || !connectionLost(e) || left.toMillis() < 50) {
                throw e;
            }
            return attempt(work, left, late.minusNanos(System.nanoTime() - start));
        }
    }

    /** Connection-level failures (class 08) and server-side session ends (admin shutdown, crash shutdown). */
    static boolean connectionLost(SQLException e) {
        String state = e.getSQLState();
        return state == null || state.startsWith("08") || "57P01".equals(state) || "57P02".equals(state);
    }

    private <T> T attempt(SqlWork<T> work, Duration limit)
            throws SQLException, TimeoutException, InterruptedException {
        return attempt(work, limit, Duration.ZERO);
    }

    /** One attempt; with a late window longer than the limit, a timed-out attempt goes on in the background. */
    private <T> T attempt(SqlWork<T> work, Duration limit, Duration late)
            throws SQLException, TimeoutException, InterruptedException {
        boolean mayFinishLate = late.compareTo(limit) > 0;
        Attempt<T> attempt = new Attempt<>(connection, work, mayFinishLate ? late : limit, mayFinishLate);
        Future<T> future;
        try {
            future = workers.submit(attempt);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new SQLException("session to " + conninfo.address() + " is closed", "08003", e);
        }
        try {
            T result = future.get(limit.toMillis(), TimeUnit.MILLISECONDS);
            connection = attempt.connection;
            return result;
        } catch (TimeoutException e) {
            if (mayFinishLate) {
                connection = null; // the attempt keeps its connection, and closes it when it ends
                attempt.goLate();
            } else {
                abandon(attempt, future);
            }
            throw new TimeoutException("no answer from " + conninfo.address() + " within " + limit.toMillis() + " ms");
        } catch (InterruptedException e) {
            abandon(attempt, future);
            throw e;
        } catch (ExecutionException e) {
            abandon(attempt, future);
            Throwable cause = e.getCause();
            if (cause instanceof SQLException) {
                throw (SQLException) cause;
            }
            throw new SQLException("unexpected failure talking to " + conninfo.address() + ": " + cause, "58000", cause);
        }
    }

    private void abandon(Attempt<?> attempt, Future<?> future) {
        connection = null;
        attempt.abandon();
        future.cancel(true);
    }

    private Connection open(Duration limit) throws SQLException {
        Properties props = conninfo.jdbcProperties(env);
        String seconds = String.valueOf(Math.max(1, (limit.toMillis() + 999) / 1000));
        props.setProperty("connectTimeout", seconds);
        props.setProperty("loginTimeout", seconds);
        props.setProperty("socketTimeout", seconds);
        props.setProperty("tcpKeepAlive", "true");
        if (applicationName != null) {
            props.setProperty("ApplicationName", applicationName);
        }
        return DriverManager.getConnection(conninfo.jdbcUrl(), props);
    }

    /** Drops the current connection, e.g. after a configuration reload. */
    public synchronized void reset() {
        closeQuietly(connection);
        connection = null;
    }

    @Override
    public synchronized void close() {
        reset();
        workers.shutdownNow();
    }

    static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // the connection is being thrown away; nothing more to do
        }
    }

    /**
     * One call on a worker thread; if abandoned, it closes whatever connection it ends up holding. One that may
     * finish late uses its whole late window for the driver's timeouts; if its caller has stopped waiting, it notes
     * an answer that comes within that window and closes its connection.
     */
    private final class Attempt<T> implements Callable<T> {
        private final SqlWork<T> work;
        private final Duration limit;
        private final boolean mayFinishLate;
        private final long started = System.nanoTime();
        private Connection connection;
        private boolean abandoned;
        private boolean late;
        private boolean done;

        Attempt(Connection reuse, SqlWork<T> work, Duration limit, boolean mayFinishLate) {
            this.connection = reuse;
            this.work = work;
            this.limit = limit;
            this.mayFinishLate = mayFinishLate;
        }

        synchronized void goLate() {
            late = true;
            if (done) { // it finished between the caller's timeout and now: nobody takes its connection
                closeQuietly(connection);
            }
        }

        @Override
        public T call() throws SQLException {
            Connection c;
            synchronized (this) {
                c = connection;
            }
            if (c == null || c.isClosed()) {
                c = open(limit);
            }
            synchronized (this) {
                connection = c;
                if (abandoned) {
                    closeQuietly(c);
                    throw new SQLException("abandoned after the deadline", "57014");
                }
            }
            c.setNetworkTimeout(Runnable::run, (int) Math.max(1, limit.toMillis()));
            T result;
            try {
                result = work.apply(c);
            } catch (SQLException | RuntimeException e) {
                endLate();
                throw e;
            }
            long answered = System.nanoTime();
            if (!mayFinishLate || answered - started <= limit.toNanos()) {
                lastAnswerNanos = Math.max(lastAnswerNanos, answered);
            }
            endLate();
            return result;
        }

        /** A late attempt's connection is its own: the session has already moved on to a fresh one. */
        private synchronized void endLate() {
            done = true;
            if (late) {
                closeQuietly(connection);
            }
        }

        synchronized void abandon() {
            abandoned = true;
            Connection c = connection;
            if (c != null) {
                try {
                    c.abort(Runnable::run);
                } catch (SQLException | RuntimeException ignored) {
                    closeQuietly(c);
                }
            }
        }
    }
}
