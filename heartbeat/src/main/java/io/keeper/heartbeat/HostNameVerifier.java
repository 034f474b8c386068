package io.keeper.heartbeat;

import java.util.Properties;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SSLSession;
import org.postgresql.ssl.PGjdbcHostnameVerifier;

/**
 * With hostaddr, the driver connects to an address but the server's certificate names the host: this verifier,
 * which the driver builds from the connection's properties, checks the certificate against host (as libpq does),
 * with the driver's own rules.
 */
public final class HostNameVerifier implements HostnameVerifier {

    /** The connection property that carries host to the verifier. */
    static final String EXPECTED_HOST = "keeper.expectedHost";

    private final String expected;
    private final HostnameVerifier rules;

    /** Called by the driver with the connection's properties. */
    public HostNameVerifier(Properties info) {
        this(info.getProperty(EXPECTED_HOST), PGjdbcHostnameVerifier.INSTANCE);
    }

    HostNameVerifier(String expected, HostnameVerifier rules) {
        this.expected = expected;
        this.rules = rules;
    }

    String expected() {
        return expected;
    }

    @Override
    public boolean verify(String connectedTo, SSLSession session) {
        return expected != null && rules.verify(expected, session);
    }
}
