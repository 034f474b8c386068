# Sourced by bench/run.sh and bench/peers/*.sh: containers, the load client, faults, and the
# scenario loops shared by every tool. A peer script defines:
#   TOOL_FREEZE_MS         half of its detection window: how long the freeze scenario pauses the primary
#   tool_up SYNC           boots a fresh cluster (node1 primary, node2 standby, maybe node3) and returns
#                          once the agents watch it; SYNC=1 for synchronous replication
#   tool_settings_md       markdown for the report: settings used, defaults, and how sync is set up
#   tool_version           one line for the report
set -uo pipefail

BENCH_LABEL=io.keeper.bench
# SET names one set of containers: its containers are SET-node1, SET-node2, SET-node3 (or SET-etcd1..3) and
# SET-client on the network SET-net, labelled io.keeper.bench=SET. The failover runs use "kb"; keeper's
# footprint runs beside them as "kbf" (see bench/footprint.sh), on its own network.
SET=${SET:-kb}
NET=$SET-net
CLIENT=$SET-client
RECOVERY_TIMEOUT_S=${RECOVERY_TIMEOUT_S:-120}

now_ms() { date +%s%3N; }
say() { echo "$(date +%T) bench: $*" >&2; }

# Every container and network of this SET; with "all", of every set (only this suite sets the label).
cleanup_all() {
  local ids filter="label=$BENCH_LABEL=$SET"
  [[ ${1:-} == all ]] && filter="label=$BENCH_LABEL"
  ids=$(docker ps -aq --filter "$filter")
  [[ -n $ids ]] && docker rm -f $ids >/dev/null 2>&1
  ids=$(docker network ls -q --filter "$filter")
  [[ -n $ids ]] && docker network rm $ids >/dev/null 2>&1
  return 0
}

# An internal network: the nodes reach each other and nothing outside this machine. Addresses are
# fixed and every container gets them in /etc/hosts, as servers with static addresses have: name
# lookups never wait for Docker's DNS, which would stall for seconds on a killed container's name.
SUBNET_PREFIX=${SUBNET_PREFIX:-10.213.213}
new_network() {
  docker network create --internal --subnet "$SUBNET_PREFIX.0/24" --label "$BENCH_LABEL=$SET" "$NET" >/dev/null
}
# etcd1..etcd3: the etcd members of keeper's split-brain runs with etcd (bench/peers/keeper-etcd.sh).
ip_of() { case $1 in node1) echo "$SUBNET_PREFIX.11" ;; node2) echo "$SUBNET_PREFIX.12" ;;
  node3) echo "$SUBNET_PREFIX.13" ;; client) echo "$SUBNET_PREFIX.20" ;; etcd[1-3]) echo "$SUBNET_PREFIX.3${1#etcd}" ;; esac; }
HOSTS_ARGS=()
for h in node1 node2 node3 client etcd1 etcd2 etcd3; do HOSTS_ARGS+=(--add-host "$h:$(ip_of "$h")"); done

# start_node NAME TOOL [ENV=VALUE...]: a container from the bench image running bench/node/TOOL.sh.
# NODE_CAPS (a peer script may set it): a capability the nodes get, e.g. NET_ADMIN for iptables.
start_node() {
  local name=$1 tool=$2; shift 2
  local envs=()
  for e in "$@"; do envs+=(-e "$e"); done
  docker run -d --name "$SET-$name" --hostname "$name" --network "$NET" --ip "$(ip_of "$name")" "${HOSTS_ARGS[@]}" \
    ${NODE_CAPS:+--cap-add "$NODE_CAPS"} \
    --label "$BENCH_LABEL=$SET" -v "$BENCH_DIR:/bench:ro" -v "$BUILD_DIR:/bench-build:ro" -v "$RUN_DIR:/out" \
    -e "NODE_NAME=$name" "${envs[@]}" "$IMAGE" /bin/bash "/bench/node/$tool.sh" >/dev/null
}

# SQL on a node over TCP as postgres; prints the unaligned result.
sql() {
  docker exec -e PGPASSWORD=secret -e PGCONNECT_TIMEOUT=2 "$SET-$1" \
    psql -h 127.0.0.1 -U postgres -d postgres -XAtqc "$2" 2>/dev/null
}

# wait_until SECONDS DESCRIPTION COMMAND...: polls every 0.2 s; returns 1 (and says so) on timeout.
wait_until() {
  local limit=$1 what=$2; shift 2
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS >= end )); then say "timed out after ${limit}s waiting for $what"; return 1; fi
    sleep 0.2
  done
}

is_primary() { [[ $(sql "$1" "SELECT pg_is_in_recovery()") == f ]]; }
# A standby's WAL receiver streams from node $1. pg_basebackup -X stream shows up in pg_stat_replication as
# 'streaming' too while it copies, so it is left out: counting it let a run start (and a synchronous
# setting reach the copy) before the standby existed.
is_streaming() {
  [[ $(sql "$1" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'
                 AND application_name <> 'pg_basebackup'") -ge 1 ]]
}
# The sync_state of the standby on node $1: async, sync or quorum.
sync_state() { sql "$1" "SELECT string_agg(sync_state, ',') FROM pg_stat_replication"; }
timeline_of() { sql "$1" "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int"; }

# Starts the load client against the given hosts; it finds the writable node and creates the table
# itself. Started once the cluster is up: a standby copied under load waits for a spread checkpoint
# (pg_auto_failover cannot ask pg_basebackup for a fast one). $2: pause between commits in ms
# (default 0: as fast as it can). $3: hosts on which a probe tries a write every 20 ms whatever their
# role (probes.csv; see bench/java/Probe.java).
start_client() {
  local hosts=$1 pause=${2:-0} probes=${3:-}
  docker run -d --name "$CLIENT" --hostname client --network "$NET" --ip "$(ip_of client)" "${HOSTS_ARGS[@]}" \
    --label "$BENCH_LABEL=$SET" \
    -v "$BUILD_DIR:/bench-build:ro" -v "$RUN_DIR:/out" "$IMAGE" \
    java -XX:+UseSerialGC -Xmx128m -cp /bench-build/classes:/bench-build/pgjdbc.jar LoadClient /out "$hosts" "$pause" \
    $probes >/dev/null
}
# Waits until the client has had N more commits acknowledged (steady load before a fault).
await_load() {
  local base=0
  [[ -f $RUN_DIR/acks.csv ]] && base=$(wc -l < "$RUN_DIR/acks.csv")
  wait_until 60 "acknowledged commits from the load client" acks_at_least $((base + $1))
}
acks_at_least() { [[ -f $RUN_DIR/acks.csv ]] && (( $(wc -l < "$RUN_DIR/acks.csv") >= $1 )); }

stop_client() {
  touch "$RUN_DIR/stop"
  timeout 20 docker wait "$CLIENT" >/dev/null 2>&1 || docker kill "$CLIENT" >/dev/null 2>&1
  docker logs "$CLIENT" > "$RUN_DIR/client.log" 2>&1
}

# True when the client's current session has been committing for 2 s (its "stable" file) on a node
# that the failover tool also keeps as its primary (tool_settled, when the peer script defines it).
writes_settled() {
  [[ -f $RUN_DIR/stable ]] || return 1
  local line session host
  line=$(< "$RUN_DIR/stable"); read -r session host <<< "$line"
  if declare -F tool_settled >/dev/null; then tool_settled "$host" || return 1; fi
  [[ $(< "$RUN_DIR/stable") == "$line" ]] && [[ $(tail -n 1 "$RUN_DIR/sessions.csv" | cut -d, -f1) == "$session" ]]
}

# The node whose commit the client acknowledged last.
last_ack_host() { tail -n 2 "$RUN_DIR/acks.csv" | awk -F, 'NF == 4 { h = $3 } END { print h }'; }

# Copies each container's logs into the run directory (for a failed run's post-mortem).
save_logs() {
  local c
  for c in $(docker ps -a --filter "label=$BENCH_LABEL=$SET" --format '{{.Names}}'); do
    docker logs "$c" > "$RUN_DIR/$c.stdout" 2>&1
    docker cp "$c:/var/log/." "$RUN_DIR/$c-logs" >/dev/null 2>&1
  done
}

# record TOOL SCENARIO REPLICATION RUN STATUS NOTE [COLUMN=VALUE...]: one line of runs.csv; the columns
# not given stay empty. two_writers_acks / two_writers_ms: writes accepted while two servers accepted
# writes, and for how long (split-brain runs); rejoin_ms: from the end of a fault (heal, reboot) until
# the old partner streams again.
RUNS_HEADER=tool,scenario,replication,run,status,recovery_ms,missing_acks,acked_commits,recovered_on,longest_stall_ms,false_failovers,startup_ms,two_writers_acks,two_writers_ms,rejoin_ms,note
record() {
  local -A v=([tool]=$1 [scenario]=$2 [replication]=$3 [run]=$4 [status]=$5 [note]=${6//,/;})
  shift 6
  local kv col row=()
  for kv in "$@"; do v[${kv%%=*}]=${kv#*=}; done
  for col in ${RUNS_HEADER//,/ }; do row+=("${v[$col]:-}"); done
  local IFS=,
  echo "${row[*]}" >> "$RESULTS/runs.csv"
}

inject() {
  local scenario=$1 node=$2
  case $scenario in
    crash) docker kill "$SET-$node" >/dev/null ;;
    # The postmaster is the oldest process called postgres; the host and the agent live on.
    pgkill) docker exec "$SET-$node" bash -c 'kill -9 "$(pgrep -o -x postgres)"' ;;
    # A planned switchover with the tool's own command, run on node1 (the peer script's tool_switchover);
    # it runs in the background, so that recovery counts from the fault as for the failovers.
    switchover) (t0=$(now_ms)
                 tool_switchover > "$RUN_DIR/switchover.out" 2>&1; echo "$? $(( $(now_ms) - t0 ))" > "$RUN_DIR/switchover.rc"
                 now_ms > "$RUN_DIR/switchover.done") & ;;
  esac
}

# A fresh network and cluster (SYNC=1: synchronous replication) with the load client committing on
# it (and probing CLIENT_PROBES, when the peer script sets it) and LOAD_COMMITS acknowledged. LOAD_PAUSE_MS
# (default 0: as fast as it can) is the client's pause between commits. On failure returns 1 with the
# reason, for the run's note, in SETUP_NOTE.
LOAD_PAUSE_MS=0 LOAD_COMMITS=200
cluster_under_load() {
  SETUP_NOTE=
  cleanup_all; new_network
  if ! tool_up "$1"; then
    SETUP_NOTE="cluster did not come up"; return 1
  elif ! start_client "$CLIENT_HOSTS" "$LOAD_PAUSE_MS" "${CLIENT_PROBES:-}" || ! await_load "$LOAD_COMMITS"; then
    SETUP_NOTE="load client got no commit acknowledged"; return 1
  fi
}

# Waits for the first commit acknowledged on a session opened after the fault, then for 2 s of commits
# on a node the tool keeps as primary. On failure returns 1 with the reason in RECOVERY_NOTE.
await_recovery() {
  RECOVERY_NOTE=
  if ! wait_until "$RECOVERY_TIMEOUT_S" "a commit acknowledged after the fault" test -f "$RUN_DIR/recovered"; then
    RECOVERY_NOTE="no commit acknowledged within ${RECOVERY_TIMEOUT_S}s of the fault"
  elif ! wait_until 60 "commits to go on for 2 s on a node the tool keeps as primary" writes_settled; then
    RECOVERY_NOTE="writes did not settle on one node within 60 s of the first recovery"
  fi
  [[ -z $RECOVERY_NOTE ]]
}

# After a switchover: the command's exit code and duration, and how long after it returned the old
# primary streamed from the new one (30 s at most); empty note parts when all went well.
switchover_outcome() {
  wait_until 120 "the switchover command to return" test -f "$RUN_DIR/switchover.done" || { echo "switchover command did not return"; return; }
  local rc took; read -r rc took < "$RUN_DIR/switchover.rc"
  if wait_until 30 "node1 to stream from node2" is_streaming node2 node1; then
    echo "command exit $rc after $took ms; old primary streaming $(( $(now_ms) - $(cat "$RUN_DIR/switchover.done") )) ms after it returned"
  else
    echo "command exit $rc after $took ms; old primary not streaming from node2 30 s after it returned"
  fi
}

# One crash or pgkill run: fresh cluster, steady load, fault on node1, wait for the first commit
# acknowledged on a new session, 2 s more load, then count acknowledged commits missing on the
# node that took the last commit.
run_failover() {
  local tool=$1 scenario=$2 repl=$3 run=$4
  local sync=0; [[ $repl == sync ]] && sync=1
  RUN_DIR="$RESULTS/raw/$tool-$scenario-$repl-$run"
  rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR"
  say "$tool $scenario $repl run $run"
  pgrep -f surefire >/dev/null && echo "$tool-$scenario-$repl-$run" >> "$RESULTS/busy.log"
  local note="" status=failed fields=()
  if cluster_under_load "$sync"; then
    local state; state=$(sync_state node1)
    sleep 1
    now_ms > "$RUN_DIR/fault"
    inject "$scenario" node1
    await_recovery || note=$RECOVERY_NOTE
    local so_note=""
    [[ $scenario == switchover && -z $note ]] && so_note=$(switchover_outcome)
    stop_client
    if [[ -z $note ]]; then
      local survivor; survivor=$(last_ack_host)
      sql "$survivor" "COPY bench_writes (id) TO STDOUT" > "$RUN_DIR/ids.txt"
      if out=$(java -cp "$BUILD_DIR/classes" Analyze failover "$RUN_DIR" 2>&1); then
        status=ok
        IFS=, read -r rec miss acked on stall extra <<< "$out"
        fields=(recovery_ms="$rec" missing_acks="$miss" acked_commits="$acked" recovered_on="$on" longest_stall_ms="$stall")
        note="standby was $state before the fault${extra:+; $extra}${so_note:+; $so_note}"
      else
        note="$out"
      fi
    fi
  else
    note=$SETUP_NOTE
  fi
  [[ $status == ok && $run != 1 ]] || save_logs
  [[ $status == ok ]] || say "FAILED: $note"
  record "$tool" "$scenario" "$repl" "$run" "$status" "$note" "${fields[@]}"
  cleanup_all
  [[ $status == ok ]]
}

# run_freeze TOOL SCENARIO REPLICATION COUNT PAUSE_MS [STARVE]: a freeze set. COUNT pauses of the primary's
# container (docker pause), each PAUSE_MS long, 2 s apart, under the load; the tool parts' scenario "freeze"
# pauses for TOOL_FREEZE_MS (half the detection window). STARVE (node1 or node2): that container's CPU is kept
# busy for the whole set (starve_cpu). After each pause node2 is asked whether it was promoted; if so the set
# goes on with the pauses left on a fresh cluster (the next segment, RUN_DIR/segN), so that every pause meets a
# healthy pair. False failovers = the timelines each segment's surviving primary moved on by (1 when node2 was
# promoted but never written to); lost commits and acknowledged commits are summed over the segments, the
# longest stall is the longest of them.
run_freeze() {
  local tool=$1 scenario=$2 repl=$3 count=$4 pause_ms=$5 starve=${6:-}
  local sync=0; [[ $repl == sync ]] && sync=1
  local set_dir="$RESULTS/raw/$tool-$scenario-$repl-1"
  rm -rf "$set_dir"; mkdir -p "$set_dir"
  say "$tool $scenario $repl: $count pauses of $pause_ms ms${starve:+, $starve CPU-starved}"
  pgrep -f surefire >/dev/null && echo "$tool-$scenario-$repl" >> "$RESULTS/busy.log"
  local status=ok note="" seg=0 failovers=0 acked=0 miss=0 stall=0 timelines=() starved=()
  FREEZE_PAUSED=0
  while (( FREEZE_PAUSED < count )); do
    seg=$((seg + 1))
    RUN_DIR=$set_dir/seg$seg
    mkdir -p "$RUN_DIR"
    freeze_segment "$sync" "$count" "$pause_ms" "$starve" || { status=failed note=$SEG_NOTE; }
    save_logs
    cleanup_all
    [[ $status == ok ]] || break
    failovers=$((failovers + SEG_FAILOVERS)) acked=$((acked + SEG_ACKED)) miss=$((miss + SEG_MISSING))
    (( SEG_STALL > stall )) && stall=$SEG_STALL
    timelines+=("$SEG_TIMELINE")
    [[ -n $SEG_STARVED ]] && starved+=("$SEG_STARVED")
  done
  local fields=()
  if [[ $status == ok ]]; then
    fields=(missing_acks="$miss" acked_commits="$acked" recovered_on="$SEG_SURVIVOR" longest_stall_ms="$stall"
      false_failovers="$failovers")
    note="$count pauses of $pause_ms ms"
    ((${#starved[@]})) && note+="; $(join_by " then " "${starved[@]}")"
    if ((seg == 1)); then note+="; timeline ${timelines[0]}"
    else note+="; $seg clusters (a fresh one after each false failover): timelines $(join_by " then " "${timelines[@]}")"
    fi
  else
    say "FAILED: $note"
  fi
  record "$tool" "$scenario" "$repl" 1 "$status" "$note" "${fields[@]}"
  [[ $status == ok ]]
}

# One cluster of a freeze set (see run_freeze): pauses node1 until FREEZE_PAUSED reaches COUNT or node2 was
# promoted. Sets SEG_FAILOVERS, SEG_ACKED, SEG_MISSING, SEG_STALL, SEG_SURVIVOR, SEG_TIMELINE ("1 -> 1 on
# node1") and SEG_STARVED (the busy loops' account); on failure returns 1 with the reason in SEG_NOTE.
freeze_segment() {
  local sync=$1 count=$2 pause_ms=$3 starve=$4
  SEG_NOTE= SEG_STARVED=
  cluster_under_load "$sync" || { SEG_NOTE=$SETUP_NOTE; return 1; }
  local tl0; tl0=$(timeline_of node1)
  if [[ -n $starve ]]; then
    starve_cpu "$starve" || { SEG_NOTE="the busy loops did not start in $starve"; return 1; }
  fi
  sleep 2
  local promoted=0 p0
  while (( FREEZE_PAUSED < count && !promoted )); do
    p0=$(now_ms)
    docker pause "$SET-node1" >/dev/null
    sleep "$(awk -v ms="$pause_ms" 'BEGIN { printf "%.3f", ms / 1000 }')"
    docker unpause "$SET-node1" >/dev/null
    echo "$p0,$(now_ms)" >> "$RUN_DIR/pauses.csv"
    FREEZE_PAUSED=$((FREEZE_PAUSED + 1))
    sleep 2
    is_primary node2 && promoted=1
  done
  sleep "${FREEZE_SETTLE_S:-5}"  # time for a late (wrong) promotion to show
  if [[ -n $starve ]]; then
    SEG_STARVED=$(stop_starving "$starve") || { SEG_NOTE=$SEG_STARVED; stop_client; return 1; }
  fi
  stop_client
  local survivor tl1 out
  survivor=$(last_ack_host)
  tl1=$(timeline_of "$survivor")
  sql "$survivor" "COPY bench_writes (id) TO STDOUT" > "$RUN_DIR/ids.txt"
  if [[ -z $tl0 || -z $tl1 ]] || ! out=$(java -cp "$BUILD_DIR/classes" Analyze freeze "$RUN_DIR" 2>&1); then
    SEG_NOTE="could not read the timelines ($tl0/$tl1) or: ${out:-}"
    return 1
  fi
  IFS=, read -r SEG_STALL SEG_ACKED SEG_MISSING <<< "$out"
  SEG_FAILOVERS=$((tl1 - tl0))
  (( SEG_FAILOVERS == 0 )) && [[ $(sql node2 "SELECT pg_is_in_recovery()") == f ]] && SEG_FAILOVERS=1  # promoted but never written to
  SEG_SURVIVOR=$survivor SEG_TIMELINE="$tl0 -> $tl1 on $survivor"
}

# starve_cpu NODE: one busy loop per CPU of the machine (both cores here) in NODE's container, at the priority
# of its other processes, until stop_starving; their pids and start time in /run/bench-busy-loops.
starve_cpu() {
  docker exec -d "$SET-$1" bash -c 'for i in $(seq "$(nproc)"); do (while :; do :; done) & done
    echo "$(date +%s%3N) $(echo $(jobs -p))" > /run/bench-busy-loops.tmp
    mv /run/bench-busy-loops.tmp /run/bench-busy-loops; wait' || return 1
  wait_until 10 "the busy loops in $1" docker exec "$SET-$1" test -s /run/bench-busy-loops
}

# stop_starving NODE: stops NODE's busy loops and prints what they did ("node1 CPU-starved: 2 busy loops used
# 41.5 s of CPU in 24.1 s"); prints the reason and returns 1 when one of them had stopped before.
stop_starving() {
  docker exec -e NODE="$1" "$SET-$1" bash -c 'read -r t0 pids < /run/bench-busy-loops
    cpu=0 n=0 tck=$(getconf CLK_TCK)
    for p in $pids; do
      [[ -r /proc/$p/stat ]] || { echo "a busy loop in $NODE stopped before the end of the set"; exit 1; }
      cpu=$(awk -v c="$cpu" -v t="$tck" "{ print c + (\$14 + \$15) / t }" "/proc/$p/stat") n=$((n + 1))
    done
    kill $pids
    awk -v n="$NODE" -v k="$n" -v c="$cpu" -v ms=$(( $(date +%s%3N) - t0 )) \
      "BEGIN { printf \"%s CPU-starved: %d busy loops used %.1f s of CPU in %.1f s\", n, k, c, ms / 1000 }"'
}

# join_by SEPARATOR WORD...: the words with SEPARATOR between them (no comma: record turns commas into ";").
join_by() { local sep=$1 first=$2; shift 2; printf '%s' "$first" "${@/#/$sep}"; }

sync_is() { [[ $(sync_state "$1") == "$2" ]]; }
