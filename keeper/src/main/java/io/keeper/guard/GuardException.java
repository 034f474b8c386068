package io.keeper.guard;

/** keeper guard could not decide or act; {@link #exitCode()} is 1 (do not start) or 2 (usage, configuration). */
public final class GuardException extends Exception {

    public static final int REFUSE = 1;
    public static final int USAGE = 2;

    private final int exitCode;

    public GuardException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
