# Sourced by the node scripts (PID 1 of each benchmark container): PostgreSQL set-up shared by every
# tool, so the servers differ only in what each failover tool itself requires.
# Env: NODE_NAME; SYNC=1 for synchronous replication where the node script sets it up itself.
set -uo pipefail
export PATH=/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PGDATA=/var/lib/postgresql/data
PG_LOG=/var/log/postgresql.log

log() { echo "$(date +%T.%3N) node[$NODE_NAME]: $*"; }
as_postgres() { runuser -u postgres -- "$@"; }

# PostgreSQL settings every tool gets (Patroni and pg_auto_failover receive them their own way).
PG_SETTINGS="listen_addresses = '*'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
wal_log_hints = on
wal_keep_size = '256MB'
wal_sender_timeout = '2s'
shared_buffers = '128MB'
max_connections = 100"

prepare_host() {
  mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
  touch "$PG_LOG" && chown postgres:postgres "$PG_LOG"
  printf '*:*:*:*:secret\n' > /var/lib/postgresql/.pgpass
  chown postgres:postgres /var/lib/postgresql/.pgpass && chmod 600 /var/lib/postgresql/.pgpass
}

init_primary() {
  echo secret > /tmp/pwfile && chown postgres /tmp/pwfile
  # --no-sync (here and in the base backup): set-up only; a container kill keeps the page cache.
  as_postgres initdb -D "$PGDATA" -U postgres --pwfile=/tmp/pwfile --no-sync \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null || exit 1
  rm -f /tmp/pwfile
  printf '%s\ncluster_name = %s\n' "$PG_SETTINGS" "'$NODE_NAME'" >> "$PGDATA/postgresql.conf"
  cat >> "$PGDATA/pg_hba.conf" <<EOC
host all all 0.0.0.0/0 scram-sha-256
host replication all 0.0.0.0/0 scram-sha-256
EOC
}

# Copies the primary PARTNER_HOST with pg_basebackup (retrying while it boots).
init_standby_basebackup() {
  local start=$SECONDS
  until PGPASSWORD=secret as_postgres pg_basebackup -h "$PARTNER_HOST" -U postgres \
      -D "$PGDATA" -R -X stream --no-sync --checkpoint=fast 2>/dev/null; do
    (( SECONDS - start > 90 )) && { log "pg_basebackup from $PARTNER_HOST failed for 90 s"; exit 1; }
    rm -rf "$PGDATA"
    sleep 0.5
  done
  sed -i '/^cluster_name/d' "$PGDATA/postgresql.conf"
  echo "cluster_name = '$NODE_NAME'" >> "$PGDATA/postgresql.conf"
}

start_postgres() {
  rm -f "$PGDATA/postmaster.pid"
  as_postgres pg_ctl -D "$PGDATA" -l "$PG_LOG" -w -t 60 start >/dev/null || log "postgres did not start"
}

# forever LOG COMMAND...: a daemon restarted 2 s after each exit, like systemd's Restart=always.
forever() {
  local logf=$1; shift
  while true; do "$@" >> "$logf" 2>&1; echo "bench: $* exited rc=$?" >> "$logf"; sleep 2; done
}

# etcd_member MEMBER...: this node (NODE_NAME) as a member of the etcd cluster MEMBER... (client port 2379, peer
# port 2380), restarted 2 s after each exit; its data stays in the container, so a container started again after
# `docker kill` rejoins the cluster with its data. Runs in the foreground.
etcd_member() {
  local initial="" m
  for m in "$@"; do initial+="${initial:+,}$m=http://$m:2380"; done
  forever /var/log/etcd.log etcd --name "$NODE_NAME" --data-dir /var/lib/etcd/bench \
    --listen-client-urls http://0.0.0.0:2379 --advertise-client-urls "http://$NODE_NAME:2379" \
    --listen-peer-urls http://0.0.0.0:2380 --initial-advertise-peer-urls "http://$NODE_NAME:2380" \
    --initial-cluster "$initial" --initial-cluster-state new
}

idle_forever() {
  trap 'exit 0' TERM INT
  while true; do sleep infinity & wait $!; done
}
