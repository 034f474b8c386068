#!/bin/bash
# PID 1 of a pg_auto_failover benchmark node: node3 is the monitor; node1 (created first, becomes
# primary) and node2 (copied from node1 by pg_autoctl) are Postgres nodes. pg_autoctl supervises
# PostgreSQL itself and is restarted 2 s after an exit, as systemd would.
# Env: NODE_NAME; SYNC=1: the standby is in the write quorum (pg_auto_failover's default), else
# --replication-quorum false. Settings come from /out/paf-monitor.conf and /out/paf-node.conf.
. /bench/node/common.sh
LOG=/var/log/pg_autoctl.log
MONITOR_PGDATA=/var/lib/postgresql/monitor
MONITOR_URI='postgres://autoctl_node@node3:5432/pg_auto_failover?sslmode=disable'

prepare_host
touch "$LOG" && chown postgres:postgres "$LOG"
local_sql() { as_postgres psql -XAtq -h /var/run/postgresql "$@"; }
wait_local() {
  local start=$SECONDS
  until local_sql -d "$1" -c 'select 1' >/dev/null 2>&1; do
    (( SECONDS - start > 60 )) && { log "local server did not answer for 60 s"; exit 1; }
    sleep 0.2
  done
}

if [ "$NODE_NAME" = node3 ]; then
  as_postgres pg_autoctl create monitor --pgdata "$MONITOR_PGDATA" --pgport 5432 --hostname node3 \
    --auth scram-sha-256 --no-ssl >> "$LOG" 2>&1 || { log "create monitor failed"; exit 1; }
  cat /out/paf-monitor.conf >> "$MONITOR_PGDATA/postgresql.conf"
  forever "$LOG" runuser -u postgres -- pg_autoctl run --pgdata "$MONITOR_PGDATA" &
  wait_local pg_auto_failover
  local_sql -d pg_auto_failover -c "ALTER USER autoctl_node PASSWORD 'secret'"
  touch /tmp/bench-ready
  idle_forever
fi

quorum=false; [ "${SYNC:-0}" = 1 ] && quorum=true
start=$SECONDS
until as_postgres pg_autoctl create postgres --pgdata "$PGDATA" --pgport 5432 --hostname "$NODE_NAME" \
    --name "$NODE_NAME" --monitor "$MONITOR_URI" --auth scram-sha-256 --no-ssl --dbname postgres \
    --replication-quorum "$quorum" >> "$LOG" 2>&1; do
  (( SECONDS - start > 90 )) && { log "pg_autoctl create postgres failed for 90 s"; exit 1; }
  sleep 1
done
while read -r key value; do
  [ -n "$key" ] && as_postgres pg_autoctl config set --pgdata "$PGDATA" "$key" "$value" >> "$LOG" 2>&1
done < /out/paf-node.conf
if [ "$NODE_NAME" = node1 ]; then
  # The benchmark's client logs in with a password from anywhere; node2's copy inherits both files.
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  printf '%s\n' "$PG_SETTINGS" >> "$PGDATA/postgresql.conf"
fi
forever "$LOG" runuser -u postgres -- pg_autoctl run --pgdata "$PGDATA" &
if [ "$NODE_NAME" = node1 ]; then
  wait_local postgres
  local_sql -d postgres -c "ALTER USER postgres PASSWORD 'secret'" \
    -c "ALTER USER pgautofailover_replicator PASSWORD 'secret'"
fi
touch /tmp/bench-ready
idle_forever
