package io.keeper.clone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SlotPlanTest {

    private static final String PRIMARY = "node1:5432";

    @Test
    void slotNamesFollowNodeNamesInTheCharactersSlotsAllow() {
        assertEquals("node2", SlotPlan.slotName("node2"));
        assertEquals("db_2_example_com", SlotPlan.slotName("DB-2.example.com"));
        assertEquals(63, SlotPlan.slotName("n".repeat(63)).length());
    }

    @Test
    void createsAMissingSlot() {
        assertEquals(SlotPlan.Action.CREATE, SlotPlan.decide("node2", Optional.empty(), PRIMARY).action());
    }

    @Test
    void reusesAnIdlePhysicalSlot() {
        SlotPlan plan = SlotPlan.decide("node2", Optional.of(slot("physical", false, "reserved")), PRIMARY);
        assertEquals(SlotPlan.Action.REUSE, plan.action());
        assertEquals("reusing the idle replication slot node2 on node1:5432", plan.reason());
    }

    @Test
    void refusesASlotInUseNamingWhoUsesIt() {
        SlotPlan plan = SlotPlan.decide("node2", Optional.of(new SlotPlan.SlotState("physical", true, 4711,
                "172.18.0.9", "reserved")), PRIMARY);
        assertEquals(SlotPlan.Action.REFUSE, plan.action());
        assertTrue(plan.reason().contains("in use (walsender pid 4711, client 172.18.0.9)"), plan.reason());
    }

    @Test
    void refusesALogicalSlotOfTheSameName() {
        assertEquals(SlotPlan.Action.REFUSE,
                SlotPlan.decide("node2", Optional.of(slot("logical", false, "reserved")), PRIMARY).action());
    }

    @Test
    void recreatesAnIdleSlotThatLostItsWal() {
        assertEquals(SlotPlan.Action.RECREATE,
                SlotPlan.decide("node2", Optional.of(slot("physical", false, "lost")), PRIMARY).action());
    }

    private static SlotPlan.SlotState slot(String type, boolean active, String walStatus) {
        return new SlotPlan.SlotState(type, active, null, null, walStatus);
    }
}
