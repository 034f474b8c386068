# repmgr 5 with repmgrd (failover=automatic) on both nodes, no witness. Sourced by bench/run.sh.
CLIENT_HOSTS=node1,node2
# repmgrd's detection window here: monitor_interval_secs 1 + reconnect_attempts 3 x reconnect_interval 1.
TOOL_FREEZE_MS=1500

REPMGR_SETTINGS="data_directory='/var/lib/postgresql/data'
pg_bindir='/usr/lib/postgresql/15/bin'
use_replication_slots=yes
failover='automatic'
promote_command='/usr/bin/repmgr standby promote -f /etc/repmgr.conf --log-to-file'
follow_command='/usr/bin/repmgr standby follow -f /etc/repmgr.conf --log-to-file --upstream-node-id=%n'
monitor_interval_secs=1
reconnect_attempts=3
reconnect_interval=1
connection_check_type='ping'
log_level='INFO'
log_file='/var/log/repmgrd.log'
pg_basebackup_options='--no-sync'"

tool_version() { echo "repmgr $(docker run --rm "$IMAGE" repmgr --version 2>&1 | awk '{ print $2 }')"; }

repmgrd_watching() {
  docker exec "$SET-node2" grep -q 'monitoring connection to upstream node' /var/log/repmgrd.log
}
repmgrd_primary() { docker exec "$SET-node1" grep -q 'monitoring cluster primary' /var/log/repmgrd.log; }

tool_up() {
  local sync=$1
  printf '%s\n' "$REPMGR_SETTINGS" > "$RUN_DIR/repmgr-settings.conf"
  start_node node1 repmgr ROLE=primary
  # node2 copies node1 as soon as node1 serves (it retries until then)
  start_node node2 repmgr ROLE=standby PARTNER_HOST=node1
  wait_until 60 "node1 to take writes" is_primary node1 || return 1
  wait_until 90 "node2 to stream" is_streaming node1 || return 1
  if [[ $sync == 1 ]]; then
    sql node1 "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
    sql node1 "SELECT pg_reload_conf()" >/dev/null
    wait_until 30 "node2 to be the synchronous standby" sync_is node1 sync || return 1
  fi
  wait_until 60 "node1's repmgrd to monitor the primary" repmgrd_primary || return 1
  wait_until 60 "node2's repmgrd to monitor node1" repmgrd_watching
}

tool_settings_md() {
  cat <<EOM
repmgrd on both nodes (no witness), restarted 2 s after an exit. \`/etc/repmgr.conf\` (besides
\`node_id\`, \`node_name\`, \`conninfo\`):

\`\`\`
$REPMGR_SETTINGS
\`\`\`

Each node's \`conninfo\` has \`connect_timeout=2\`, libpq's smallest (it reads 1 as 2).

Defaults: \`monitor_interval_secs=2\`, \`reconnect_attempts=6\`, \`reconnect_interval=10\` (about 60 s
before a failover). Here the settings read as a 3 s window like keeper's, but every ping of a dead or
frozen host waits out \`connect_timeout\`: the first failed check plus 3 reconnect attempts of
2 s + 1 s each, so repmgrd starts \`promote_command\` about 10–12 s after a crash. The freeze
scenario pauses its primary for 1.5 s, half of the configured window.
PostgreSQL also gets \`shared_preload_libraries = 'repmgr'\`.

Synchronous runs: \`ALTER SYSTEM SET synchronous_standby_names = '*'\` on the primary once the standby
streams (repmgr does not manage it); the promoted standby does not have it, so its commits do not wait.
EOM
}
