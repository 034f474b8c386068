package io.keeper.clone;

import java.util.Locale;
import java.util.Optional;

/**
 * What to do with the primary's replication slot named after this node: create it, reuse it, drop and create it
 * again, or refuse. A pure function of what the primary's pg_replication_slots showed.
 *
 * @param action what pg_basebackup is run with (or why not)
 * @param reason one line, also shown to the administrator
 */
record SlotPlan(Action action, String slotName, String reason) {

    /** The decisions, each with what it means for pg_basebackup. */
    enum Action {
        /** No such slot: pg_basebackup --create-slot --slot=NAME. */
        CREATE,
        /** An idle physical slot: pg_basebackup --slot=NAME uses it (and whatever WAL it kept). */
        REUSE,
        /** An idle slot that lost the WAL it was keeping (wal_status lost): drop it, then CREATE. */
        RECREATE,
        /** A slot in use, or a logical one: another server owns this name. */
        REFUSE
    }

    /**
     * One row of pg_replication_slots.
     *
     * @param walStatus reserved, extended, unreserved or lost (PostgreSQL 13+); null when unknown
     */
    record SlotState(String slotType, boolean active, Integer activePid, String clientAddress, String walStatus) {
    }

    /** node2 → node2, Node-2.a → node_2_a: slot names allow only lower-case letters, digits and _ (63 at most). */
    static String slotName(String nodeName) {
        String name = nodeName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        return name.length() > 63 ? name.substring(0, 63) : name;
    }

    static SlotPlan decide(String slotName, Optional<SlotState> existing, String primary) {
        if (existing.isEmpty()) {
            return new SlotPlan(Action.CREATE, slotName, "creating replication slot " + slotName + " on " + primary);
        }
        SlotState s = existing.get();
        if (!"physical".equals(s.slotType())) {
            return new SlotPlan(Action.REFUSE, slotName, primary + " has a " + s.slotType() + " replication slot named "
                    + slotName + ": this node's slot needs that name (node_name); drop that slot or rename the node");
        }
        if (s.active()) {
            return new SlotPlan(Action.REFUSE, slotName, "replication slot " + slotName + " on " + primary
                    + " is in use (walsender pid " + s.activePid() + (s.clientAddress() != null ? ", client "
                    + s.clientAddress() : "") + "): another server streams as " + slotName + "; node_name must be"
                    + " unique, or stop that server first");
        }
        if ("lost".equals(s.walStatus())) {
            return new SlotPlan(Action.RECREATE, slotName, "replication slot " + slotName + " on " + primary
                    + " has lost the WAL it kept (wal_status lost): dropping it and creating it again");
        }
        return new SlotPlan(Action.REUSE, slotName, "reusing the idle replication slot " + slotName + " on " + primary);
    }
}
