#!/bin/bash
# The main job, from a fresh machine: start a real BuildKit (Debian 13's dockerd 26.1.5, unless
# it already runs), load the rustbuild frontend image, build an example from examples/ through it
# with `docker buildx build` and its `# syntax=` line, and run the image.
#
#   scripts/demo.sh [EXAMPLE]      EXAMPLE is a folder of examples/ (default: hello)
set -euo pipefail
cd "$(dirname "$0")/.."
example=${1:-hello}
daemon=bk26
[ -f "examples/$example/Buildfile" ] || { echo "demo.sh: no examples/$example/Buildfile" >&2; exit 2; }

RUSTBUILD_BK_DAEMONS=$daemon scripts/setup.sh
scripts/images.sh frontend "$daemon" "$(scripts/static-binary.sh)"
eval "$(scripts/buildkit.sh env "$daemon")"
tag=rustbuild-example/$example
"$DOCKER" buildx build --progress=plain -f "examples/$example/Buildfile" -t "$tag" "examples/$example"
echo "demo.sh: running $tag" >&2
"$DOCKER" run --rm "$tag"
