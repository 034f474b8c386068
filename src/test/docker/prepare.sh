#!/usr/bin/env bash
# Prepares this machine for the end-to-end tests: Docker engine running and the node image built.
# Idempotent: every step that is already done is skipped. Needs root for the steps it has to do.
set -euo pipefail
cd "$(dirname "$0")"

# Bump the tag whenever SUITE, PACKAGES or the build changes; the tests read IMAGE from here.
IMAGE=keeper-node:4
SUITE=bookworm
PACKAGES=postgresql-15,openjdk-17-jre-headless,procps,iproute2,iptables,util-linux,ca-certificates,etcd-server,systemd,iputils-arping

bash engine.sh
# Runs that were killed leave their containers and networks behind; drop those older than an hour.
docker container prune -f --filter label=io.keeper.e2e --filter until=1h >/dev/null
docker network prune -f --filter label=io.keeper.e2e --filter until=1h >/dev/null
bash debootstrap-image.sh "$IMAGE" io.keeper.build "$SUITE" "$PACKAGES"
