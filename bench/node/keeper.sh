#!/bin/bash
# PID 1 of a keeper benchmark node: PostgreSQL, then keeper as conf/keeper.service runs it (through its
# launcher, conf/keeper, with the class-data sharing archive the package makes; restarted after 2 s like Restart=on-failure). Env: NODE_NAME, ROLE (primary|standby),
# PARTNER_HOST, SYNC (1: synchronous_standby_names = '*' on both nodes; keeper clears it on the
# primary while the partner is unreachable), KEEPER_AUTOSTART (default 1).
# A container started again (`docker start` after `docker kill`) boots like a host with keeper's
# units enabled: `keeper guard` first (the ExecStartPre drop-in conf/keeper-guard.conf), PostgreSQL
# only if the guard allows it, then keeper if it had been started before.
. /bench/node/common.sh
KEEPER_LOG=/var/log/keeper.log
KEEPER_CONF=/etc/keeper/keeper.conf

keeper_loop() {
  while true; do
    # Launch time for the start-up measurement: keeper's first "Local server ... is" line follows.
    echo "bench: launching keeper at $(date +%s%3N)" >> "$KEEPER_LOG"
    HOME=/var/lib/postgresql USER=postgres LOGNAME=postgres \
      setpriv --reuid=postgres --regid=postgres --init-groups \
      env KEEPER_JAR=/opt/keeper/keeper.jar /opt/keeper/keeper run -c "$KEEPER_CONF" >> "$KEEPER_LOG" 2>&1
    rc=$?
    echo "bench: keeper exited rc=$rc" >> "$KEEPER_LOG"
    [ "$rc" -eq 2 ] && break
    sleep 2
  done
}

# keeper guard, as the drop-in runs it before PostgreSQL; returns its exit code (0: start PostgreSQL).
run_guard() {
  HOME=/var/lib/postgresql as_postgres java -XX:TieredStopAtLevel=1 -jar /opt/keeper/keeper.jar guard \
    -c "$KEEPER_CONF" --pgdata "$PGDATA" >> "$KEEPER_LOG" 2>&1
}

if [ "${1:-}" = start-keeper ]; then
  touch /etc/keeper/enabled   # systemctl enable --now: a reboot starts keeper again
  setsid bash -c ". /bench/node/common.sh; KEEPER_LOG=$KEEPER_LOG KEEPER_CONF=$KEEPER_CONF; $(declare -f keeper_loop); keeper_loop" \
    </dev/null >/dev/null 2>&1 &
  exit 0
fi

# Read before anything else: `start-keeper` may run (and enable keeper) while this boot is still going.
enabled_at_boot=0
[ -f /etc/keeper/enabled ] && enabled_at_boot=1
prepare_host
touch "$KEEPER_LOG" && chown postgres:postgres "$KEEPER_LOG"
mkdir -p /etc/keeper /opt/keeper
cp /bench-build/keeper.jar /bench-build/keeper /bench-build/keeper-cds /bench-build/keeper.classlist /opt/keeper/
# As the package does when installed (a container started again keeps the archive it made).
[ -f /var/cache/keeper/keeper.jsa ] || sh /opt/keeper/keeper-cds /var/cache/keeper/keeper.jsa >> "$KEEPER_LOG" 2>&1
partner=$([ "$NODE_NAME" = node1 ] && echo node2 || echo node1)
cat > "$KEEPER_CONF" <<EOC
node_name = '$NODE_NAME'
my_conninfo = 'host=127.0.0.1 port=5432 dbname=postgres user=postgres'
partner_conninfo = 'host=$partner port=5432 dbname=postgres user=postgres'
$(cat /out/keeper-settings.conf)
EOC
chown -R postgres:postgres /etc/keeper

start_pg=1
if [ -f "$PGDATA/PG_VERSION" ]; then
  rm -f "$PGDATA/postmaster.pid"   # a fresh pid namespace: the pid in it belongs to the last boot
  run_guard; guard=$?
  log "boot with an existing data directory: keeper guard exited with $guard"
  [ "$guard" -eq 0 ] || start_pg=0
else
  case "$ROLE" in
    primary)
      init_primary
      [ "${SYNC:-0}" = 1 ] && echo "synchronous_standby_names = '*'" >> "$PGDATA/postgresql.conf" ;;
    standby) init_standby_basebackup ;;
  esac
fi
if [ "$start_pg" = 1 ]; then
  start_postgres
  log "postgres up"
fi
if [ "${KEEPER_AUTOSTART:-1}" = 1 ] || [ "$enabled_at_boot" = 1 ]; then
  keeper_loop &
fi
idle_forever
