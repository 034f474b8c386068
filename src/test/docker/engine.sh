#!/usr/bin/env bash
# Installs (Debian's docker.io and debootstrap) and starts the Docker engine when needed.
# Idempotent: every step that is already done is skipped. Used by prepare.sh and bench/run.sh.
set -euo pipefail

DOCKER_LOG=/var/log/dockerd-keeper.log
step() { echo "engine: $*"; }

if ! command -v dockerd >/dev/null; then
  start=$SECONDS
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    docker.io debootstrap iproute2 >/dev/null
  step "docker.io: installed in $((SECONDS - start)) s"
else
  step "docker.io: already installed"
fi

if docker info >/dev/null 2>&1; then
  step "docker: already running"
else
  start=$SECONDS
  nohup dockerd --storage-driver=overlay2 --data-root /var/lib/docker-keeper \
    >>"$DOCKER_LOG" 2>&1 </dev/null &
  until docker info >/dev/null 2>&1; do
    if (( SECONDS - start > 60 )); then
      step "docker: not up after 60 s, see $DOCKER_LOG"; tail -n 20 "$DOCKER_LOG"; exit 1
    fi
    sleep 1
  done
  step "docker: started in $((SECONDS - start)) s (log $DOCKER_LOG)"
fi
