#!/bin/bash
# Builds the static rustbuild binary that goes into the frontend image and prints its path.
# The frontend runs in an image with nothing else in it, so it must not need a libc at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
RUSTFLAGS='-C target-feature=+crt-static' cargo build --locked --release --quiet --target "$target" >&2
echo "${CARGO_TARGET_DIR:-$PWD/target}/$target/release/rustbuild"
