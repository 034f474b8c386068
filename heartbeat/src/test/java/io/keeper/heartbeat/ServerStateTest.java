package io.keeper.heartbeat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** WAL positions and roles as reported by a server. */
class ServerStateTest {

    @Test
    void parsesLsnAsHighAndLowHexHalves() {
        assertEquals(0x3000060L, ServerState.parseLsn("0/3000060"));
        assertEquals(1L << 32, ServerState.parseLsn("1/0"));
        assertEquals(0x16_B374_D848L, ServerState.parseLsn("16/B374D848"));
        assertEquals(0L, ServerState.parseLsn("0/0"));
    }

    @Test
    void lowerCaseHexIsAccepted() {
        assertEquals(0x16_B374_D848L, ServerState.parseLsn("16/b374d848"));
    }

    @Test
    void laterPositionIsGreater() {
        assertTrue(ServerState.parseLsn("1/0") > ServerState.parseLsn("0/FFFFFFFF"));
        assertTrue(ServerState.parseLsn("0/3000060") > ServerState.parseLsn("0/3000028"));
    }

    @Test
    void missingOrMalformedLsnIsMinusOne() {
        assertEquals(-1L, ServerState.parseLsn(null));
        assertEquals(-1L, ServerState.parseLsn(""));
        assertEquals(-1L, ServerState.parseLsn("3000060"));
    }

    @Test
    void lsnBytesAndRoleComeFromTheRecord() {
        ServerState standby = new ServerState(true, 3, "0/3000060", 1L, "", "", 0);
        ServerState primary = new ServerState(false, 4, "1/0", 1L, "s1", "", 1);

        assertEquals(0x3000060L, standby.lsnBytes());
        assertEquals("standby", standby.role());
        assertEquals("primary", primary.role());
    }
}
