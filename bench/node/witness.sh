#!/bin/bash
# PID 1 of the witness of keeper's split-brain runs: a plain PostgreSQL server (no keeper, no
# replication) on which both keepers keep their lease. Started again after `docker kill`, it reuses
# its data directory. Env: NODE_NAME.
. /bench/node/common.sh
prepare_host
[ -f "$PGDATA/PG_VERSION" ] || init_primary
start_postgres
log "witness postgres up"
idle_forever
