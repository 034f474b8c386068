#!/bin/bash
# PID 1 of a repmgr benchmark node: PostgreSQL with the repmgr extension, registered with repmgr,
# and repmgrd (failover=automatic) restarted 2 s after an exit, as systemd would.
# Env: NODE_NAME (node1 | node2), ROLE (primary | standby), PARTNER_HOST (the primary a standby clones).
. /bench/node/common.sh
CONF=/etc/repmgr.conf
id=${NODE_NAME#node}

prepare_host
touch /var/log/repmgrd.log && chown postgres:postgres /var/log/repmgrd.log
# The settings are written by bench/peers/repmgr.sh; the per-node lines are added here.
{
  echo "node_id=$id"
  echo "node_name='$NODE_NAME'"
  echo "conninfo='host=$NODE_NAME port=5432 user=postgres dbname=postgres connect_timeout=2'"
  cat /out/repmgr-settings.conf
} > "$CONF"
chown postgres:postgres "$CONF"

case "$ROLE" in
  primary)
    init_primary
    echo "shared_preload_libraries = 'repmgr'" >> "$PGDATA/postgresql.conf"
    start_postgres
    as_postgres repmgr -f "$CONF" primary register || { log "repmgr primary register failed"; exit 1; }
    ;;
  standby)
    start=$SECONDS
    until as_postgres repmgr -h "$PARTNER_HOST" -U postgres -d postgres -f "$CONF" standby clone --fast-checkpoint \
        >> /var/log/repmgr-clone.log 2>&1; do
      (( SECONDS - start > 90 )) && { log "repmgr standby clone failed for 90 s"; exit 1; }
      rm -rf "$PGDATA"; sleep 0.5
    done
    start_postgres
    until as_postgres repmgr -f "$CONF" standby register >> /var/log/repmgr-clone.log 2>&1; do
      (( SECONDS - start > 90 )) && { log "repmgr standby register failed for 90 s"; exit 1; }
      sleep 0.5
    done
    ;;
esac
log "postgres up as $ROLE, registered"
(
  while true; do
    runuser -u postgres -- repmgrd -f "$CONF" --daemonize=false >> /var/log/repmgrd.log 2>&1
    echo "bench: repmgrd exited rc=$?" >> /var/log/repmgrd.log
    sleep 2
  done
) &
idle_forever
