package io.keeper.lease;

/** The arbiter could not be asked (unreachable, refused, timed out, or the statement failed); keeps the SQLState. */
public final class LeaseException extends Exception {

    private final String sqlState;

    public LeaseException(String message, String sqlState, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    public String sqlState() {
        return sqlState;
    }
}
