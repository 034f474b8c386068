# keeper on both nodes with an arbiter holding the lease: what bench/peers/keeper-witness.sh (a witness, part
# splitbrain) and bench/peers/keeper-etcd.sh (an etcd cluster, part splitbrain-etcd) share; not a tool of its own.
# Sourced by them after bench/lib.sh. Each sets, before sourcing it:
#   ARBITER_WITH            "a witness", "etcd": the words after "keeper with" in the report
#   ARBITER_SETTING         the keeper.conf line that names the arbiter
#   ARBITER_MD              markdown for the report: what the arbiter is and where the lease lives on it
#   ARBITER_HOSTS           its containers: isolate cuts node1 off from node2 and from each of them
#   SB_ARBITER_SCENARIOS    its own split-brain scenarios (bench/splitbrain.sh), after crash, linkcut and isolate
# and defines:
#   arbiter_up              starts the arbiter; returns once it answers
#   arbiter_victims SCENARIO  the containers one of its own scenarios kills (names without SET)
#   lease_held_by NODE      the arbiter says NODE holds a valid lease
#   lease_renewed_by NODE   NODE renewed the lease since the arbiter came back (bench/splitbrain.sh waits for it)
#   lease_row               the lease as the arbiter shows it, for a run's note
source "$BENCH_DIR/peers/keeper.sh"
NODE_CAPS=NET_ADMIN            # the split-brain runs cut single links with iptables inside a node
CLIENT_PROBES=node1,node2      # a probe writes on each node every 20 ms: which servers accepted writes, when
# on_superseded = rejoin: a superseded old primary is rewound and follows the winner by itself, so a
# run can measure how long until it streams again. data_directory: for keeper guard at a reboot.
KEEPER_SETTINGS="keepalive_time = 1s
keepalive_count = 3
$ARBITER_SETTING
on_superseded = rejoin
data_directory = '/var/lib/postgresql/data'"

# node1's keeper first, until it holds the lease, then node2's: two keepers that start at the same
# moment both create the lease (with a witness, both run CREATE TABLE IF NOT EXISTS keeper_lease, one of
# them can fail: "duplicate key value violates unique constraint pg_type_typname_nsp_index"), and a
# primary's keeper whose first renewal failed demotes its server (seen in this bench: the pair was left
# without a primary).
tool_up() {
  arbiter_up || return 1
  keeper_pair_built "$1" || return 1
  start_keeper node1
  wait_until 30 "node1 to hold the lease" lease_held_by node1 || return 1
  start_keeper node2
  wait_until 60 "node2's keeper to see node1 as primary" keeper_watching
}

tool_settings_md() {
  cat <<EOM
keeper on both nodes with $ARBITER_WITH: $ARBITER_MD The same JVM flags and restart loop as keeper
without $ARBITER_WITH. A node container started again after \`docker kill\` runs \`keeper guard\` before
PostgreSQL, as the systemd drop-in \`conf/keeper-guard.conf\` does, and then keeper.

\`keeper.conf\` (besides \`node_name\`, \`my_conninfo\`, \`partner_conninfo\`; everything else at its default):

\`\`\`
$KEEPER_SETTINGS
\`\`\`

Lease time = \`keepalive_time × keepalive_count\` = 3 s; the primary stops writing 2.25 s after its
last renewal. Synchronous runs: \`synchronous_standby_names = '*'\` as for keeper without $ARBITER_WITH;
with $ARBITER_WITH the primary releases synchronous commits only under a freshly renewed lease, and marks
the lease \`sync_released\` so the standby cannot take it afterwards.
EOM
}
