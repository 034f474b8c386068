package io.keeper.lease;

import io.keeper.config.EtcdSettings;
import io.keeper.config.KeeperConfig;
import io.keeper.heartbeat.PgSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Opens the lease of the configured arbiter: the witness (witness_conninfo) or an etcd cluster (etcd_endpoints). */
public final class Arbiters {

    private Arbiters() {
    }

    /**
     * The configured arbiter's lease, each call on its own connection, or null without an arbiter.
     *
     * @param deadline how long one call may take
     * @param purpose names the connection (the witness session's application_name)
     * @throws IllegalArgumentException when a TLS file of the etcd settings cannot be used (the message names it)
     */
    public static Lease open(KeeperConfig config, Map<String, String> env, Duration deadline, String purpose) {
        if (config.witnessConninfo().isPresent()) {
            return WitnessLease.owning(new PgSession(config.witnessConninfo().get(), env, deadline, purpose));
        }
        return config.etcd().map(e -> (Lease) new EtcdLease(e, deadline, tls(e))).orElse(null);
    }

    /** The TLS context for https endpoints, or null for http ones. */
    public static SSLContext tls(EtcdSettings e) {
        if (!e.endpoints().get(0).getScheme().equals("https")) {
            return null;
        }
        try {
            TrustManagerFactory trust = null;
            if (!e.caCert().isEmpty()) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                int i = 0;
                for (Certificate c : certificates("etcd_cacert", e.caCert())) {
                    ks.setCertificateEntry("ca" + i++, c);
                }
                trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(ks);
            }
            KeyManagerFactory keys = null;
            if (!e.cert().isEmpty()) {
                Collection<? extends Certificate> chain = certificates("etcd_cert", e.cert());
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                char[] none = new char[0];
                ks.setKeyEntry("client", privateKey(e.key()), none, chain.toArray(Certificate[]::new));
                keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(ks, none);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(),
                    null);
            return context;
        } catch (GeneralSecurityException | IOException ex) {
            throw new IllegalArgumentException("cannot set up TLS for etcd: " + ex.getMessage(), ex);
        }
    }

    private static Collection<? extends Certificate> certificates(String key, String file) {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new IllegalArgumentException(key + " " + file + ": no PEM certificate in it");
            }
            return certs;
        } catch (IOException ex) {
            throw new IllegalArgumentException(key + " " + file + ": cannot read it: " + ex.getMessage(), ex);
        } catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException(key + " " + file + ": not a PEM certificate: " + ex.getMessage(), ex);
        }
    }

    private static PrivateKey privateKey(String file) {
        String text;
        try {
            text = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
        } catch (IOException ex) {
            throw new IllegalArgumentException("etcd_key " + file + ": cannot read it: " + ex.getMessage(), ex);
        }
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("etcd_key " + file + ": not a PKCS#8 PEM key (BEGIN PRIVATE KEY);"
                    + " convert it with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out " + file + ".pk8");
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException ex) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException("etcd_key " + file + ": not an RSA, EC or Ed25519 private key");
    }
}
