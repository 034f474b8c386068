#!/bin/bash
# PID 1 of a Patroni benchmark node: node3 runs a single-member etcd; node1 and node2 run Patroni,
# which creates (node1, first to start) or copies (node2) PostgreSQL. Each daemon is restarted 2 s
# after an exit, as systemd would. Env: NODE_NAME; SYNC=1 for synchronous_mode.
. /bench/node/common.sh

if [ "$NODE_NAME" = node3 ]; then
  etcd_member node3 &
  idle_forever
fi

prepare_host
# Patroni gets the same PostgreSQL settings as every tool (it manages listen_addresses and
# cluster_name itself).
params=$(printf '%s\n' "$PG_SETTINGS" | grep -v -e '^listen_addresses' \
  | sed -E "s/^([a-z_]+) = (.*)$/        \1: \2/")
sync=false; [ "${SYNC:-0}" = 1 ] && sync=true
cat > /etc/patroni.yml <<EOC
scope: bench
name: $NODE_NAME
restapi:
  listen: 0.0.0.0:8008
  connect_address: $NODE_NAME:8008
etcd3:
  hosts: node3:2379
bootstrap:
  dcs:
$(sed 's/^/    /' /out/patroni-dcs.yml)
    synchronous_mode: $sync
    postgresql:
      use_pg_rewind: true
      parameters:
$params
  initdb:
    - auth-host: scram-sha-256
    - auth-local: trust
    - no-sync
postgresql:
  listen: 0.0.0.0:5432
  connect_address: $NODE_NAME:5432
  data_dir: $PGDATA
  bin_dir: /usr/lib/postgresql/15/bin
  basebackup:
    - checkpoint: fast
    - no-sync
  pgpass: /var/lib/postgresql/.pgpass.patroni
  authentication:
    superuser: {username: postgres, password: secret}
    replication: {username: replicator, password: secret}
  pg_hba:
    - local all all trust
    - host all all 0.0.0.0/0 scram-sha-256
    - host replication replicator 0.0.0.0/0 scram-sha-256
EOC
chown postgres:postgres /etc/patroni.yml
touch /var/log/patroni.log && chown postgres:postgres /var/log/patroni.log
forever /var/log/patroni.log runuser -u postgres -- patroni /etc/patroni.yml &
idle_forever
