# keeper on both nodes with a witness: node3 is a plain PostgreSQL server holding keeper's lease. Used
# by the split-brain part (bench/splitbrain.sh). Sourced after bench/lib.sh.
source "$BENCH_DIR/peers/keeper.sh"
NODE_CAPS=NET_ADMIN            # the split-brain runs cut single links with iptables inside a node
CLIENT_PROBES=node1,node2      # a probe writes on each node every 20 ms: which servers accepted writes, when
# on_superseded = rejoin: a superseded old primary is rewound and follows the winner by itself, so a
# run can measure how long until it streams again. data_directory: for keeper guard at a reboot.
KEEPER_SETTINGS="keepalive_time = 1s
keepalive_count = 3
witness_conninfo = 'host=node3 port=5432 dbname=postgres user=postgres'
on_superseded = rejoin
data_directory = '/var/lib/postgresql/data'"

# The lease row on the witness: holder, term, seconds left, sync_released.
lease_row() { sql node3 "SELECT holder, term, round(extract(epoch FROM expires_at - now())::numeric, 2), sync_released FROM keeper_lease"; }
lease_held_by() { [[ $(sql node3 "SELECT holder FROM keeper_lease WHERE expires_at > now()") == "$1" ]]; }
answers() { [[ $(sql "$1" "SELECT 1") == 1 ]]; }

# node1's keeper first, until it holds the lease, then node2's: two keepers that start at the same
# moment both run CREATE TABLE IF NOT EXISTS keeper_lease on the witness, one of them can fail
# ("duplicate key value violates unique constraint pg_type_typname_nsp_index"), and a primary's keeper
# whose first renewal failed demotes its server (seen in this bench: the pair was left without a primary).
tool_up() {
  start_node node3 witness
  wait_until 60 "the witness to answer" answers node3 || return 1
  keeper_pair_built "$1" || return 1
  start_keeper node1
  wait_until 30 "node1 to hold the lease on the witness" lease_held_by node1 || return 1
  start_keeper node2
  wait_until 60 "node2's keeper to see node1 as primary" keeper_watching
}

tool_settings_md() {
  cat <<EOM
keeper on both nodes with a witness: \`node3\` is a plain PostgreSQL 15 server from the same image
(no keeper, no replication) on which the keepers keep their lease (table \`keeper_lease\`, created by
keeper). The same JVM flags and restart loop as keeper without a witness. A node container started
again after \`docker kill\` runs \`keeper guard\` before PostgreSQL, as the systemd drop-in
\`conf/keeper-guard.conf\` does, and then keeper.

\`keeper.conf\` (besides \`node_name\`, \`my_conninfo\`, \`partner_conninfo\`; everything else at its default):

\`\`\`
$KEEPER_SETTINGS
\`\`\`

Lease time = \`keepalive_time × keepalive_count\` = 3 s; the primary stops writing 2.25 s after its
last renewal. Synchronous runs: \`synchronous_standby_names = '*'\` as for keeper without a witness;
with a witness the primary releases synchronous commits only under a freshly renewed lease, and marks
the lease \`sync_released\` so the standby cannot take it afterwards.
EOM
}
