#!/bin/bash
# The whole test suite, from a fresh machine: installs and starts the real BuildKit daemons,
# makes the images the tests use, builds and loads the rustbuild frontend image, makes the
# release (every platform's frontend image, tests/e2e/release.rs checks it), then runs every
# test. Running it again reuses what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
scripts/setup.sh
bin=$(scripts/static-binary.sh)
for daemon in bk20 bk26 bk26c; do scripts/images.sh frontend "$daemon" "$bin"; done
export RUSTBUILD_RELEASE=${RUSTBUILD_RELEASE:-$PWD/target/rustbuild-release.tar}
# two of the six platforms: each costs CI three minutes of building (tests/e2e/release.rs
# checks whichever were built; run it with all six by hand before a release)
export RUSTBUILD_RELEASE_PLATFORMS=${RUSTBUILD_RELEASE_PLATFORMS-linux/amd64 linux/arm64}
scripts/release.sh "$RUSTBUILD_RELEASE" >/dev/null
echo "test.sh: set-up took $((SECONDS - t0)) s" >&2
INSTA_UPDATE=no cargo test --locked "$@"
echo "test.sh: all done in $((SECONDS - t0)) s" >&2
