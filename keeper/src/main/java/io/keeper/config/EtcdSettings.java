package io.keeper.config;

import java.net.URI;
import java.util.List;

/**
 * How keeper reaches an etcd cluster used as the arbiter (etcd_endpoints and the etcd_* keys).
 *
 * @param endpoints client URLs, all of the same scheme
 * @param prefix key prefix, absolute, no trailing slash
 * @param user etcd user ("" when etcd authentication is off)
 * @param password etcd_user's password; never shown
 * @param caCert PEM file of the servers' certificate authority, "" for the JVM's
 * @param cert PEM file of the client certificate, "" for none
 * @param key PEM (PKCS#8) file of the client certificate's private key, "" for none
 */
public record EtcdSettings(List<URI> endpoints, String prefix, String user, String password, String caCert,
                           String cert, String key) {

    /** "http://etcd1:2379, http://etcd2:2379" for logs; the settings hold no secret in the URLs. */
    public String describe() {
        return "etcd " + String.join(",", endpoints.stream().map(URI::toString).toList()) + " (prefix " + prefix + ")";
    }

    @Override
    public String toString() {
        return describe() + (user.isEmpty() ? "" : ", user " + user + ", password ********");
    }
}
