# Shared helpers for scripts/*.sh; sourced, never run on its own.
# shellcheck shell=bash

# All daemon and registry state lives here, one folder per daemon.
# shellcheck disable=SC2034 # used by the scripts that source this file
BK_DIR=$(realpath -m "${RUSTBUILD_BK_DIR:-/var/lib/rustbuild-bk}")
export DEBIAN_FRONTEND=noninteractive

# WORK: this run's scratch dir, removed when the script exits, however it exits.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# apt_update_once: the package lists may be missing or stale on a fresh machine; refresh them
# once per run of setup.sh (the flag is exported to the scripts it calls).
apt_update_once() {
  [ "${RUSTBUILD_APT_UPDATED:-}" = 1 ] && return 0
  log "apt-get update"
  apt-get update -qq
  export RUSTBUILD_APT_UPDATED=1
}

# debian_mirror: the Debian archive this machine's apt already uses (never hard-coded here).
debian_mirror() {
  local m _
  for _ in 1 2; do # the second time after refreshing the package lists
    # shellcheck disable=SC2016 # $(SITE) is apt's field, not the shell's
    m=$(apt-get indextargets --format '$(SITE)' 'Codename: bookworm' 'Label: Debian' | sed -n 1p)
    [ -z "$m" ] || { echo "$m"; return 0; }
    apt_update_once
  done
  die "no Debian bookworm source in apt's configuration"
}

# apt_ensure PKG...: install whichever are not installed yet.
apt_ensure() {
  local p missing=() prc=/usr/sbin/policy-rc.d own_prc='' rc=0
  for p in "$@"; do
    [[ $(dpkg-query -W -f '${Status}' "$p" 2>/dev/null) == *" installed" ]] || missing+=("$p")
  done
  [ ${#missing[@]} = 0 ] && return 0
  apt_update_once
  log "apt-get install ${missing[*]}"
  # On a machine running systemd, docker.io and docker-registry would start their own
  # services (a docker0 dockerd, a registry on *:5000) next to ours: policy-rc.d forbids that.
  if [ ! -e "$prc" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$prc"
    chmod 755 "$prc"
    own_prc=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  [ -z "$own_prc" ] || rm -f "$prc"
  [ "$rc" = 0 ] || die "apt-get install ${missing[*]} failed"
}

# answers_within SECONDS CMD...: retry CMD every 0.2 s until it succeeds or time runs out.
answers_within() {
  local tries=$(($1 * 5))
  shift
  while [ "$tries" -gt 0 ]; do
    "$@" >/dev/null 2>&1 && return 0
    tries=$((tries - 1))
    sleep 0.2
  done
  return 1
}

# alive PID: the process exists and is not a zombie waiting to be reaped.
alive() {
  local st
  st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) && [ -n "$st" ] && [ "$st" != Z ]
}

# running_pid PIDFILE PATTERN: print the pid in PIDFILE if it is alive and its command line
# contains PATTERN (so a stale pidfile whose pid now belongs to another program never counts).
running_pid() {
  local pid cmdline
  pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && alive "$pid" || return 1
  cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ $cmdline == *"$2"* ]] && echo "$pid"
}

# stop_pid PID: TERM the process and wait for it to go; KILL it after 30 s.
stop_pid() {
  local n=150
  kill "$1" 2>/dev/null || return 0
  while alive "$1" && [ "$n" -gt 0 ]; do
    sleep 0.2
    n=$((n - 1))
  done
  ! alive "$1" || {
    log "pid $1 ignored TERM, killing it"
    kill -9 "$1"
  }
}

# stop_pidfile PIDFILE PATTERN: stop that process, only if it is ours (see running_pid).
stop_pidfile() {
  local pid
  if pid=$(running_pid "$1" "$2"); then stop_pid "$pid"; fi
  rm -f "$1"
}

# lock FD FILE: hold a lock on FILE through descriptor FD until this script exits, so that two
# concurrent runs wait for each other instead of both starting a daemon. Whatever is started
# in the background while it is held must close FD, or the lock would live as long as that.
lock() {
  mkdir -p "$(dirname "$2")"
  eval "exec $1>\"\$2\""
  flock "$1"
}
