# Sourced by bench/run.sh: the parts of the suite. A part writes only RESULTS_ROOT/PART/ (runs.csv,
# raw/, its tools' settings and versions, and meta.properties, written last: a part without it did
# not finish) and removes only that directory when it runs again. Report.java merges every part
# present into one report.

# run_part PART [BESIDE]: one part into RESULTS_ROOT/PART; BESIDE names a part that runs meanwhile.
# bench/run.sh runs it in the background: a subshell, so that a peer script's definitions do not leak
# into the next part.
run_part() {
  local part=$1 beside=${2:-} started load rc=0
  started=$(date +%s) load=$(cut -d' ' -f1-3 /proc/loadavg)
  RESULTS=$RESULTS_ROOT/$part
  rm -rf "$RESULTS"; mkdir -p "$RESULTS/raw"
  echo "$RUNS_HEADER" > "$RESULTS/runs.csv"
  case $part in
    footprint) footprint_part || rc=1 ;;
    agents) agents_part || rc=1 ;;
    splitbrain|splitbrain-etcd) splitbrain_part "$(splitbrain_tool "$part")" || rc=1 ;;
    switchover) switchover_part || rc=1 ;;
    fast) fast_part || rc=1 ;;
    *) tool_part "$part" || rc=1 ;;
  esac
  write_meta "$part" "$started" "$load" "$beside"
  return $rc
}

# The files the report reads about a tool: its settings, detection window (ms) and version.
tool_files() {
  tool_settings_md > "$RESULTS/settings-$1.md"
  echo $((2 * TOOL_FREEZE_MS)) > "$RESULTS/window-$1.txt"
  tool_version > "$RESULTS/version-$1.txt"
}

# One tool's crash and pgkill runs and its freeze run.
tool_part() {
  local tool=$1 bad=0
  source "$BENCH_DIR/peers/$tool.sh"
  if [[ -n ${TOOL_UNSUPPORTED:-} ]]; then
    say "$tool: not measured: $TOOL_UNSUPPORTED"
    echo "$TOOL_UNSUPPORTED" > "$RESULTS/unsupported-$tool.txt"
    return 0
  fi
  tool_files "$tool"
  failover_runs "$tool" || bad=1
  if ((FREEZE_COUNT > 0)); then run_freeze "$tool" freeze async "$FREEZE_COUNT" "$TOOL_FREEZE_MS" || bad=1; fi
  return $bad
}

# The crash and pgkill runs of a tool whose peer script is sourced: SCENARIOS x REPLICATIONS x RUNS.
failover_runs() {
  local tool=$1 scenario repl run bad=0
  for scenario in $SCENARIOS; do
    for repl in $REPLICATIONS; do
      for ((run = 1; run <= RUNS; run++)); do
        run_failover "$tool" "$scenario" "$repl" "$run" || bad=1
      done
    done
  done
  return $bad
}

# The 1 s profile: keeper at keepalive_time 250ms x 4 (bench/peers/keeper-fast.sh): its crash and pgkill runs;
# with each replication, FREEZE_COUNT pauses of half the window, plainly (freeze), with the primary's container
# CPU-starved (freeze-cpu-primary) and with the standby's (freeze-cpu-standby); then SWEEP_COUNT pauses at each
# of FAST_SWEEP percent of the window (sweep-PERCENT, the first replication asked for). Then Patroni at ttl 5,
# below its documented minimum (bench/peers/patroni-fast.sh): its crash and pgkill runs. Each tool in a subshell,
# so that one peer script's definitions do not leak into the next.
FAST_SWEEP="25 50 75 100"
fast_part() {
  local bad=0
  (
    source "$BENCH_DIR/peers/keeper-fast.sh"
    tool_files keeper-fast
    local b=0 repl pct
    failover_runs keeper-fast || b=1
    if ((FREEZE_COUNT > 0)); then
      for repl in $REPLICATIONS; do
        run_freeze keeper-fast freeze "$repl" "$FREEZE_COUNT" "$TOOL_FREEZE_MS" || b=1
        run_freeze keeper-fast freeze-cpu-primary "$repl" "$FREEZE_COUNT" "$TOOL_FREEZE_MS" node1 || b=1
        run_freeze keeper-fast freeze-cpu-standby "$repl" "$FREEZE_COUNT" "$TOOL_FREEZE_MS" node2 || b=1
      done
    fi
    if ((SWEEP_COUNT > 0)); then
      for pct in $FAST_SWEEP; do
        run_freeze keeper-fast "sweep-$pct" "${REPLICATIONS%% *}" "$SWEEP_COUNT" $((2 * TOOL_FREEZE_MS * pct / 100)) || b=1
      done
    fi
    exit $b
  ) || bad=1
  (
    source "$BENCH_DIR/peers/patroni-fast.sh"
    tool_files patroni-fast
    failover_runs patroni-fast
  ) || bad=1
  return $bad
}

# keeper's footprint, on its own set of containers and network (it may run beside keeper's part).
footprint_part() {
  SET=kbf SUBNET_PREFIX=10.213.214
  source "$BENCH_DIR/lib.sh"; source "$BENCH_DIR/footprint.sh"
  run_footprint "$FOOTPRINT_MINUTES"
}

# Each tool's agent beside its PostgreSQL (bench/agents.sh), each tool in a subshell.
agents_part() {
  local tool bad=0
  source "$BENCH_DIR/agents.sh"
  echo "tool,node,elapsed_s,processes,rss_kb" > "$RESULTS/agents.csv"
  for tool in $AGENT_TOOLS; do
    ( source "$BENCH_DIR/peers/$tool.sh"; tool_files "$tool"; run_agents "$tool" ) || bad=1
  done
  return $bad
}

# A planned switchover under load, with each tool's own command: SWITCHOVER_RUNS runs of each tool and
# replication, each tool in a subshell so that one peer script's definitions do not leak into the next.
switchover_part() {
  local tool bad=0
  for tool in $SWITCHOVER_TOOLS; do
    (
      source "$BENCH_DIR/peers/$tool.sh"
      tool_files "$tool"
      local repl run b=0
      for repl in $REPLICATIONS; do
        for ((run = 1; run <= SWITCHOVER_RUNS; run++)); do
          run_failover "$tool" switchover "$repl" "$run" || b=1
        done
      done
      exit $b
    ) || bad=1
  done
  return $bad
}

# keeper with an arbiter (bench/peers/TOOL.sh, see bench/splitbrain.sh): the split-brain scenarios it knows
# among those asked for (all by default), in the order asked; the crash RUNS times, the others SB_RUNS times.
splitbrain_part() {
  local scenario repl run runs bad=0 known
  SB_TOOL=$1
  source "$BENCH_DIR/peers/$SB_TOOL.sh"
  tool_files "$SB_TOOL"
  known="$SB_SHARED_SCENARIOS $SB_ARBITER_SCENARIOS"
  SB_PART_SCENARIOS=$known
  [[ -n $SB_SCENARIOS ]] && SB_PART_SCENARIOS=$(for scenario in $SB_SCENARIOS; do
    [[ " $known " == *" $scenario "* ]] && echo "$scenario"; done)
  SB_PART_SCENARIOS=$(echo $SB_PART_SCENARIOS)   # one line, for meta.properties
  for scenario in $SB_PART_SCENARIOS; do
    runs=$SB_RUNS; [[ $scenario == crash ]] && runs=$RUNS
    for repl in $(sb_replications "$scenario"); do
      [[ " $REPLICATIONS " == *" $repl "* ]] || continue
      for ((run = 1; run <= runs; run++)); do
        run_splitbrain "$scenario" "$repl" "$run" || bad=1
      done
    done
  done
  return $bad
}

# kill_tree PID...: stops a background part and what it started, by pid (parent first, so that it
# starts nothing new).
kill_tree() {
  local p kids
  for p in "$@"; do
    kids=$(pgrep -P "$p")
    kill "$p" 2>/dev/null
    [[ -n $kids ]] && kill_tree $kids
  done
  return 0
}

# The commit the run was built from, and whether the tree had changes (the report's own files aside).
source_commit() {
  local dirty=""
  [[ -n $(git -C "$ROOT" status --porcelain -- . ':(exclude)docs' 2>/dev/null) ]] && dirty=" with uncommitted changes"
  echo "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$dirty"
}

# meta.properties of a part: when, on what, with which options; what the report says about the part.
write_meta() {
  local part=$1 started=$2 load=$3 beside=$4 tools=$1
  case $part in
    footprint) tools=keeper ;;
    agents) tools=$AGENT_TOOLS ;;
    splitbrain|splitbrain-etcd) tools=$(splitbrain_tool "$part") ;;
    switchover) tools=$SWITCHOVER_TOOLS ;;
    fast) tools="keeper-fast patroni-fast" ;;
  esac
  {
    echo "part=$part"
    echo "date=$(date -u -d "@$started" +'%Y-%m-%d %H:%M UTC')"
    echo "duration_s=$(( $(date +%s) - started ))"
    echo "commit=$COMMIT"
    echo "cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "cores=$(nproc)"
    echo "memory=$(free -g | awk '/Mem:/ { print $2 " GiB" }')"
    echo "os=$(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "docker=$(docker version -f '{{.Server.Version}}' 2>/dev/null)"
    echo "image=$IMAGE"
    echo "tools=$tools"
    echo "runs=$RUNS"
    echo "switchover_runs=$SWITCHOVER_RUNS"
    echo "scenarios=$SCENARIOS"
    echo "replications=$REPLICATIONS"
    echo "freeze_count=$FREEZE_COUNT"
    echo "sweep_count=$SWEEP_COUNT"
    echo "footprint_minutes=$FOOTPRINT_MINUTES"
    echo "agents_minutes=${AGENTS_MINUTES:-}"
    echo "splitbrain_runs=$SB_RUNS"
    echo "splitbrain_scenarios=${SB_PART_SCENARIOS:-}"
    echo "splitbrain_cut_s=$SB_CUT_S"
    echo "splitbrain_observe_s=$SB_OBSERVE_S"
    echo "smoke=$SMOKE"
    echo "beside=$beside"
    echo "command=bash bench/run.sh$ARGS"
    echo "load_at_start=$load"
  } > "$RESULTS/meta.properties"
  cp "$BUILD_DIR/versions.tsv" "$RESULTS/versions.tsv"
}

# The report from every part present under RESULTS_ROOT, in the order of ALL_PARTS; it flags the parts
# that have no results. A part with no directory under RESULTS_ROOT (a fresh checkout) is first given back
# from the report already in OUT, when that report holds it (Restore.java), so that the report still merges
# every part's last results.
write_report() {
  java -cp "$BUILD_DIR/classes" Restore "$RESULTS_ROOT" "$OUT" || return 1
  java -Djava.awt.headless=true -cp "$BUILD_DIR/classes" Report "$RESULTS_ROOT" "$OUT" "$ALL_PARTS" || return 1
  say "report: $OUT/benchmarks.md"
}
