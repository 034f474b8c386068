package io.keeper.pause;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PauseTest {

    private static final Instant NOW = Instant.parse("2026-12-01T06:10:00.750Z");

    @Test
    void aPauseForALengthEndsThenAndReadsBackAsWritten() {
        Pause p = Pause.starting(NOW, Duration.ofMinutes(10), "dba@db 1");
        assertEquals("until=2026-12-01T06:20:00Z set=2026-12-01T06:10:00Z by=dba@db_1", p.format());
        assertEquals(Optional.of(p), Pause.parse(p.format()));
        assertTrue(p.holdsAt(NOW));
        assertFalse(p.holdsAt(Instant.parse("2026-12-01T06:20:00Z")));
        assertEquals("paused until 2026-12-01T06:20:00Z (599 s left), set 2026-12-01T06:10:00Z by dba@db_1",
                p.describe(NOW));
        assertTrue(p.describe(Instant.parse("2026-12-01T07:00:00Z")).startsWith("pause ended at"));
    }

    @Test
    void aPauseWithoutALengthHoldsUntilResumed() {
        Pause p = Pause.starting(NOW, null, "dba@db1");
        assertNull(p.until());
        assertEquals(Optional.of(p), Pause.parse(p.format()));
        assertTrue(p.holdsAt(NOW.plus(Duration.ofDays(365))));
    }

    @Test
    void nothingRecordedIsNoPauseAndAnUnreadableValueHoldsUntilResumed() {
        assertEquals(Optional.empty(), Pause.parse(""));
        assertEquals(Optional.empty(), Pause.parse(null));
        for (String odd : new String[] {"yes", "until=tomorrow set=x by=y", "until=none extra"}) {
            Pause p = Pause.parse(odd).orElseThrow();
            assertTrue(p.holdsAt(NOW), odd);
            assertTrue(p.describe(NOW).contains("unreadable keeper.paused"), p.describe(NOW));
        }
    }
}
