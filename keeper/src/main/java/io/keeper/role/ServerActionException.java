package io.keeper.role;

/** An action on the local server failed; the message says what was being done, and keeps the SQLState. */
public final class ServerActionException extends Exception {

    private final String sqlState;

    public ServerActionException(String message, String sqlState, Throwable cause) {
        super(message + (sqlState != null ? " (SQLSTATE " + sqlState + ")" : ""), cause);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
