#!/usr/bin/env bash
# Builds a local Docker image from Debian packages with debootstrap (no container registry needed):
#
#   debootstrap-image.sh IMAGE LABEL_KEY SUITE PACKAGES [FINISH]
#
# PACKAGES is debootstrap's comma-separated --include list. FINISH, when given, is a command line
# (split at spaces) run with the root directory as its last argument before the import, to trim or
# annotate the tree. The image is labelled
# LABEL_KEY="SUITE PACKAGES"; when IMAGE exists with that label the build is skipped, and when it
# exists with another label the script fails (bump the tag). Needs root and a running Docker.
set -euo pipefail
(( $# == 4 || $# == 5 )) || { echo "usage: $0 IMAGE LABEL_KEY SUITE PACKAGES [FINISH]" >&2; exit 2; }
IMAGE=$1 LABEL_KEY=$2 SUITE=$3 PACKAGES=$4 FINISH=${5:-}
BUILD="$SUITE $PACKAGES"
step() { echo "image $IMAGE: $*"; }

label=$(docker image inspect -f "{{index .Config.Labels \"$LABEL_KEY\"}}" "$IMAGE" 2>/dev/null || true)
if [[ -n $label ]]; then
  if [[ $label != "$BUILD" ]]; then
    step "built from '$label', not '$BUILD'; bump the image tag"; exit 1
  fi
  step "already built"
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
rootfs=$(mktemp -d /var/tmp/keeper-image.XXXXXX)
# --one-file-system: never delete through a mount debootstrap might have left behind.
trap 'rm -rf --one-file-system "$rootfs" "$rootfs.log"' EXIT
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$mirror" \
  >"$rootfs.log" 2>&1 || { tail -n 30 "$rootfs.log"; exit 1; }
# Packaged clusters are never used (every node creates its own) and the .deb cache is dead weight.
rm -rf "$rootfs"/var/lib/postgresql/15 "$rootfs"/etc/postgresql/15 "$rootfs"/var/cache/apt/archives/*.deb
if [[ -n $FINISH ]]; then
  read -ra finish <<< "$FINISH"
  "${finish[@]}" "$rootfs"
fi
tar -C "$rootfs" -c . | docker import --change "LABEL $LABEL_KEY=\"$BUILD\"" - "$IMAGE" >/dev/null
step "built in $((SECONDS - start)) s"
