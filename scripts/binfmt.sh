#!/bin/bash
# Lets this machine's kernel run other architectures' Linux binaries through Debian's
# qemu-user-static, in containers too: what an arm64-only frontend image needs to run on an
# amd64 BuildKit.
#
#   binfmt.sh up [ARCH...]     mount binfmt_misc if it is not, register a handler per qemu
#                              ARCH (default: aarch64 arm ppc64le s390x riscv64)
#   binfmt.sh down             undo what `up` did, and only that
#   binfmt.sh status           the handlers registered now
#
# The handlers are named rustbuild-qemu-ARCH and have the F flag: the kernel opens the
# interpreter when it is registered, so a container, whose root has no qemu in it, can use it.
# The kernel tries the newest handler first, so ours win over any older one for the same
# binaries; `down` removes ours and leaves the others (and a binfmt_misc it did not mount).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

MISC=/proc/sys/fs/binfmt_misc
STATE=$BK_DIR/binfmt
DEFAULT_ARCHES="aarch64 arm ppc64le s390x riscv64"

# rule ARCH: the registration line for ARCH: Debian's magic and mask (from the binfmt.d file
# qemu-user-static ships for systemd), our name, the static interpreter and the F flag.
rule() {
  local conf=/usr/lib/binfmt.d/qemu-$1.conf magic mask
  [ -r "$conf" ] || die "no $conf: qemu-user-static has no handler for $1"
  IFS=: read -r _ _ _ _ magic mask _ <"$conf"
  printf ':rustbuild-qemu-%s:M::%s:%s:/usr/bin/qemu-%s-static:F' "$1" "$magic" "$mask" "$1"
}

cmd_up() {
  local arch
  # shellcheck disable=SC2086 # one word per architecture
  [ $# -gt 0 ] || set -- $DEFAULT_ARCHES
  apt_ensure qemu-user-static
  mkdir -p "$STATE"
  lock 9 "$STATE/lock"
  if [ ! -e "$MISC/register" ]; then
    mount -t binfmt_misc binfmt_misc "$MISC" || die "cannot mount binfmt_misc on $MISC"
    touch "$STATE/mounted"
  fi
  for arch in "$@"; do
    [ -e "$MISC/rustbuild-qemu-$arch" ] && continue
    rule "$arch" >"$MISC/register" || die "the kernel refused the handler for $arch"
    log "registered rustbuild-qemu-$arch"
  done
}

cmd_down() {
  local entry
  [ -e "$MISC/register" ] || return 0
  for entry in "$MISC"/rustbuild-qemu-*; do
    [ -e "$entry" ] || continue
    echo -1 >"$entry"
    log "removed ${entry##*/}"
  done
  if [ -e "$STATE/mounted" ]; then
    umount "$MISC"
    rm -f "$STATE/mounted"
  fi
}

cmd_status() {
  local entry
  [ -e "$MISC/register" ] || {
    echo "binfmt_misc is not mounted"
    return 0
  }
  for entry in "$MISC"/*; do
    case ${entry##*/} in register | status) ;; *) echo "${entry##*/}: $(sed -n 's/^interpreter //p' "$entry")" ;; esac
  done
}

case ${1:-} in
up | down | status)
  c=$1
  shift
  "cmd_$c" "$@"
  ;;
*) die "usage: binfmt.sh up [ARCH...] | down | status" ;;
esac
