# keeper on both nodes, no third node. Sourced by bench/run.sh after bench/lib.sh.
TOOL_FREEZE_MS=1500            # half of keepalive_time 1s x keepalive_count 3
CLIENT_HOSTS=node1,node2
# Added to each node's keeper.conf after node_name, my_conninfo and partner_conninfo.
KEEPER_SETTINGS="keepalive_time = 1s
keepalive_count = 3"

# COMMIT: what bench/run.sh recorded just before it built keeper.jar (the tree may move on during a run).
tool_version() {
  echo "$(java -jar "$BUILD_DIR/keeper.jar" --version 2>&1 | head -1), built from commit $COMMIT"
}

keeper_watching() { docker exec "$SET-node2" grep -q 'Partner node1:5432 is primary' /var/log/keeper.log; }
keeper_primary_ready() { docker exec "$SET-node1" grep -q 'Local server 127.0.0.1:5432 is primary' /var/log/keeper.log; }

tool_up() {
  keeper_pair_built "$1" || return 1
  start_keeper node1
  start_keeper node2
  wait_until 60 "node2's keeper to see node1 as primary" keeper_watching || return 1
  wait_until 30 "node1's keeper to run" keeper_primary_ready
}

start_keeper() { docker exec "$SET-$1" bash /bench/node/keeper.sh start-keeper; }

# The pair (SYNC=$1: synchronous), streaming, with KEEPER_SETTINGS in each keeper.conf; keeper not started.
keeper_pair_built() {
  local sync=$1
  printf '%s\n' "$KEEPER_SETTINGS" > "$RUN_DIR/keeper-settings.conf"
  # keeper is started once the pair is built, as an operator enables the service: started earlier,
  # the primary's keeper would clear synchronous_standby_names while node2 is still being copied,
  # and node2 would inherit the cleared value.
  start_node node1 keeper ROLE=primary SYNC="$sync" KEEPER_AUTOSTART=0
  # node2 copies node1 as soon as node1 serves (it retries until then)
  start_node node2 keeper ROLE=standby PARTNER_HOST=node1 KEEPER_AUTOSTART=0
  wait_until 60 "node1 to take writes" is_primary node1 || return 1
  wait_until 90 "node2 to stream" is_streaming node1 || return 1
  if [[ $sync == 1 ]]; then
    wait_until 30 "node2 to be the synchronous standby" sync_is node1 sync || return 1
    [[ $(sql node2 "SHOW synchronous_standby_names") == '*' ]] || { say "node2 lacks synchronous_standby_names"; return 1; }
  fi
}

tool_settings_md() {
  cat <<EOM
keeper on both nodes (no third node), started by its launcher \`conf/keeper\` (the JVM flags keeper
ships with) with the class-data sharing archive that the package makes (\`conf/keeper-cds\`), and restarted 2 s after an exit.

\`keeper.conf\` (besides \`node_name\`, \`my_conninfo\`, \`partner_conninfo\`; everything else at its default):

\`\`\`
$KEEPER_SETTINGS
\`\`\`

Defaults: \`keepalive_time = 5s\`, \`keepalive_count = 4\` (a 20 s detection window). Here: $((2 * TOOL_FREEZE_MS / 1000)) s.

Synchronous runs: \`synchronous_standby_names = '*'\` in both nodes' \`postgresql.conf\`. The
primary's keeper clears it while the standby is unreachable (\`sync_disabled\`); a standby's keeper
that promotes clears it in the same step (its only possible standby is the old primary, which it has
just found dead), and sets it again once a standby streams from it.
EOM
}

# keeper's planned switchover, run on node1 as the postgres user (its ~/.pgpass has the password).
tool_switchover() {
  docker exec "$SET-node1" runuser -u postgres -- env HOME=/var/lib/postgresql \
    java -XX:TieredStopAtLevel=1 -jar /opt/keeper/keeper.jar switchover -c /etc/keeper/keeper.conf --to node2 --yes
}
