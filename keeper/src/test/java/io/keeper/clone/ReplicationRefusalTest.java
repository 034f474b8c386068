package io.keeper.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReplicationRefusalTest {

    private static final String PRIMARY = "node1:5432";

    @Test
    void namesThePgHbaLineWithTheAddressThePrimarySaw() {
        String jdbc = "FATAL: no pg_hba.conf entry for replication connection from host \"172.18.0.3\", user"
                + " \"postgres\", no encryption";
        assertEquals(Optional.of("node1:5432 has no pg_hba.conf line for replication from 172.18.0.3 as postgres: add"
                + " `host replication postgres 172.18.0.3/32 scram-sha-256` to its pg_hba.conf and run SELECT"
                + " pg_reload_conf() there"), ReplicationRefusal.explain(jdbc, PRIMARY, "postgres"));
    }

    @Test
    void readsTheSameRefusalInPgBasebackupOutput() {
        String libpq = "pg_basebackup: error: connection to server at \"node1\" (172.18.0.2), port 5432 failed: FATAL:"
                + "  no pg_hba.conf entry for replication connection from host \"fd00::3\", user \"repl user\", SSL"
                + " encryption";
        assertEquals("`hostssl replication \"repl user\" fd00::3/128 scram-sha-256`",
                ReplicationRefusal.explain(libpq, PRIMARY, "x").orElseThrow().replaceAll(".*add (`[^`]*`).*", "$1"));
    }

    @Test
    void aRejectingLineIsToBeOvertaken() {
        String text = "FATAL: pg_hba.conf rejects replication connection for host \"10.0.0.7\", user \"postgres\","
                + " no encryption";
        assertEquals(Optional.of("a line of node1:5432's pg_hba.conf rejects replication from 10.0.0.7 as postgres: put"
                + " `host replication postgres 10.0.0.7/32 scram-sha-256` above it and run SELECT pg_reload_conf()"
                + " there"), ReplicationRefusal.explain(text, PRIMARY, "postgres"));
    }

    @Test
    void aRoleWithoutReplicationNeedsAlterRole() {
        assertEquals(Optional.of("role App may not replicate from node1:5432: run ALTER ROLE \"App\" REPLICATION there"
                        + " (or use a role that has it in partner_conninfo)"),
                ReplicationRefusal.explain("FATAL: must be superuser or replication role to start walsender", PRIMARY,
                        "App"));
        assertEquals("role keeper may not replicate from node1:5432: run ALTER ROLE keeper REPLICATION there (or use a"
                        + " role that has it in partner_conninfo)",
                ReplicationRefusal.explain("FATAL:  permission denied to start WAL sender", PRIMARY, "keeper")
                        .orElseThrow());
    }

    @Test
    void passwordsWrongOrMissing() {
        assertEquals(Optional.of("node1:5432 refused the password of role postgres: fix it in partner_conninfo or in"
                        + " the .pgpass line for node1:5432 (database field * or replication)"),
                ReplicationRefusal.explain("FATAL: password authentication failed for user \"postgres\"", PRIMARY,
                        "postgres"));
        assertEquals(Optional.of("node1:5432 asks role postgres for a password and none was found: put it in"
                        + " ~/.pgpass as node1:5432:*:postgres:PASSWORD (mode 600) or in partner_conninfo"),
                ReplicationRefusal.explain("The server requested SCRAM-based authentication, but no password was"
                        + " provided.", PRIMARY, "postgres"));
        assertEquals(true, ReplicationRefusal.explain("pg_basebackup: error: connection to server at \"node1\""
                + " failed: fe_sendauth: no password supplied", PRIMARY, "postgres").isPresent());
    }

    @Test
    void noWalSendersLeft() {
        assertEquals(Optional.of("node1:5432 allows no more replication connections (max_wal_senders = 0): raise"
                        + " max_wal_senders there (a restart) or end a connection it holds"),
                ReplicationRefusal.explain("FATAL: number of requested standby connections exceeds max_wal_senders"
                        + " (currently 0)", PRIMARY, "postgres"));
    }

    @Test
    void otherTextIsNoRefusal() {
        assertEquals(Optional.empty(), ReplicationRefusal.explain("pg_basebackup: error: could not create directory"
                + " \"/x\": Permission denied", PRIMARY, "postgres"));
        assertEquals(Optional.empty(), ReplicationRefusal.explain(null, PRIMARY, "postgres"));
    }
}
