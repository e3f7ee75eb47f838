#!/bin/bash
# Everything the tests need on a fresh Debian 12 machine, idempotent (a second run only checks):
# the packages, the BuildKit daemons, local/busybox in each, the synthetic Windows base image in
# the loopback registry, and qemu's binfmt handlers (other platforms' frontend images run on
# these daemons through them). It does not build the Rust binary.
#
#   RUSTBUILD_BK_DAEMONS   daemons to bring up (default "bk20 bk26 bk26c"; bk26c, on the containerd image store, is the one
#                          that builds several platforms at once, see buildkit.sh)
# Prints the time of each phase to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

DAEMONS=${RUSTBUILD_BK_DAEMONS:-bk20 bk26 bk26c}
start=$(date +%s%N)

# phase TITLE CMD...: run CMD, then log how long it took.
phase() {
  local title=$1 t0
  shift
  t0=$(date +%s%N)
  "$@"
  log "$title: $(ms_since "$t0") s"
}

ms_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }

# one install for all, rather than one apt-get run per script; neovim is the real editor
# tests/it/neovim.rs drives `rustbuild lsp` with, debootstrap makes release.sh's build root
phase "packages" apt_ensure docker.io containerd runc iptables iproute2 busybox-static \
  skopeo docker-registry neovim qemu-user-static debootstrap
for d in $DAEMONS; do phase "up $d" "$here/buildkit.sh" up "$d"; done
for d in $DAEMONS; do phase "busybox image in $d" "$here/images.sh" busybox "$d"; done
phase "windows base in the registry" "$here/images.sh" windows-base
phase "binfmt handlers" "$here/binfmt.sh" up
log "total: $(ms_since "$start") s"
