#!/bin/bash
# Real BuildKit daemons for the tests: dockerd's embedded BuildKit, from Debian packages only
# (no container registry on the internet is reachable, and Debian ships no buildkitd).
#
#   buildkit.sh up NAME        install what is missing, start the daemon, wait until it answers
#   buildkit.sh env NAME       print the `export` lines a client needs: eval "$(buildkit.sh env bk26)"
#   buildkit.sh down NAME|all  stop the daemon started by `up` (by its pidfile), remove its bridge
#   buildkit.sh status         one line per daemon
#
# NAME: bk20   Debian 12 docker.io 20.10 (BuildKit 0.8);   client: its 20.10 CLI, DOCKER_BUILDKIT=1
#       bk26   Debian 13 docker.io 26.1.5 (BuildKit 0.13); client: its 26.1.5 CLI + buildx 0.13.1
#       bk26c  bk26 with the containerd image store: the only one here whose buildx builds
#              several platforms at once, exports type=oci and keeps Windows-target images
# State: ${RUSTBUILD_BK_DIR:-/var/lib/rustbuild-bk}/NAME; one such dir per machine, as the
# bridges (rb-NAME, 172.29.20/26/27.0/24) are machine-wide. Storage drivers to try in order:
# RUSTBUILD_BK_STORAGE (default "overlay2 vfs"); for bk26c, containerd snapshotters:
# RUSTBUILD_BK_SNAPSHOTTER (default "overlayfs native").
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

NAMES=(bk20 bk26 bk26c)
TRIXIE=$BK_DIR/pkg-trixie # the unpacked Debian 13 .debs: docker.io, docker-cli, docker-buildx
SID=$BK_DIR/pkg-sid       # Debian unstable's docker-buildx

# daemon_vars NAME: set the paths and settings of one daemon (globals, used by all below).
daemon_vars() {
  name=$1
  st=$BK_DIR/$name
  # daemon_json: the daemon's whole configuration (never the machine's /etc/docker/daemon.json)
  daemon_json='{}' drivers=${RUSTBUILD_BK_STORAGE:-overlay2 vfs}
  case $name in
    bk20)
      dockerd=/usr/sbin/dockerd cli=/usr/bin/docker net=172.29.20 trixie=''
      # its trust key, or 20.10 writes /etc/docker/key.json
      daemon_json="{\"deprecated-key-path\": \"$st/key.json\"}"
      ;;
    bk26) dockerd=$TRIXIE/usr/sbin/dockerd cli=$TRIXIE/usr/bin/docker net=172.29.26 trixie=1 ;;
    bk26c)
      dockerd=$TRIXIE/usr/sbin/dockerd cli=$TRIXIE/usr/bin/docker net=172.29.27 trixie=1
      daemon_json='{"features": {"containerd-snapshotter": true}}'
      drivers=${RUSTBUILD_BK_SNAPSHOTTER:-overlayfs native}
      ;;
    *) die "unknown daemon '$name' (${NAMES[*]})" ;;
  esac
  sock=$st/docker.sock pidfile=$st/dockerd.pid logfile=$st/dockerd.log cfg=$st/docker-config
  sid_cfg=$st/docker-config-sid # the same client with unstable's buildx as its plugin
  bridge=rb-$name
}

client() { DOCKER_HOST=unix://$sock DOCKER_CONFIG=$cfg timeout 10 "$cli" "$@"; }
answers() { client version >/dev/null 2>&1; }
server_version() { client version --format '{{.Server.Version}}' 2>/dev/null; }

# unpack_debs SUITE DIR PKG...: fetch the packages of Debian SUITE and unpack them into DIR.
# apt runs with a private, temporary configuration that holds only that suite's source: the
# system's sources, lists and pins are never touched and nothing from SUITE is installed.
unpack_debs() {
  local suite=$1 dir=$2 mirror tmp deb apt
  shift 2
  [ -e "$dir/.complete" ] && return 0
  mirror=$(debian_mirror)
  tmp=$(mktemp -d -p "$WORK")
  mkdir -p "$tmp/sources.d" "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/debs"
  printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
    "$mirror" "$suite" /usr/share/keyrings/debian-archive-keyring.gpg >"$tmp/sources.d/$suite.sources"
  apt=(apt-get -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$tmp/sources.d"
    -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o APT::Sandbox::User=root)
  log "downloading $* from Debian $suite"
  "${apt[@]}" update -qq
  (cd "$tmp/debs" && "${apt[@]}" download -qq "$@")
  rm -rf "$dir"
  mkdir -p "$dir"
  for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$dir"; done
  (cd "$tmp/debs" && ls) >"$dir/.complete"
  rm -rf "$tmp"
  log "unpacked into $dir: $(tr '\n' ' ' <"$dir/.complete")"
}

# install_trixie: Debian 13's docker.io, docker-cli and docker-buildx, unpacked into $TRIXIE.
install_trixie() {
  lock 8 "$TRIXIE.lock" # bk26 and bk26c share it
  unpack_debs trixie "$TRIXIE" docker.io docker-cli docker-buildx
}

# install_sid_buildx: Debian unstable's docker-buildx (0.29, a static binary), unpacked into
# $SID: the only buildx here with `--call=check`, for the tests of the lint subrequest.
install_sid_buildx() {
  lock 7 "$SID.lock"
  unpack_debs sid "$SID" docker-buildx
  exec 7>&- # released here: a dockerd started later must not inherit (and hold) it
}

# ensure_bridge: each daemon gets its own bridge. Never --bridge=none: a dockerd started that
# way deletes the shared docker0 and breaks the other daemon's builds.
ensure_bridge() {
  ip link show "$bridge" >/dev/null 2>&1 && return 0
  ip link add "$bridge" type bridge
  ip addr add "$net.1/24" dev "$bridge"
  ip link set "$bridge" up
}

# bridge_in_use: some running dockerd (maybe one of another state dir) was started on $bridge.
bridge_in_use() {
  local f
  for f in /proc/[0-9]*/cmdline; do
    [[ $(tr '\0' ' ' 2>/dev/null <"$f") == *"--bridge $bridge "* ]] && return 0
  done
  return 1
}

# client_config: the daemon's own DOCKER_CONFIG; for bk26* it holds the buildx plugin, without
# which a Docker >= 23 CLI refuses BuildKit builds ("buildx component is missing").
client_config() {
  mkdir -p "$cfg/cli-plugins"
  [ -f "$cfg/config.json" ] || echo '{}' >"$cfg/config.json"
  [ -z "$trixie" ] || ln -sf "$TRIXIE/usr/libexec/docker/cli-plugins/docker-buildx" "$cfg/cli-plugins/"
}

# sid_client_config: a second DOCKER_CONFIG for bk26*, whose buildx plugin is unstable's.
sid_client_config() {
  install_sid_buildx
  mkdir -p "$sid_cfg/cli-plugins"
  [ -f "$sid_cfg/config.json" ] || echo '{}' >"$sid_cfg/config.json"
  ln -sf "$SID/usr/libexec/docker/cli-plugins/docker-buildx" "$sid_cfg/cli-plugins/"
}

# start_daemon: start dockerd in its own session, and try the next storage driver if it dies
# (overlay2/overlayfs fail where the data root is itself on overlayfs; vfs/native always work,
# slowly).
start_daemon() {
  local drv dpid n
  # All daemons use bookworm's containerd 1.6 and runc 1.1 from PATH (trixie's runc needs a
  # newer glibc); bk26* find their own docker-proxy first.
  local path=/usr/sbin:/usr/bin:/sbin:/bin
  [ -z "$trixie" ] || path=$TRIXIE/usr/sbin:$path
  echo "$daemon_json" >"$st/daemon.json"
  cd / # the daemon must not keep the caller's directory busy
  for drv in $drivers; do
    log "$name: starting $dockerd (storage $drv, bridge $bridge)"
    PATH=$path setsid nohup "$dockerd" --config-file "$st/daemon.json" --host "unix://$sock" \
      --data-root "$st/data" --exec-root "$st/exec" --pidfile "$pidfile" --bridge "$bridge" \
      --iptables=false --ip6tables=false --storage-driver "$drv" \
      >>"$logfile" 2>&1 </dev/null 7>&- 8>&- 9>&- &
    dpid=$!
    n=300 # 60 s
    while alive "$dpid" && [ "$n" -gt 0 ]; do
      answers && return 0
      sleep 0.2
      n=$((n - 1))
    done
    log "$name: dockerd with $drv did not come up; the end of $logfile:"
    tail -n 5 "$logfile" >&2
    stop_pid "$dpid"
  done
  die "$name: dockerd did not start, see $logfile"
}

cmd_up() {
  daemon_vars "$1"
  lock 9 "$st/lock"
  [ -z "$trixie" ] || sid_client_config
  if answers; then
    if ip link show "$bridge" >/dev/null 2>&1; then
      log "$name: already up"
      return 0
    fi
    log "$name: its bridge $bridge is gone, restarting it"
    stop_pidfile "$pidfile" "$sock"
  fi
  # A dockerd of ours that is still starting: give it time rather than start a second one.
  local pid
  if pid=$(running_pid "$pidfile" "$sock"); then
    answers_within 30 answers && return 0
    die "$name: dockerd (pid $pid) runs but does not answer; try: $0 down $name"
  fi
  apt_ensure docker.io containerd runc iptables iproute2
  [ -z "$trixie" ] || install_trixie
  rm -f "$pidfile" # stale: its process is gone
  ensure_bridge
  client_config
  start_daemon
  log "$name: up, server $(server_version)"
}

cmd_env() {
  daemon_vars "$1"
  echo "export DOCKER_HOST='unix://$sock'"
  echo "export DOCKER_CONFIG='$cfg'"
  echo "export DOCKER='$cli'"
  echo "export DOCKER_BUILDKIT=1"
  # bk26*: DOCKER_CONFIG for the same CLI with Debian unstable's buildx (has --call)
  [ -z "$trixie" ] || echo "export RUSTBUILD_SID_DOCKER_CONFIG='$sid_cfg'"
}

cmd_down() {
  local n
  if [ "$1" = all ]; then
    for n in "${NAMES[@]}"; do cmd_down "$n"; done
    return 0
  fi
  daemon_vars "$1"
  stop_pidfile "$pidfile" "$sock"
  # dockerd stops the containerd it started; one left over from a killed dockerd goes too.
  stop_pidfile "$st/exec/containerd/containerd.pid" "$st/exec/containerd"
  # a dockerd that was killed or failed to start can leave mounts under its state dir
  if ! answers; then
    awk -v p="$st/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r |
      while read -r m; do umount -l "$m"; done
  fi
  if ip link show "$bridge" >/dev/null 2>&1 && ! bridge_in_use; then ip link del "$bridge"; fi
  log "$name: down"
}

cmd_status() {
  local n pid
  for n in "${NAMES[@]}"; do
    daemon_vars "$n"
    if answers; then
      echo "$name: up, server $(server_version), pid $(cat "$pidfile"), DOCKER_HOST=unix://$sock"
    else
      echo "$name: down"
    fi
  done
  # the loopback registry of images.sh
  if pid=$(running_pid "$BK_DIR/registry/registry.pid" registry); then
    echo "registry: running, pid $pid, 127.0.0.1:5000"
  else
    echo "registry: down"
  fi
}

case ${1:-} in
  up | env | down)
    [ $# = 2 ] || die "usage: $0 $1 NAME"
    "cmd_$1" "$2"
    ;;
  status) cmd_status ;;
  *) die "usage: $0 up NAME | env NAME | down NAME|all | status   (NAME: ${NAMES[*]})" ;;
esac
