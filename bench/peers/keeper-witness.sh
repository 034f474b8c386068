# keeper on both nodes with a witness: node3 is a plain PostgreSQL server holding keeper's lease. Used
# by the split-brain part splitbrain (bench/splitbrain.sh). Sourced after bench/lib.sh.
ARBITER_WITH="a witness"
ARBITER_SETTING="witness_conninfo = 'host=node3 port=5432 dbname=postgres user=postgres'"
ARBITER_MD="\`node3\` is a plain PostgreSQL 15 server from the same image
(no keeper, no replication) on which the keepers keep their lease (table \`keeper_lease\`, created by
keeper)."
ARBITER_HOSTS=node3
SB_ARBITER_SCENARIOS="witness-kill witness-kill-light witness-primary"
source "$BENCH_DIR/peers/keeper-arbiter.sh"

arbiter_up() {
  start_node node3 witness
  wait_until 60 "the witness to answer" answers node3
}
answers() { [[ $(sql "$1" "SELECT 1") == 1 ]]; }
arbiter_victims() { echo node3; }

# The lease row on the witness: holder, term, seconds left, sync_released.
lease_row() { sql node3 "SELECT holder, term, round(extract(epoch FROM expires_at - now())::numeric, 2), sync_released FROM keeper_lease"; }
lease_held_by() { [[ $(sql node3 "SELECT holder FROM keeper_lease WHERE expires_at > now()") == "$1" ]]; }
# The witness keeps the last expiry its row was given: once it has been down longer than the lease time,
# a valid lease is a renewal.
lease_renewed_by() { lease_held_by "$1"; }
