#!/bin/bash
# PID 1 of a test node: boots PostgreSQL and keeper the way systemd would on a real host.
# Env: NODE_NAME, ROLE (primary|standby, or empty: PostgreSQL installed, no data directory yet, for keeper
# clone), PARTNER_HOST (the primary a standby copies and streams from; empty for a standalone primary),
# KEEPER_AUTOSTART (default 1).
set -uo pipefail
export PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PGDATA=/var/lib/postgresql/data
PG_LOG=/var/log/postgresql.log
KEEPER_LOG=/var/log/keeper.log
KEEPER_CONF=/etc/keeper/keeper.conf

log() { echo "node.sh[$NODE_NAME]: $*"; }
as_postgres() { runuser -u postgres -- "$@"; }

init_primary() {
  echo secret > /tmp/pwfile && chown postgres /tmp/pwfile
  as_postgres initdb -D "$PGDATA" -U postgres --pwfile=/tmp/pwfile \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null || exit 1
  rm -f /tmp/pwfile
  cat >> "$PGDATA/postgresql.conf" <<EOF
listen_addresses = '*'
wal_level = replica
max_wal_senders = 10
hot_standby = on
wal_log_hints = on
wal_keep_size = '256MB'     # lets a standby that was away for a while catch up
cluster_name = '$NODE_NAME'
wal_sender_timeout = '2s'   # an idle primary sends a keepalive every ~1 s: keeper reads the receiver's freshness
EOF
  cat >> "$PGDATA/pg_hba.conf" <<EOF
host all all 0.0.0.0/0 scram-sha-256
host replication all 0.0.0.0/0 scram-sha-256
EOF
}

init_standby() {
  local start=$SECONDS
  [ -n "${PARTNER_HOST:-}" ] || { log "ROLE=standby needs PARTNER_HOST"; exit 1; }
  until PGPASSWORD=secret as_postgres pg_basebackup -h "$PARTNER_HOST" -U postgres \
      -D "$PGDATA" -R -X stream; do
    (( SECONDS - start > 60 )) && { log "pg_basebackup from $PARTNER_HOST failed for 60 s"; exit 1; }
    rm -rf "$PGDATA"
    sleep 1
  done
  # The copied postgresql.conf names the primary; the walreceiver's application_name is ours.
  sed -i '/^cluster_name/d' "$PGDATA/postgresql.conf"
  echo "cluster_name = '$NODE_NAME'" >> "$PGDATA/postgresql.conf"
}

keeper_loop() {
  # Restart=always, like the systemd unit; exit code 2 (bad configuration) is final.
  while true; do
    # keeper's launcher (conf/keeper, as /opt/keeper/keeper) execs java with the flags keeper ships with, so
    # the java pid is the only process naming keeper.jar. CAP_NET_ADMIN and CAP_NET_RAW
    # reach after_command (keeper-vip), as with AmbientCapabilities= in the unit (README).
    # A test may stand in for systemd's notify socket and watchdog (fake-systemd-notify.pl): keeper then
    # gets NOTIFY_SOCKET and WATCHDOG_USEC as under a Type=notify unit with WatchdogSec.
    local systemd=()
    [ -n "${FAKE_NOTIFY_SOCKET:-}" ] && systemd=(NOTIFY_SOCKET="$FAKE_NOTIFY_SOCKET" WATCHDOG_USEC="$FAKE_WATCHDOG_USEC")
    env "${systemd[@]}" HOME=/var/lib/postgresql USER=postgres LOGNAME=postgres KEEPER_JAR=/opt/keeper/keeper.jar \
      setpriv --reuid=postgres --regid=postgres --init-groups \
      --inh-caps +net_admin,+net_raw --ambient-caps +net_admin,+net_raw \
      /opt/keeper/keeper run -c "$KEEPER_CONF" >> "$KEEPER_LOG" 2>&1
    rc=$?
    echo "node.sh: keeper exited rc=$rc" >> "$KEEPER_LOG"
    [ "$rc" -eq 2 ] && break
    sleep 1
  done
}

# "node.sh start-keeper": start keeper now, for a node booted with KEEPER_AUTOSTART=0
# (like "systemctl start keeper" on a host where the unit was not enabled).
if [ "${1:-}" = start-keeper ]; then
  chown -R postgres:postgres /etc/keeper
  setsid bash -c "$(declare -f keeper_loop); KEEPER_CONF=$KEEPER_CONF KEEPER_LOG=$KEEPER_LOG keeper_loop" \
    </dev/null >/dev/null 2>&1 &
  exit 0
fi

shutdown() {
  log "SIGTERM: stopping keeper and postgres"
  [ -n "${keeper_pid:-}" ] && kill "$keeper_pid" 2>/dev/null
  pkill -TERM -f -- '-jar /opt/keeper/keeper.jar' 2>/dev/null
  as_postgres pg_ctl -D "$PGDATA" -m fast -w stop
  kill "$tail_pid" 2>/dev/null
  exit 0
}
trap shutdown TERM INT

mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
touch "$PG_LOG" "$KEEPER_LOG" && chown postgres:postgres "$PG_LOG" "$KEEPER_LOG"
chmod 644 "$PG_LOG" "$KEEPER_LOG"
tail -n 0 -F "$PG_LOG" "$KEEPER_LOG" &
tail_pid=$!

printf '*:*:*:postgres:secret\n' > /var/lib/postgresql/.pgpass
chown postgres:postgres /var/lib/postgresql/.pgpass && chmod 600 /var/lib/postgresql/.pgpass

if [ ! -f "$PGDATA/PG_VERSION" ]; then
  log "first boot as $ROLE"
  case "$ROLE" in
    primary) init_primary ;;
    standby) init_standby ;;
    empty) log "no data directory: keeper clone makes this node a standby"; start_postgres=0 ;;
    *) log "ROLE must be primary, standby or empty, not '$ROLE'"; exit 1 ;;
  esac
else
  # A fresh pid namespace: any pid in the lock file belongs to the previous boot.
  rm -f "$PGDATA/postmaster.pid"
  log "boot with existing data directory"
  # The systemd drop-in conf/keeper-guard.conf: keeper guard runs before PostgreSQL starts.
  if [ -f "$KEEPER_CONF" ] && [ "${KEEPER_GUARD:-1}" != 0 ]; then
    chown -R postgres:postgres /etc/keeper
    HOME=/var/lib/postgresql as_postgres java -XX:TieredStopAtLevel=1 -jar /opt/keeper/keeper.jar guard \
      -c "$KEEPER_CONF" --pgdata "$PGDATA" >> "$KEEPER_LOG" 2>&1
    guard=$?
    log "keeper guard exited with $guard"
    [ "$guard" -ne 0 ] && start_postgres=0
  fi
fi

if [ "${start_postgres:-1}" = 1 ]; then
  as_postgres pg_ctl -D "$PGDATA" -l "$PG_LOG" -w -t 60 start >/dev/null || log "postgres did not start"
fi

if [ -f "$KEEPER_CONF" ] && [ "${KEEPER_AUTOSTART:-1}" != 0 ]; then
  chown -R postgres:postgres /etc/keeper
  keeper_loop &
  keeper_pid=$!
fi

while true; do
  sleep infinity &
  wait $!
done
