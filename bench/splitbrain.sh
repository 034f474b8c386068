# The split-brain parts: keeper with an arbiter holding its lease, a witness (bench/peers/keeper-witness.sh,
# part splitbrain) or a three-member etcd cluster (bench/peers/keeper-etcd.sh, part splitbrain-etcd; see
# bench/peers/keeper-arbiter.sh for what an arbiter's peer script defines), under the load of the failover
# runs, while a probe tries a write on each node every 20 ms, whatever its role (Probe.java): writes accepted
# by two servers at once come from those acknowledgements, not from keeper's logs. Sourced by bench/run.sh
# after bench/lib.sh; splitbrain_part (bench/parts.sh) sources the arbiter's peer script.
#
# crash, linkcut and isolate are the same for every arbiter; the arbiter's own scenarios (SB_ARBITER_SCENARIOS)
# kill its containers arbiter_victims SCENARIO: NAME-primary together with the primary, any other while the pair
# is healthy (NAME-light: under a light load). Each scenario returns 1 with the reason in SB_NOTE when the run
# cannot be measured, and may set REJOIN_MS (end of the fault until the old partner streams again), SB_INFO
# (for the note) and, for the crash, the reboot row's REBOOT_*.
SB_CUT_S=${SB_CUT_S:-10}           # how long linkcut keeps the link between the nodes cut
SB_OBSERVE_S=${SB_OBSERVE_S:-15}   # how long the arbiter scenarios watch for a wrong promotion
SB_SHARED_SCENARIOS="crash linkcut isolate"

# The part of each arbiter's peer script, and the scenarios it runs (in a subshell: a peer script's
# definitions stay out of the caller).
splitbrain_tool() { case $1 in splitbrain) echo keeper-witness ;; splitbrain-etcd) echo keeper-etcd ;; esac; }
sb_scenarios_of() { (source "$BENCH_DIR/peers/$1.sh"; echo "$SB_SHARED_SCENARIOS $SB_ARBITER_SCENARIOS"); }

# Replications each scenario runs with, and how many promotions it expects.
sb_replications() { case $1 in crash|linkcut|isolate) echo "async sync" ;; *) echo async ;; esac; }
sb_expected_promotions() { case $1 in crash|isolate) echo 1 ;; *) echo 0 ;; esac; }
# An arbiter scenario with the pair healthy: no write gap beyond about 1 s is its goal.
sb_pair_healthy() { [[ " $SB_SHARED_SCENARIOS " != *" $1 "* && $1 != *-primary ]]; }

# cut_links NODE PEER...: NODE drops every packet from and to each PEER (iptables inside NODE).
cut_links() {
  local node=$1 peer ip; shift
  for peer in "$@"; do
    ip=$(ip_of "$peer")
    docker exec "$SET-$node" iptables -A INPUT -s "$ip" -j DROP || return 1
    docker exec "$SET-$node" iptables -A OUTPUT -d "$ip" -j DROP || return 1
  done
}
heal_links() { docker exec "$SET-$1" bash -c 'iptables -F INPUT && iptables -F OUTPUT'; }

# The highest timeline node1 or node2 knows of: a promotion writes a history file into pg_wal, which
# its standbys receive and pg_rewind copies. Timelines added since the start = promotions.
highest_timeline() {
  local n t max=0
  for n in node1 node2; do
    t=$(sql "$n" "SELECT coalesce(max(('x' || substr(name, 1, 8))::bit(32)::int), 1) FROM pg_ls_waldir()
                  WHERE name LIKE '%.history'")
    [[ $t =~ ^[0-9]+$ ]] && (( t > max )) && max=$t
  done
  echo "$max"
}
promotions_since_start() { echo $(( $(highest_timeline) - TL0 )); }

# streams_from STANDBY PRIMARY: PRIMARY has a streaming WAL sender to STANDBY, and STANDBY's WAL receiver
# streams PRIMARY's current timeline. Both sides: a forked old primary briefly streams the old timeline
# up to the fork before it is rewound (only the primary's view would count that), and a receiver whose
# link was cut still says streaming until its connection times out (only the standby's view would).
streams_from() {
  local tl; tl=$(timeline_of "$2")
  [[ $tl =~ ^[0-9]+$ ]] || return 1
  [[ $(sql "$2" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'
                 AND client_addr = '$(ip_of "$1")'") -ge 1 ]] || return 1
  [[ $(sql "$1" "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'
                 AND received_tli = $tl AND sender_host IN ('$2', '$(ip_of "$2")')") == 1 ]]
}

# heal_and_rejoin NODE STANDBY PRIMARY: removes NODE's iptables rules; REJOIN_MS = until STANDBY
# streams from PRIMARY again.
heal_and_rejoin() {
  local t0; t0=$(now_ms)
  heal_links "$1" || { SB_NOTE="could not remove the iptables rules in $1"; return 1; }
  wait_until 120 "$2 to stream from $3 again" streams_from "$2" "$3" \
    || { SB_NOTE="$2 did not stream from $3 within 120 s of the heal"; return 1; }
  REJOIN_MS=$(( $(now_ms) - t0 ))
}

# 1 and 4: the primary's container killed; once node2 takes the writes, node1's container is started
# again and boots through keeper guard: the second row (reboot) counts the writes node1 acknowledged
# after it booted, and how long until it streams from node2.
sb_crash() {
  inject crash node1
  await_recovery || { SB_NOTE=$RECOVERY_NOTE; return 1; }
  PROMOTIONS=$(promotions_since_start)
  echo "$(now_ms) node1" > "$RUN_DIR/reboot"
  docker start "$SET-node1" >/dev/null || { REBOOT_NOTE="docker start node1 failed"; return 0; }
  local t0; t0=$(now_ms)
  if wait_until 120 "node1 to stream from node2 after its reboot" streams_from node1 node2; then
    REJOIN_MS=$(( $(now_ms) - t0 ))
    sleep 2   # the probes go on writing to node1: a late write there would show now
    REBOOT_PROMOTIONS=$(( $(promotions_since_start) - PROMOTIONS ))
    REBOOT_STATUS=ok
    docker exec "$SET-node1" grep -q 'keeper guard: .* starts as a standby' /var/log/keeper.log \
      && REBOOT_NOTE="keeper guard started it as a standby"
  else
    REBOOT_NOTE="node1 did not stream from node2 within 120 s of its reboot"
  fi
}

# 2: only the link between node1 and node2 cut for SB_CUT_S; both reach the arbiter and the client.
sb_linkcut() {
  cut_links node1 node2 || { SB_NOTE="iptables failed in node1"; return 1; }
  sleep "$SB_CUT_S"
  heal_and_rejoin node1 node2 node1 || return 1
  await_load "$LOAD_COMMITS" || SB_INFO="fewer than $LOAD_COMMITS commits acknowledged in the 60 s after the heal"
}

# 3: node1 cut off from node2 and the arbiter (every etcd member); the client still reaches it. Healed
# once node2 takes the writes; REJOIN_MS: until node1 streams from node2.
sb_isolate() {
  cut_links node1 node2 $ARBITER_HOSTS || { SB_NOTE="iptables failed in node1"; return 1; }
  await_recovery || { SB_NOTE=$RECOVERY_NOTE; return 1; }
  sleep 2   # the probes go on writing to node1: a late write there would show now
  heal_and_rejoin node1 node1 node2
}

# 5: the arbiter's containers arbiter_victims SCENARIO (the witness; the etcd leader, or two of the three
# members) killed while the pair is healthy, for SB_OBSERVE_S; then started again, and node1 must renew the
# lease. NAME-light: the same under a light load (a commit every 100 ms, as in the footprint run): the failsafe
# that keeps the primary writable has less WAL streaming to prove the standby is in step.
sb_arbiter_kill() {
  local victims; victims=$(arbiter_victims "$1") || { SB_NOTE="the arbiter did not say which containers to kill"; return 1; }
  docker kill $(sb_containers $victims) >/dev/null
  sleep "$SB_OBSERVE_S"
  local t0; t0=$(now_ms)
  docker start $(sb_containers $victims) >/dev/null
  if wait_until 60 "node1 to renew the lease once $victims are back" lease_renewed_by node1; then
    SB_INFO="$victims killed and back: node1 renewed the lease $(( $(now_ms) - t0 )) ms after the restart"
  else
    SB_INFO="$victims killed and back: node1 held no valid lease 60 s after the restart ($(lease_row))"
  fi
  await_load "$LOAD_COMMITS" || SB_INFO+="; fewer than $LOAD_COMMITS commits acknowledged in the 60 s after that"
}

# 6: the arbiter's containers arbiter_victims SCENARIO (the witness; two of the three etcd members) and the
# primary killed together: node2 must stay a standby for SB_OBSERVE_S. Then all start again (node1 through
# keeper guard) and the writes must resume.
sb_arbiter_primary() {
  local victims; victims=$(arbiter_victims "$1") || { SB_NOTE="the arbiter did not say which containers to kill"; return 1; }
  docker kill $(sb_containers $victims) "$SET-node1" >/dev/null
  sleep "$SB_OBSERVE_S"
  PROMOTIONS=$(promotions_since_start)
  local standby; standby=$(sql node2 "SELECT pg_is_in_recovery()")
  if [[ $standby == t ]]; then
    SB_INFO="$victims and node1 killed: node2 stayed a standby for ${SB_OBSERVE_S} s"
  else
    SB_INFO="$victims and node1 killed: node2 was not a standby after ${SB_OBSERVE_S} s (pg_is_in_recovery: '$standby')"
    [[ $standby == f ]] && (( PROMOTIONS == 0 )) && PROMOTIONS=1
  fi
  local t0; t0=$(now_ms)
  docker start $(sb_containers $victims) "$SET-node1" >/dev/null
  await_recovery || { SB_NOTE="after node1 and $victims restarted: $RECOVERY_NOTE"; return 1; }
  SB_INFO+="; writes resumed on $(last_ack_host) $(( $(< "$RUN_DIR/recovered") - t0 )) ms after all started"
  SB_INFO+=" again (timeline $(highest_timeline))"
  END_PROMOTIONS=$PROMOTIONS   # a promotion after the restart is the pair coming back, not a fault
}

sb_containers() { local h; for h in "$@"; do echo "$SET-$h"; done; }

# The fault of SCENARIO: a shared scenario's own function, or one of the arbiter's.
sb_fault() {
  if [[ " $SB_SHARED_SCENARIOS " == *" $1 "* ]]; then "sb_$1"
  elif [[ $1 == *-primary ]]; then sb_arbiter_primary "$1"
  else sb_arbiter_kill "$1"
  fi
}

# run_splitbrain SCENARIO REPLICATION RUN: fresh cluster with the arbiter of SB_TOOL, load and probes, the fault,
# the figures; the crash records a second row, reboot.
run_splitbrain() {
  local scenario=$1 repl=$2 run=$3 tool=$SB_TOOL
  local sync=0; [[ $repl == sync ]] && sync=1
  RUN_DIR="$RESULTS/raw/$tool-$scenario-$repl-$run"
  rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR"
  say "$tool $scenario $repl run $run"
  pgrep -f surefire >/dev/null && echo "$tool-$scenario-$repl-$run" >> "$RESULTS/busy.log"
  local note="" status=failed fields=() reboot_fields=() out expected suspicious=0
  expected=$(sb_expected_promotions "$scenario")
  SB_NOTE= SB_INFO= REJOIN_MS= PROMOTIONS= END_PROMOTIONS=
  LOAD_PAUSE_MS=0 LOAD_COMMITS=200
  [[ $scenario == *-light ]] && LOAD_PAUSE_MS=100 LOAD_COMMITS=20
  REBOOT_STATUS=failed REBOOT_NOTE="crash not measured" REBOOT_PROMOTIONS=
  if cluster_under_load "$sync"; then
    local state; state=$(sync_state node1)
    TL0=$(highest_timeline)
    sleep 1
    now_ms > "$RUN_DIR/fault"
    if sb_fault "$scenario"; then
      [[ -n $END_PROMOTIONS ]] || END_PROMOTIONS=$(promotions_since_start)
      [[ $scenario == crash ]] && END_PROMOTIONS=$PROMOTIONS   # the reboot row counts what came after
      stop_client
      local survivor mode=splitbrain
      survivor=$(last_ack_host)
      [[ $expected == 1 ]] && mode=splitbrain-failover
      if ! sql "$survivor" "COPY bench_writes (id) TO STDOUT" > "$RUN_DIR/ids.txt"; then
        note="could not read the acknowledged ids on $survivor"
      elif out=$(java -cp "$BUILD_DIR/classes" Analyze "$mode" "$RUN_DIR" 2>&1); then
        status=ok
        local rec miss acked on stall two two_ms reboot_acks reboot_ms extra
        IFS=, read -r rec miss acked on stall two two_ms reboot_acks reboot_ms extra <<< "$out"
        local unexpected=$(( END_PROMOTIONS > expected ? END_PROMOTIONS - expected : 0 ))
        (( unexpected + two + ${reboot_acks:-0} + ${REBOOT_PROMOTIONS:-0} > 0 )) && suspicious=1
        [[ -n $rec ]] && (( rec > 2 * TOOL_FREEZE_MS + 1000 )) && suspicious=1   # slower than the target
        sb_pair_healthy "$scenario" && (( stall > 1500 )) && suspicious=1
        fields=(recovery_ms="$rec" missing_acks="$miss" acked_commits="$acked" recovered_on="$on"
          longest_stall_ms="$stall" false_failovers="$unexpected" two_writers_acks="$two" two_writers_ms="$two_ms")
        [[ $scenario == crash ]] || fields+=(rejoin_ms="$REJOIN_MS")
        note="standby was $state before the fault; promotions: $END_PROMOTIONS (expected $expected)"
        note+="${SB_INFO:+; $SB_INFO}${extra:+; $extra}"
        reboot_fields=(two_writers_acks="$reboot_acks" two_writers_ms="$reboot_ms" rejoin_ms="$REJOIN_MS"
          false_failovers="$REBOOT_PROMOTIONS")
      else
        note=$out
      fi
    else
      note=$SB_NOTE
      stop_client
    fi
  else
    note=$SETUP_NOTE
  fi
  [[ $status == ok ]] || REBOOT_STATUS=failed
  [[ $status == ok && $run != 1 && $suspicious == 0 ]] || save_logs   # container logs, for a post-mortem
  [[ $status == ok ]] || say "FAILED: $note"
  record "$tool" "$scenario" "$repl" "$run" "$status" "$note" "${fields[@]}"
  if [[ $scenario == crash ]]; then
    [[ $REBOOT_STATUS == ok ]] || say "FAILED: reboot: $REBOOT_NOTE"
    record "$tool" reboot "$repl" "$run" "$REBOOT_STATUS" "$REBOOT_NOTE" "${reboot_fields[@]}"
  fi
  cleanup_all
  [[ $status == ok && ( $scenario != crash || $REBOOT_STATUS == ok ) ]]
}
