# pg_auto_failover 2: monitor on node3, pg_autoctl with PostgreSQL on node1 and node2.
# Sourced by bench/run.sh.
CLIENT_HOSTS=node1,node2
# The monitor's detection window here is node_considered_unhealthy_timeout (3 s): half of it.
TOOL_FREEZE_MS=1500

# Monitor GUCs: detection at keeper's 3 s window. primary_demote_timeout, the wait before the
# standby may take writes, is lowered with network_partition_timeout (after which an isolated
# primary demotes itself), keeping the first longer than the second as pg_auto_failover requires.
PAF_MONITOR="pgautofailover.health_check_period = 1000
pgautofailover.health_check_timeout = 1000
pgautofailover.health_check_max_retries = 1
pgautofailover.health_check_retry_delay = 1000
pgautofailover.node_considered_unhealthy_timeout = 3000
pgautofailover.primary_demote_timeout = 5000"
PAF_NODE="timeout.network_partition_timeout 3"

tool_version() { docker run --rm "$IMAGE" pg_autoctl version 2>&1 | head -1; }

ready() { docker exec "$SET-$1" test -f /tmp/bench-ready; }
paf_states() { # e.g. "node1:primary node2:secondary"
  docker exec -e PGCONNECT_TIMEOUT=2 "$SET-node3" runuser -u postgres -- psql -XAtq -h /var/run/postgresql \
    -d pg_auto_failover -c "select string_agg(nodename || ':' || reportedstate, ' ' order by nodename) from pgautofailover.node" 2>/dev/null
}
# The monitor keeps node $1 as the primary: it reports the state it was assigned, a primary one.
tool_settled() {
  [[ $(docker exec -e PGCONNECT_TIMEOUT=2 "$SET-node3" runuser -u postgres -- psql -XAtq -h /var/run/postgresql \
    -d pg_auto_failover -c "select reportedstate = goalstate and reportedstate in ('primary', 'wait_primary', 'single')
                            from pgautofailover.node where nodename = '$1'" 2>/dev/null) == t ]]
}
paf_settled() { [[ $(paf_states) == "node1:primary node2:secondary" ]]; }

tool_up() {
  local sync=$1
  printf '%s\n' "$PAF_MONITOR" > "$RUN_DIR/paf-monitor.conf"
  printf '%s\n' "$PAF_NODE" > "$RUN_DIR/paf-node.conf"
  start_node node3 pg_auto_failover
  wait_until 60 "the monitor" ready node3 || return 1
  start_node node1 pg_auto_failover SYNC="$sync"
  wait_until 90 "node1 to be created" ready node1 || return 1
  wait_until 30 "node1 to take writes" is_primary node1 || return 1
  start_node node2 pg_auto_failover SYNC="$sync"
  wait_until 120 "node1 primary and node2 secondary" paf_settled || return 1
  if [[ $sync == 1 ]]; then
    wait_until 30 "node2 in the write quorum" sync_is node1 quorum || return 1
  else
    wait_until 30 "node2 streaming asynchronously" sync_is node1 async || return 1
  fi
}

tool_settings_md() {
  cat <<EOM
The monitor on node3; \`pg_autoctl\` (which runs PostgreSQL as its child) on node1 and node2, each
restarted 2 s after an exit. Authentication \`scram-sha-256\`, no SSL (like the other tools).
Monitor settings (\`postgresql.conf\` of the monitor):

\`\`\`
$PAF_MONITOR
\`\`\`

Node settings (\`pg_autoctl config set\`): \`$PAF_NODE\`.

Defaults: \`health_check_period\` 5 s, \`health_check_timeout\` 5 s, \`health_check_max_retries\` 2,
\`health_check_retry_delay\` 2 s, \`node_considered_unhealthy_timeout\` 20 s,
\`primary_demote_timeout\` 30 s, \`network_partition_timeout\` 20 s: about 20 s to notice a dead
primary, then 30 s during which the promoted standby stays read-only. Here: 3 s, then 5 s. When only
PostgreSQL dies (pgkill), \`pg_autoctl\` restarts it on the same node; when that restart takes longer
than the monitor's detection window, the monitor fails over while the restarted old primary is
already taking writes again, and the commits it acknowledged in between are not on the new primary
(the pgkill table's "missing" column and its notes show when that happened).

Synchronous runs: pg_auto_failover's default, the standby in the write quorum
(\`synchronous_standby_names = 'ANY 1 (...)'\`, managed by the monitor). Asynchronous runs: both
nodes created with \`--replication-quorum false\`. PostgreSQL gets the common settings appended to
the \`postgresql.conf\` that \`pg_autoctl\` wrote (which otherwise sizes \`shared_buffers\` to a quarter of RAM).
EOM
}

# pg_auto_failover's planned switchover (pg_autoctl on node1 asks its monitor; it waits until done).
tool_switchover() {
  docker exec "$SET-node1" runuser -u postgres -- pg_autoctl perform switchover --pgdata /var/lib/postgresql/data
}
