# keeper on both nodes with etcd as the arbiter: etcd1, etcd2 and etcd3 run a three-member etcd cluster
# (bench/node/etcd.sh) holding keeper's lease under /keeper/<system identifier>/. Used by the split-brain
# part splitbrain-etcd (bench/splitbrain.sh). Sourced after bench/lib.sh.
ETCD_MEMBERS="etcd1 etcd2 etcd3"
ETCD_ENDPOINTS=http://etcd1:2379,http://etcd2:2379,http://etcd3:2379
ARBITER_WITH=etcd
ARBITER_SETTING="etcd_endpoints = '$ETCD_ENDPOINTS'"
ARBITER_MD="\`etcd1\`, \`etcd2\` and \`etcd3\` run a three-member etcd cluster (Debian's etcd-server from
the same image, its default heartbeat of 100 ms and election timeout of 1 s; each member's data inside its
container, so a member started again after \`docker kill\` rejoins with its data). keeper keeps its lease
under \`/keeper/<system identifier>/\`: \`holder\` (its revision is the term) and \`alive\`, attached to an etcd
lease of 3 s that the primary keeps alive."
ARBITER_HOSTS=$ETCD_MEMBERS
SB_ARBITER_SCENARIOS="etcd-member-kill etcd-majority-kill etcd-majority-kill-light etcd-majority-primary"
source "$BENCH_DIR/peers/keeper-arbiter.sh"

arbiter_up() {
  local m
  for m in $ETCD_MEMBERS; do start_node "$m" etcd ETCD_MEMBERS="$ETCD_MEMBERS" || return 1; done
  wait_until 60 "etcd to elect a leader" etcd_has_leader
}

# etcdctl (v3 API, every member as an endpoint) run in the first member whose container runs.
etcdctl_any() {
  local m
  for m in $ETCD_MEMBERS; do
    [[ $(docker inspect -f '{{.State.Running}}' "$SET-$m" 2>/dev/null) == true ]] || continue
    docker exec -e ETCDCTL_API=3 "$SET-$m" etcdctl --endpoints="$ETCD_ENDPOINTS" --dial-timeout=1s \
      --command-timeout=2s "$@"
    return
  done
  return 1
}

# The member that is etcd's leader now (etcdctl endpoint status: endpoint, id, version, size, is leader, ...).
etcd_leader() {
  etcdctl_any endpoint status 2>/dev/null | awk -F', ' '$5 == "true" { sub(/^http:\/\//, "", $1); sub(/:.*/, "", $1); print $1; exit }'
}
etcd_has_leader() { [[ -n $(etcd_leader) ]]; }

# etcd-member-kill: the leader alone; the majority scenarios: the leader and one more member.
arbiter_victims() {
  local leader; leader=$(etcd_leader)
  [[ -n $leader ]] || return 1
  case $1 in
    etcd-member-kill) echo "$leader" ;;
    *) echo "$leader $(printf '%s\n' $ETCD_MEMBERS | grep -vx "$leader" | head -n 1)" ;;
  esac
}

# keeper's keys, one line each: name (holder, alive, sync_released), value, mod_revision.
lease_keys() {
  etcdctl_any get --prefix /keeper/ -w fields 2>/dev/null | awk -F' : ' '
    $1 == "\"Key\"" { k = $2; gsub(/"/, "", k); sub(/.*\//, "", k) }
    $1 == "\"ModRevision\"" { m = $2 }
    $1 == "\"Value\"" { v = $2; gsub(/^"|"$/, "", v); print k, (v == "" ? "-" : v), m }'
}
lease_row() {
  lease_keys | awk '$1 == "holder" { h = $2; t = $3 } $1 == "alive" { a = $2 } $1 == "sync_released" { s = $2 }
    END { printf "holder %s, term %s, alive %s, sync_released %s", h, t, (a == "" ? "(expired)" : a), s }'
}
# held: NODE is the holder and the alive key (gone once its etcd lease expires) names it too.
lease_held_by() {
  local keys; keys=$(lease_keys)
  grep -qx "holder $1 [0-9]*" <<< "$keys" && grep -qx "alive $1 [0-9]*" <<< "$keys"
}
# etcd refreshes every etcd lease when a new leader is elected, so after a majority came back the alive key
# says nothing about NODE yet; NODE's keeper says whether its own calls reach etcd again: its last line about
# etcd answering is "answers again: lease held by NODE", not a warning (none at all: it never lost etcd).
lease_renewed_by() {
  lease_held_by "$1" || return 1
  local last
  last=$(docker exec "$SET-$1" grep -E '(WARN +\[[^]]*\] etcd .*\(prefix [^)]*\): |\(prefix [^)]*\) answers again: )' \
    /var/log/keeper.log | tail -n 1)
  [[ -z $last || $last == *"answers again: lease held by $1,"* ]]
}
