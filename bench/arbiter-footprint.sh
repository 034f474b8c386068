#!/usr/bin/env bash
# keeper's resident memory and start-up time without an arbiter, with a witness and with an etcd arbiter, side by
# side in one container (the test image keeper-node, which has PostgreSQL 15 and etcd): a primary whose partner
# address refuses connections, keeper started by its launcher (conf/keeper, so with the JVM flags it ships with)
# and the class-data sharing archive the package makes, http_listen on, RUNS runs of SECONDS each.
# Prints one line per run: RSS after SECONDS, and the time from launching java to keeper's first look at its
# server. Not part of bench/run.sh's report; the README's etcd section quotes it. Usage: arbiter-footprint.sh
# [RUNS [SECONDS]] (defaults 2 and 40). Needs Docker and keeper/target/keeper.jar (mvn -DskipTests package).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-2} SECONDS_EACH=${2:-40}
IMAGE=$(sed -n 's/^IMAGE=//p' src/test/docker/prepare.sh)
JAR=keeper/target/keeper.jar
[[ -f $JAR ]] || { echo "arbiter-footprint: $JAR not built (mvn -B -DskipTests package)" >&2; exit 2; }
bash src/test/docker/prepare.sh >/dev/null
NAME=keeper-footprint-$$
trap 'docker rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
docker run -d --name "$NAME" --label io.keeper.e2e=true \
  -e PATH=/usr/lib/postgresql/15/bin:/usr/sbin:/usr/bin:/sbin:/bin "$IMAGE" sleep infinity >/dev/null
docker exec "$NAME" mkdir -p /usr/share/keeper
docker cp "$JAR" "$NAME:/usr/share/keeper/keeper.jar"
docker cp conf/keeper "$NAME:/usr/bin/keeper"
# The class-data sharing archive, as the package makes it when installed (conf/keeper-cds).
docker cp conf/keeper-cds "$NAME:/usr/share/keeper/keeper-cds"
docker cp conf/keeper.classlist "$NAME:/usr/share/keeper/keeper.classlist"
docker exec "$NAME" sh /usr/share/keeper/keeper-cds >/dev/null
docker exec -i "$NAME" bash -s "$RUNS" "$SECONDS_EACH" <<'EOS'
set -euo pipefail
runs=$1 seconds=$2
install -d -o postgres /var/lib/postgresql/d
su postgres -c "initdb -D /var/lib/postgresql/d -A trust >/dev/null && pg_ctl -D /var/lib/postgresql/d -l /tmp/pg.log -w start >/dev/null"
etcd --data-dir /tmp/etcd --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 > /tmp/etcd.log 2>&1 &
sleep 3
measure() { # label, extra keeper.conf line
  cat > /tmp/k.conf <<EOC
node_name = 'node1'
my_conninfo = 'host=127.0.0.1 port=5432 dbname=postgres user=postgres'
partner_conninfo = 'host=127.0.0.2 port=5433 dbname=postgres user=postgres'
keepalive_time = 1s
keepalive_count = 3
http_listen = '127.0.0.1:8008'
$2
EOC
  chmod 644 /tmp/k.conf
  local start pid rss first
  start=$(date +%s%3N)
  su postgres -c "keeper run -c /tmp/k.conf > /tmp/k-$1.log 2>&1 &"
  sleep "$seconds"
  pid=$(pgrep -f 'keeper.jar run')
  rss=$(awk '/VmRSS/ { print int($2 / 1024) }' "/proc/$pid/status")
  first=$(grep -m1 'Local server 127.0.0.1:5432 is' "/tmp/k-$1.log" | awk '{ print $1 " " $2 }')
  echo "$1: ${rss} MiB resident after ${seconds} s; java launched to first look at its server $(( $(date -d "$first UTC" +%s%3N) - start )) ms"
  kill "$pid"; sleep 2
}
for ((i = 1; i <= runs; i++)); do
  measure none ""
  measure witness "witness_conninfo = 'host=127.0.0.1 port=5432 dbname=postgres user=postgres'"
  measure etcd "etcd_endpoints = 'http://127.0.0.1:2379'"
done
EOS
