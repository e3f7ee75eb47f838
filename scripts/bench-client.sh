#!/bin/bash
# A fully cached rebuild, `rustbuild build` (the frontend in the client) against
# `docker buildx build` (`docker build` where the client has no buildx: bk20's 20.10 CLI) with the
# daemon's built-in dockerfile.v0, on the same daemon and the same
# Buildfile (its `# syntax=` line dropped, so buildx uses the built-in frontend), both tagging the
# image in the daemon's store. Runs alternate; prints each side's median, min and max in ms.
#
#   scripts/bench-client.sh [RUNS] [EXAMPLE]    RUNS per side (default 21), EXAMPLE in examples/
#                                               (default hello)
#   RUSTBUILD_BENCH_DAEMON                      bk26 (default) or bk20
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
example=${2:-hello}
daemon=${RUSTBUILD_BENCH_DAEMON:-bk26}
[ -f "examples/$example/Buildfile" ] || { echo "bench-client.sh: no examples/$example/Buildfile" >&2; exit 2; }

RUSTBUILD_BK_DAEMONS=$daemon scripts/setup.sh >&2
cargo build --release --quiet
bin=$PWD/target/release/rustbuild
eval "$(scripts/buildkit.sh env "$daemon")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed '1{/^# syntax=/d}' "examples/$example/Buildfile" > "$work/Buildfile"
context=examples/$example

builtin=(buildx build)
"$DOCKER" buildx version > /dev/null 2>&1 || builtin=(build)
client() { "$bin" build --progress=plain -f "$work/Buildfile" -t "rustbuild-bench/$example:client" "$context"; }
buildx() { "$DOCKER" "${builtin[@]}" --progress=plain -f "$work/Buildfile" -t "rustbuild-bench/$example:builtin" "$context"; }

# ms CMD: how long CMD took, in milliseconds; a failed run ends the bench.
ms() {
  local t0
  t0=$(date +%s%N)
  "$@" > "$work/out" 2>&1 || { echo "bench-client.sh: $1 failed:" >&2; tail -20 "$work/out" >&2; exit 1; }
  echo $((($(date +%s%N) - t0) / 1000000))
}

# Fill the cache, then check that the next runs are cached through and through.
ms client > /dev/null
ms buildx > /dev/null
ms client > /dev/null
grep -q "CACHED" "$work/out" || { echo "bench-client.sh: the rebuild is not cached" >&2; exit 1; }

for _ in $(seq "$runs"); do
  echo "client $(ms client)"
  echo "buildx $(ms buildx)"
done > "$work/times"

# summary SIDE LABEL: the side's median, min and max.
summary() {
  grep "^$1 " "$work/times" | cut -d' ' -f2 | sort -n |
    awk -v who="$2" '{ v[NR] = $1 } END { printf "%-20s median %5d ms   min %5d   max %5d   (%d runs)\n", who, v[int((NR + 1) / 2)], v[1], v[NR], NR }'
}
echo "fully cached rebuild of examples/$example on $daemon ($("$DOCKER" version --format '{{.Server.Version}}'))"
summary client "rustbuild build"
summary buildx "docker ${builtin[*]}"
