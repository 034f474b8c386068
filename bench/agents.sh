# The agents part: each tool's agent beside its PostgreSQL on a healthy pair, side by side. For each tool of
# AGENT_TOOLS, its pair comes up as in its own part (its settings, asynchronous replication), the load client
# commits one row every 100 ms, and the resident memory (VmRSS) of the agent's processes on node1 and node2 is
# sampled every 10 s for AGENTS_MINUTES. The agent: keeper's JVM (started by its launcher, with the package's
# class-data sharing archive); repmgrd; Patroni's Python process; every pg_autoctl process (pg_auto_failover runs
# three on each node). Third nodes (Patroni's etcd, pg_auto_failover's monitor) are not counted. Sourced by
# bench/parts.sh's agents_part, each tool in a subshell.
AGENT_TOOLS=${AGENT_TOOLS:-keeper repmgr patroni pg_auto_failover}
AGENTS_MINUTES=${AGENTS_MINUTES:-3}

# The processes of each tool's agent, as pgrep -f patterns (runuser, which starts them, is left out).
agent_pattern() {
  case $1 in
    keeper) echo '^java .*keeper\.jar run' ;;
    repmgr) echo '^repmgrd ' ;;
    patroni) echo 'bin/patroni /etc/patroni.yml' ;;
    pg_auto_failover) echo '^pg_autoctl' ;;
  esac
}

# "processes rss_kb" of the agent on node $2 of tool $1: the number of its processes and their summed VmRSS.
agent_sample() {
  docker exec -e PATTERN="$(agent_pattern "$1")" "$SET-$2" bash -c 'n=0 kb=0
    for p in $(pgrep -f "$PATTERN"); do
      k=$(awk "/^VmRSS/ { print \$2 }" /proc/$p/status 2>/dev/null) && [ -n "$k" ] && n=$((n + 1)) kb=$((kb + k))
    done
    echo $n $kb'
}

# One tool's pair, load and samples into RESULTS/agents.csv; 1 when the pair did not come up or an agent vanished.
run_agents() {
  local tool=$1 start t node n kb ok=1
  RUN_DIR="$RESULTS/raw/$tool-agents"
  mkdir -p "$RUN_DIR"
  say "agents: $tool, $AGENTS_MINUTES min on a healthy pair"
  cleanup_all; new_network
  if ! tool_up 0 || ! start_client node1,node2 100 || ! await_load 5; then
    save_logs; cleanup_all; say "agents: $tool's pair did not come up"; return 1
  fi
  start=$SECONDS
  while :; do
    t=$((SECONDS - start))
    for node in node1 node2; do
      read -r n kb <<< "$(agent_sample "$tool" "$node")"
      if [[ ${n:-0} == 0 ]]; then ok=0; say "agents: no $tool agent on $node at $t s"; fi
      echo "$tool,$node,$t,${n:-0},${kb:-0}" >> "$RESULTS/agents.csv"
    done
    (( t >= AGENTS_MINUTES * 60 )) && break
    sleep $(( 10 - (SECONDS - start) % 10 ))
  done
  stop_client
  ((ok)) || save_logs
  cleanup_all
  ((ok))
}
