#!/bin/bash
# The images the tests need, made on this machine: no container registry on the internet is
# reachable, so nothing is ever pulled from one.
#
#   images.sh busybox NAME [TAG]                  base image (default local/busybox:latest) from
#                                                 Debian's busybox-static; skipped if it exists
#   images.sh frontend NAME BINARY [TAG]          the frontend image (default local/rustbuild:dev)
#                                                 loaded into daemon NAME; re-made every time
#   images.sh frontend-archive BINARY OUT [TAG]   the same image as a tar (docker-archive and OCI
#                                                 layout in one), no daemon needed
#   images.sh windows-base [NAME]                 a synthetic Windows base image, pushed to the
#                                                 loopback registry as $WINDOWS_BASE (below)
#   images.sh registry-up | registry-down         that registry: Debian's docker-registry,
#                                                 listening on 127.0.0.1:5000 only
# NAME is a daemon of buildkit.sh (bk20, bk26, bk26c); its client environment is used.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=oci.sh
. "$here/oci.sh"

REG_DIR=$BK_DIR/registry
REG_ADDR=127.0.0.1:5000
WINDOWS_BASE=$REG_ADDR/rustbuild/nanoserver:ltsc2022
ARCH=$(dpkg --print-architecture) # Debian's amd64/arm64 are also the OCI names

# use_daemon NAME: take on the daemon's client environment (DOCKER_HOST, DOCKER_CONFIG, DOCKER).
use_daemon() {
  eval "$("$here/buildkit.sh" env "$1")"
  "$DOCKER" version >/dev/null 2>&1 || die "daemon $1 does not answer; run: scripts/buildkit.sh up $1"
}

# with_tag REF: REF with ":latest" if it names no tag.
with_tag() { case ${1##*/} in *:*) echo "$1" ;; *) echo "$1:latest" ;; esac }

# full_ref REF: REF as containerd names it (docker.io/library/busybox:latest).
full_ref() {
  local ref first
  ref=$(with_tag "$1")
  first=${ref%%/*}
  if [[ $ref != */* ]]; then
    ref=docker.io/library/$ref
  elif [[ $first != *.* && $first != *:* && $first != localhost ]]; then
    ref=docker.io/$ref
  fi
  echo "$ref"
}

# layout_for_docker LAYOUT DESCRIPTOR TAG: make LAYOUT, holding the one image DESCRIPTOR names,
# loadable as TAG by every `docker load`: its index.json names the image as a dockerd on the
# containerd image store reads it (io.containerd.image.name, and ref.name, a bare tag, for
# skopeo's oci: transport), and a docker-archive manifest.json names the same blobs, as
# `docker save` of Docker >= 25 writes (20.10 reads only that).
layout_for_docker() {
  local layout=$1 desc=$2 tag=$3 manifest config layer
  layout_index "$layout" "$(with_members "$desc" "\"annotations\":{\"io.containerd.image.name\":\"$(full_ref "$tag")\",\"org.opencontainers.image.ref.name\":\"${tag##*:}\"}")"
  manifest=$(grep -o 'sha256:[0-9a-f]*' <<<"$desc" | cut -d: -f2)
  # the manifest names the config's digest first, then the layer's
  { read -r config; read -r layer; } < <(grep -o 'sha256:[0-9a-f]*' "$layout/blobs/sha256/$manifest" | cut -d: -f2)
  cat >"$layout/manifest.json" <<EOF
[{"Config":"blobs/sha256/$config","RepoTags":["$tag"],"Layers":["blobs/sha256/$layer"]}]
EOF
}

cmd_busybox() {
  local tag r a tmp
  tag=$(with_tag "${2:-local/busybox:latest}")
  use_daemon "$1"
  if "$DOCKER" image inspect "$tag" >/dev/null 2>&1; then
    log "$1: $tag exists"
    return 0
  fi
  apt_ensure busybox-static
  tmp=$(mktemp -d -p "$WORK")
  r=$tmp/rootfs
  mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,home/app,proc,sys,dev}
  cp /bin/busybox "$r/bin/busybox"
  # every applet where a distribution has it (/bin/sh, /usr/bin/env, /sbin/ip, ...)
  for a in $(/bin/busybox --list-full); do
    case $a in bin/busybox | linuxrc) ;; *) ln -s /bin/busybox "$r/$a" ;; esac
  done
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'app:x:1000:1000:app:/home/app:/bin/sh' \
    'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' >"$r/etc/passwd"
  printf '%s\n' 'root:x:0:' 'app:x:1000:' 'nogroup:x:65534:' >"$r/etc/group"
  chown 1000:1000 "$r/home/app"
  chmod 1777 "$r/tmp"
  chmod 700 "$r/root"
  mktar "$r" "$tmp/rootfs.tar" .
  "$DOCKER" import --change 'CMD ["/bin/sh"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$tmp/rootfs.tar" "$tag" >/dev/null
  log "$1: made $tag"
}

cmd_frontend_archive() {
  local bin=$1 out=$2 tag tmp desc
  tag=$(with_tag "${3:-local/rustbuild:dev}")
  [ -f "$bin" ] || die "no such binary: $bin"
  # the image's date (and its layer's mtimes) is the binary's, so the same binary always gives
  # the same image ID
  local SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$bin")}
  tmp=$(mktemp -d -p "$WORK")
  desc=$(frontend_image "$tmp/image" "$bin" "linux/$ARCH" '{}')
  layout_for_docker "$tmp/image" "$desc" "$tag"
  mktar "$tmp/image" "$out" index.json oci-layout manifest.json blobs
}

cmd_frontend() {
  local name=$1 bin=$2 tag old new out
  tag=$(with_tag "${3:-local/rustbuild:dev}")
  use_daemon "$name"
  old=$("$DOCKER" image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
  out=$WORK/frontend.tar
  cmd_frontend_archive "$bin" "$out" "$tag"
  "$DOCKER" load -q -i "$out" >/dev/null
  new=$("$DOCKER" image inspect -f '{{.Id}}' "$tag")
  # the previous build is now untagged: drop it (fails harmlessly if something still uses it)
  [ -z "$old" ] || [ "$old" = "$new" ] || "$DOCKER" rmi "$old" >/dev/null 2>&1 || true
  log "$name: loaded $tag ($new)"
}

registry_answers() { busybox wget -q -Y off -O /dev/null "http://$REG_ADDR/v2/"; }

# registry-up: Debian's docker-registry on loopback only, with its own config and storage; its
# systemd unit is never used. Both dockerds pull from 127.0.0.0/8 over plain HTTP by default.
cmd_registry_up() {
  local pid
  apt_ensure docker-registry busybox-static
  lock 9 "$REG_DIR/lock"
  if registry_answers 2>/dev/null; then return 0; fi
  if pid=$(running_pid "$REG_DIR/registry.pid" "$REG_DIR/config.yml"); then
    answers_within 10 registry_answers && return 0
    die "registry (pid $pid) runs but does not answer on $REG_ADDR"
  fi
  mkdir -p "$REG_DIR/data"
  cat >"$REG_DIR/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REG_DIR/data
  delete:
    enabled: true
http:
  addr: $REG_ADDR
EOF
  cd / # the registry must not keep the caller's directory busy
  # shellcheck disable=SC2016 # expanded by the inner sh, which records its own pid
  setsid sh -c 'echo $$ >"$1"; exec docker-registry serve "$2"' sh \
    "$REG_DIR/registry.pid" "$REG_DIR/config.yml" >>"$REG_DIR/registry.log" 2>&1 </dev/null 9>&- &
  answers_within 20 registry_answers || die "registry did not come up, see $REG_DIR/registry.log"
  log "registry up on $REG_ADDR (pid $(cat "$REG_DIR/registry.pid"))"
}

cmd_registry_down() { stop_pidfile "$REG_DIR/registry.pid" "$REG_DIR/config.yml"; }

# windows-base: a tiny image whose config says Windows, with a Windows-layout layer (Files/,
# Hives/), for Windows-target tests on a Linux daemon. NAME is accepted and not needed: the
# daemons pull the image from the registry when a build names it. Seen with
# `--platform windows/amd64` builds FROM it (no RUN, of course): bk20 and bk26 export
# -o type=tar|local (Files/, Hives/ and the COPYed /hello.txt at the top) and refuse to keep the
# image ("operating system is not supported"); bk26c keeps it, and its tar export drops the
# Files/ prefix and Hives/ (containerd applies the layer the Windows way).
cmd_windows_base() {
  local tmp r h cmd platform
  cmd_registry_up
  apt_ensure skopeo
  if skopeo inspect --raw --tls-verify=false "docker://$WINDOWS_BASE" >/dev/null 2>&1; then
    log "$WINDOWS_BASE exists"
    return 0
  fi
  tmp=$(mktemp -d -p "$WORK")
  r=$tmp/root
  mkdir -p "$r/Files/Windows/System32" "$r/Files/ProgramData" "$r/Files/Users/ContainerUser" "$r/Hives"
  echo 'not really cmd.exe' >"$r/Files/Windows/System32/cmd.exe"
  for h in DefaultUser Sam Security Software System; do : >"$r/Hives/${h}_Delta"; done
  mktar "$r" "$tmp/layer.tar" Files Hives
  cmd='c:\\windows\\system32\\cmd.exe' # JSON-escaped
  platform='{"architecture":"amd64","os":"windows","os.version":"10.0.20348.2227"}'
  cat >"$tmp/config.json" <<EOF
${platform%\}},"config":{"User":"ContainerUser","Cmd":["$cmd"]},"rootfs":{"type":"layers","diff_ids":["@DIFF_ID@"]},"history":[{"created_by":"scripts/images.sh windows-base"}]}
EOF
  layout_for_docker "$tmp/oci" "$(image "$tmp/oci" "$tmp/layer.tar" "$tmp/config.json" '{}' "$platform")" "$WINDOWS_BASE"
  skopeo --insecure-policy copy -q --dest-tls-verify=false \
    "oci:$tmp/oci:${WINDOWS_BASE##*:}" "docker://$WINDOWS_BASE"
  log "pushed $WINDOWS_BASE"
}

usage="usage: $0 busybox NAME [TAG] | frontend NAME BINARY [TAG] | frontend-archive BINARY OUT.tar [TAG]
       | windows-base [NAME] | registry-up | registry-down"
cmd=${1:-}
shift || true
case $cmd in
  busybox) [ $# -ge 1 ] || die "$usage"; cmd_busybox "$@" ;;
  frontend) [ $# -ge 2 ] || die "$usage"; cmd_frontend "$@" ;;
  frontend-archive) [ $# -ge 2 ] || die "$usage"; cmd_frontend_archive "$@" ;;
  windows-base) cmd_windows_base ;;
  registry-up) cmd_registry_up ;;
  registry-down) cmd_registry_down ;;
  *) die "$usage" ;;
esac
