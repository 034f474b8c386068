#!/usr/bin/env bash
# Builds the benchmark image keeper-bench:2 with src/test/docker/debootstrap-image.sh, like the test
# image: Debian packages from this host's mirror, no container registry. One image for every tool, so
# keeper and its peers run on identical nodes. Skipped when the image exists with the same label.
# `image.sh --name` prints the image name; `image.sh --finish ROOTFS` is the build's last step.
set -euo pipefail
cd "$(dirname "$0")"

# Bump the tag whenever SUITE, PACKAGES or the finish step below changes.
IMAGE=keeper-bench:2
SUITE=bookworm
PACKAGES=postgresql-15,openjdk-17-jre-headless,procps,iproute2,iptables,util-linux,ca-certificates,\
postgresql-15-repmgr,postgresql-15-auto-failover,patroni,python3-psycopg2,python3-etcd,\
etcd-server,etcd-client

case ${1:-} in
  --name) echo "$IMAGE" ;;
  --finish) # every tool creates its own data directory; the report reads the versions back
    rootfs=$2
    rm -rf "$rootfs"/var/lib/etcd/*
    chroot "$rootfs" dpkg-query -W -f '${Package}\t${Version}\n' postgresql-15 openjdk-17-jre-headless \
      postgresql-15-repmgr postgresql-15-auto-failover patroni etcd-server > "$rootfs/etc/bench-versions.tsv" ;;
  *) bash ../src/test/docker/debootstrap-image.sh "$IMAGE" io.keeper.bench.build "$SUITE" "$PACKAGES" \
       "bash $PWD/image.sh --finish" ;;
esac
