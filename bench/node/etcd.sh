#!/bin/bash
# PID 1 of an etcd member of keeper's split-brain runs with etcd (bench/peers/keeper-etcd.sh): Debian's
# etcd-server, one member of the cluster ETCD_MEMBERS, holding keeper's lease. Started again after
# `docker kill`, it rejoins the cluster with its data. Env: NODE_NAME, ETCD_MEMBERS ("etcd1 etcd2 etcd3").
. /bench/node/common.sh
etcd_member $ETCD_MEMBERS &
log "etcd member of $ETCD_MEMBERS started"
idle_forever
