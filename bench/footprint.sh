# keeper's footprint: start-up time and RSS / CPU time over MINUTES of normal operation, keeper started
# by its launcher (conf/keeper) with the package's class-data sharing archive. Run by bench/run.sh in a
# subshell, with SET=kbf (its own containers and network), beside keeper's failover runs; no peer is
# measured meanwhile.
STARTUPS=5

# Epoch ms of keeper's first completed probe after its last launch on node $1, minus the launch.
startup_ms() {
  docker exec "$SET-$1" bash -c '
    awk "/bench: launching keeper at/ { launch = \$NF; seen = 0 }
         launch && !seen && /Local server 127.0.0.1:5432 is (primary|standby)/ { ts = \$1 \" \" \$2; seen = 1 }
         END { if (seen) print launch, ts }" /var/log/keeper.log | {
      read -r launch ts || exit 1
      echo $(( $(date -d "$ts" +%s%3N) - launch ))
    }'
}

keeper_pid() { docker exec "$SET-$1" pgrep -f '^java .*keeper\.jar run'; }  # the JVM, not the restart loop

# node,elapsed_s,rss_kb,cpu_ms for the keeper on node $1.
sample() {
  local node=$1 t=$2 pid
  pid=$(keeper_pid "$node") || return 1
  docker exec "$SET-$node" bash -c "
    rss=\$(awk '/VmRSS/ { print \$2 }' /proc/$pid/status)
    ticks=\$(awk '{ print \$14 + \$15 }' /proc/$pid/stat)
    echo $node,$t,\$rss,\$(( ticks * 1000 / \$(getconf CLK_TCK) ))"
}

run_footprint() {
  local minutes=$1 ok=1
  RESULTS=${RESULTS:?}
  RUN_DIR="$RESULTS/raw/keeper-footprint"
  rm -rf "$RUN_DIR"; mkdir -p "$RUN_DIR"
  say "keeper footprint: $STARTUPS start-ups, then $minutes min of normal operation"
  pgrep -f surefire >/dev/null && echo "keeper-footprint" >> "$RESULTS/busy.log"
  cleanup_all; new_network
  source "$BENCH_DIR/peers/keeper.sh"
  if ! tool_up 0 || ! start_client node1,node2 100 || ! await_load 5; then
    save_logs; record keeper startup - 1 failed "pair did not come up"; cleanup_all
    touch "$RUN_DIR/startups-done"; return 1
  fi
  local i pid launched ms
  for ((i = 1; i <= STARTUPS; i++)); do
    pid=$(keeper_pid node2)
    launched=$(docker exec "$SET-node2" grep -c 'bench: launching keeper' /var/log/keeper.log)
    docker exec "$SET-node2" kill "$pid"   # SIGTERM, as systemctl restart would; the loop relaunches it in 2 s
    if wait_until 60 "keeper to start again on node2" bash -c \
        "(( \$(docker exec $SET-node2 grep -c 'bench: launching keeper' /var/log/keeper.log) > $launched ))" \
        && sleep 1 && wait_until 60 "keeper's first probe" startup_ms node2 \
        && ms=$(startup_ms node2) && [[ $ms =~ ^[0-9]+$ ]]; then
      record keeper startup - "$i" ok "standby of a running pair" startup_ms="$ms"
    else
      record keeper startup - "$i" failed "no first probe logged"; ok=0
    fi
    sleep 2
  done
  touch "$RUN_DIR/startups-done"   # bench/run.sh starts keeper's failover runs now, not earlier
  sleep 5
  echo "node,elapsed_s,rss_kb,cpu_ms" > "$RESULTS/footprint.csv"
  local start=$SECONDS t
  while :; do
    t=$((SECONDS - start))
    sample node1 "$t" >> "$RESULTS/footprint.csv" || ok=0
    sample node2 "$t" >> "$RESULTS/footprint.csv" || ok=0
    (( t >= minutes * 60 )) && break
    sleep $(( 10 - (SECONDS - start) % 10 ))
  done
  stop_client
  awk -F, 'NR > 1 {
      if (!($1 in first)) { first[$1] = $3; c0[$1] = $4; t0[$1] = $2 }
      if ($3 > max[$1]) max[$1] = $3; last[$1] = $3; c1[$1] = $4; t1[$1] = $2
    }
    END {
      for (n in first) printf "%s,%.1f,%d,%d,%d,%d\n", n, (t1[n] - t0[n]) / 60, first[n], max[n], last[n], c1[n] - c0[n]
    }' "$RESULTS/footprint.csv" | sort > "$RESULTS/footprint-summary.csv.tmp"
  { echo "node,minutes,rss_kb_start,rss_kb_max,rss_kb_end,cpu_ms"; cat "$RESULTS/footprint-summary.csv.tmp"; } \
    > "$RESULTS/footprint-summary.csv"
  rm -f "$RESULTS/footprint-summary.csv.tmp"
  # A keeper that restarted during the window would show as a CPU time going backwards.
  if awk -F, 'NR > 1 && $6 < 0 { bad = 1 } END { exit !bad }' "$RESULTS/footprint-summary.csv"; then ok=0; fi
  ((ok)) || save_logs
  cleanup_all
  ((ok))
}
