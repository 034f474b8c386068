#!/usr/bin/env bash
# Builds the benchmark image keeper-bench:1 the way src/test/docker/prepare.sh builds keeper-node:1:
# debootstrap from this host's Debian mirror, no container registry. One image for every tool, so
# keeper and its peers run on identical nodes. Skipped when the image exists with the same label.
# Run src/test/docker/prepare.sh first (it installs and starts Docker).
set -euo pipefail

# Bump the tag whenever SUITE, PACKAGES or the build below changes.
IMAGE=keeper-bench:1
SUITE=bookworm
PACKAGES=postgresql-15,openjdk-17-jre-headless,procps,iproute2,util-linux,ca-certificates,\
postgresql-15-repmgr,postgresql-15-auto-failover,patroni,python3-psycopg2,python3-etcd,\
etcd-server,etcd-client
BUILD="$SUITE $PACKAGES"

step() { echo "bench image: $*"; }

[[ ${1:-} == --name ]] && { echo "$IMAGE"; exit 0; }

label=$(docker image inspect -f '{{index .Config.Labels "io.keeper.bench.build"}}' "$IMAGE" 2>/dev/null || true)
if [[ -n $label ]]; then
  if [[ $label != "$BUILD" ]]; then
    step "$IMAGE was built from '$label', not '$BUILD'; bump the IMAGE tag"; exit 1
  fi
  step "$IMAGE already built"
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
rootfs=$(mktemp -d /var/tmp/keeper-bench.XXXXXX)
trap 'rm -rf --one-file-system "$rootfs" "$rootfs.log"' EXIT
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$mirror" \
  >"$rootfs.log" 2>&1 || { tail -n 30 "$rootfs.log"; exit 1; }
# Packaged clusters and services are not used: every tool creates its own data directory.
rm -rf "$rootfs"/var/lib/postgresql/15 "$rootfs"/etc/postgresql/15 "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/lib/etcd/*
# Versions of what is measured, read back by the report.
chroot "$rootfs" dpkg-query -W -f '${Package}\t${Version}\n' \
  postgresql-15 openjdk-17-jre-headless postgresql-15-repmgr postgresql-15-auto-failover patroni etcd-server \
  > "$rootfs/etc/bench-versions.tsv"
tar -C "$rootfs" -c . | docker import --change "LABEL io.keeper.bench.build=\"$BUILD\"" - "$IMAGE" >/dev/null
step "$IMAGE built in $((SECONDS - start)) s"
