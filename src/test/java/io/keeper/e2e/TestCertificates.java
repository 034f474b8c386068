package io.keeper.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A throw-away certificate authority and the certificates an etcd member and keeper need for mutual TLS, made with
 * the JDK's keytool (EC P-256, valid two days) in a directory of the test's: ca.pem, server.crt / server.key (for the
 * names etcd1, localhost and 127.0.0.1), client.crt / client.key, and other-ca.pem (a CA that signed nothing).
 * Private keys are written as PKCS#8 PEM (BEGIN PRIVATE KEY), the form keeper and etcd both read.
 */
final class TestCertificates {
    private static final String PASSWORD = "changeit";
    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    static TestCertificates create(Path dir) {
        TestCertificates c = new TestCertificates(dir);
        c.keypair("ca", "CN=keeper-test-ca", "bc:c");
        c.keypair("other-ca", "CN=another-ca", "bc:c");
        c.exportCertificate("ca", "ca.pem");
        c.exportCertificate("other-ca", "other-ca.pem");
        c.signed("server", "CN=etcd1", "SAN=dns:etcd1,dns:localhost,ip:127.0.0.1", "EKU=serverAuth,clientAuth");
        c.signed("client", "CN=keeper", null, "EKU=clientAuth");
        return c;
    }

    /** A file of this set, e.g. file("client.key"). */
    Path file(String name) {
        return dir.resolve(name);
    }

    private void keypair(String alias, String dname, String extension) {
        List<String> args = new ArrayList<>(List.of("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", dname, "-validity", "2"));
        if (extension != null) {
            args.addAll(List.of("-ext", extension));
        }
        keytool(alias + ".p12", args);
    }

    private void signed(String alias, String dname, String san, String eku) {
        keypair(alias, dname, null);
        keytool(alias + ".p12", List.of("-certreq", "-alias", alias, "-file", dir.resolve(alias + ".csr").toString()));
        List<String> args = new ArrayList<>(List.of("-gencert", "-alias", "ca", "-rfc", "-validity", "2",
                "-infile", dir.resolve(alias + ".csr").toString(), "-outfile", dir.resolve(alias + ".crt").toString(),
                "-ext", eku));
        if (san != null) {
            args.addAll(List.of("-ext", san));
        }
        keytool("ca.p12", args);
        writePrivateKey(alias);
    }

    private void exportCertificate(String alias, String file) {
        keytool(alias + ".p12", List.of("-exportcert", "-rfc", "-alias", alias, "-file", dir.resolve(file).toString()));
    }

    private void writePrivateKey(String alias) {
        try (InputStream in = Files.newInputStream(dir.resolve(alias + ".p12"))) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            byte[] der = ks.getKey(alias, PASSWORD.toCharArray()).getEncoded(); // PKCS#8
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                    + "\n-----END PRIVATE KEY-----\n";
            Files.writeString(dir.resolve(alias + ".key"), pem);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot write the private key of " + alias, e);
        }
    }

    private void keytool(String keystore, List<String> args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString()));
        command.addAll(args);
        command.addAll(List.of("-keystore", dir.resolve(keystore).toString(), "-storetype", "PKCS12", "-storepass",
                PASSWORD, "-keypass", PASSWORD, "-noprompt"));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted running keytool", e);
        }
    }
}
