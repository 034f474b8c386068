# Patroni 3 on node1 and node2, a single-member etcd (v3 API) on node3. Sourced by bench/run.sh.
CLIENT_HOSTS=node1,node2
# Patroni's detection window is the leader key's ttl (20 s): half of it.
TOOL_FREEZE_MS=10000

# The shortest settings Patroni documents as possible (ttl >= 20, loop_wait >= 1,
# retry_timeout >= 3, and loop_wait + 2 x retry_timeout <= ttl).
PATRONI_DCS="ttl: 20
loop_wait: 1
retry_timeout: 3
maximum_lag_on_failover: 16777216"
# What the report says about these values (bench/peers/patroni-fast.sh has its own).
PATRONI_DCS_MD="These are the smallest values Patroni documents as possible (\`ttl\` ≥ 20, \`loop_wait\` ≥ 1,
\`retry_timeout\` ≥ 3)."

tool_version() { echo "Patroni $(docker run --rm "$IMAGE" patroni --version 2>&1 | awk '{ print $2 }'), etcd $(docker run --rm "$IMAGE" etcd --version 2>&1 | awk '/etcd Version/ { print $3 }')"; }

patroni_role() { # the role node $1's Patroni reports on its REST API
  docker exec "$SET-$1" python3 -c "import json, urllib.request
print(json.load(urllib.request.urlopen('http://127.0.0.1:8008/patroni', timeout=2)).get('role', ''))" 2>/dev/null
}
patroni_is() { [[ $(patroni_role "$1") == "$2" ]]; }

# Patroni keeps node $1 as the leader.
tool_settled() { [[ $(patroni_role "$1") =~ ^(master|primary)$ ]]; }

tool_up() {
  local sync=$1
  printf '%s\n' "$PATRONI_DCS" > "$RUN_DIR/patroni-dcs.yml"
  start_node node3 patroni
  start_node node1 patroni SYNC="$sync"
  wait_until 90 "node1 to be Patroni's leader and take writes" is_primary node1 || return 1
  start_node node2 patroni SYNC="$sync"
  wait_until 90 "node2 to stream" is_streaming node1 || return 1
  if [[ $sync == 1 ]]; then
    wait_until 30 "node2 to be the synchronous standby" sync_is node1 sync || return 1
  fi
  wait_until 30 "node2's Patroni to run as a replica" patroni_is node2 replica
}

tool_settings_md() {
  cat <<EOM
Patroni on node1 and node2, etcd 3.4 (one member, v3 API) on node3; each daemon restarted 2 s after
an exit. Dynamic configuration (\`bootstrap.dcs\`):

\`\`\`
$PATRONI_DCS
\`\`\`

$PATRONI_DCS_MD Defaults: \`ttl: 30\`, \`loop_wait: 10\`, \`retry_timeout: 10\`. A replica
takes over once the dead leader's key expires, up to \`ttl\` after its last renewal, so its detection
window is about $((2 * TOOL_FREEZE_MS / 1000)) s. \`primary_start_timeout\` stays at its default (300 s): when only
PostgreSQL dies (pgkill), Patroni restarts it on the same node rather than failing over.

Synchronous runs: \`synchronous_mode: true\` (Patroni manages \`synchronous_standby_names\`; not
strict, so a primary without a standby stops waiting).
EOM
}

# Patroni's planned switchover (patronictl on node1; --force skips its questions).
tool_switchover() {
  docker exec "$SET-node1" runuser -u postgres -- patronictl -c /etc/patroni.yml switchover bench \
    --leader node1 --candidate node2 --force
}
