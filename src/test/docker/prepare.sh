#!/usr/bin/env bash
# Prepares this machine for the end-to-end tests: Docker engine running and the node image built.
# Idempotent: every step that is already done is skipped. Needs root for the steps it has to do.
set -euo pipefail

# Bump the tag whenever SUITE, PACKAGES or the build below changes; the tests read IMAGE from here.
IMAGE=keeper-node:1
SUITE=bookworm
PACKAGES=postgresql-15,openjdk-17-jre-headless,procps,iproute2,iptables,util-linux,ca-certificates
BUILD="$SUITE $PACKAGES"
DOCKER_LOG=/var/log/dockerd-keeper.log

step() { echo "prepare: $*"; }

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

# Runs that were killed leave their containers and networks behind; drop those older than an hour.
docker container prune -f --filter label=io.keeper.e2e --filter until=1h >/dev/null
docker network prune -f --filter label=io.keeper.e2e --filter until=1h >/dev/null

label=$(docker image inspect -f '{{index .Config.Labels "io.keeper.build"}}' "$IMAGE" 2>/dev/null || true)
if [[ -n $label ]]; then
  if [[ $label != "$BUILD" ]]; then
    step "image $IMAGE: built from '$label', not '$BUILD'; bump the IMAGE tag"; exit 1
  fi
  step "image $IMAGE: already built"
  exit 0
fi

command -v debootstrap >/dev/null || {
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null
}
# The first Debian mirror this host's apt uses (deb822 sources first, then the classic list).
mirror=$(cat /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list 2>/dev/null | awk '
  $1 == "URIs:" && $2 !~ /security/ { print $2; exit }
  $1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' || true)
[[ -n $mirror ]] || { step "no Debian mirror found in /etc/apt; debootstrap needs one"; exit 1; }
start=$SECONDS
rootfs=$(mktemp -d /var/tmp/keeper-node.XXXXXX)
# --one-file-system: never delete through a mount debootstrap might have left behind.
trap 'rm -rf --one-file-system "$rootfs" "$rootfs.log"' EXIT
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$mirror" \
  >"$rootfs.log" 2>&1 || { tail -n 30 "$rootfs.log"; exit 1; }
# The package's own cluster is not used: node.sh creates its cluster in /var/lib/postgresql/data.
rm -rf "$rootfs"/var/lib/postgresql/15 "$rootfs"/etc/postgresql/15 "$rootfs"/var/cache/apt/archives/*.deb
tar -C "$rootfs" -c . | docker import --change "LABEL io.keeper.build=\"$BUILD\"" - "$IMAGE" >/dev/null
step "image $IMAGE: built in $((SECONDS - start)) s"
