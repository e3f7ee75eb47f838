#!/bin/bash
# The release: the frontend image for every platform, as one OCI image index in an OCI layout
# tar, ready for `skopeo copy --all oci-archive:OUT.tar docker://REGISTRY/NAME:TAG`.
#
#   release.sh OUT.tar [VERSION]
#
# VERSION (default: Cargo.toml's) is what `rustbuild --version` and the annotations say. The
# binaries are built from the work tree (what git tracks and does not ignore) by Debian
# unstable's Rust toolchain and cross compilers, in a Debian root made with debootstrap under
# $BK_DIR/build-root, statically linked, with the crates vendored so the root needs no network.
# The same commit gives the same bytes, so the same index digest: SOURCE_DATE_EPOCH (default:
# the commit's time) dates the images and their files, the sources always sit at one path.
#
#   RUSTBUILD_RELEASE_PLATFORMS   the platforms to build (default: all of PLATFORMS below)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=oci.sh
. "$here/oci.sh"
cd "$here/.."

# platform, Rust target, Debian architecture, GNU triple of its gcc: Debian ships a Rust std
# and a cross gcc for each, so each is a package away.
PLATFORMS="
linux/amd64    x86_64-unknown-linux-gnu       amd64   x86_64-linux-gnu
linux/arm64    aarch64-unknown-linux-gnu      arm64   aarch64-linux-gnu
linux/arm/v7   armv7-unknown-linux-gnueabihf  armhf   arm-linux-gnueabihf
linux/ppc64le  powerpc64le-unknown-linux-gnu  ppc64el powerpc64le-linux-gnu
linux/riscv64  riscv64gc-unknown-linux-gnu    riscv64 riscv64-linux-gnu
linux/s390x    s390x-unknown-linux-gnu        s390x   s390x-linux-gnu
"
ROOT=$BK_DIR/build-root
NATIVE=$(dpkg --print-architecture) # the root's, as debootstrap makes it for this machine
SOURCE=https://github.com/username/rustbuild

# field PLATFORM N: column N of PLATFORMS for PLATFORM.
field() { awk -v p="$1" -v n="$2" '$1 == p { print $n }' <<<"$PLATFORMS"; }

# foreign PLATFORM: whether PLATFORM's binaries are cross-compiled here.
foreign() { [ "$(field "$1" 3)" != "$NATIVE" ]; }

# in_root CMD...: run CMD in the build root, with /proc mounted in a mount namespace of its
# own, so nothing is left mounted however it ends.
in_root() {
  # shellcheck disable=SC2016 # expanded by the inner sh
  unshare --mount --propagation private sh -c 'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$ROOT" "$@"
}

# build_root PLATFORM...: the Debian unstable root with rustc, cargo and, per platform, its
# gcc, C library and Rust std. debootstrap makes it once; later runs add only what is missing.
build_root() {
  local p pkgs=(rustc cargo gcc libc6-dev)
  for p in "$@"; do
    ! foreign "$p" || pkgs+=("gcc-$(field "$p" 4)" "libc6-dev-$(field "$p" 3)-cross")
  done
  if [ ! -e "$ROOT/.debootstrapped" ]; then
    apt_ensure debootstrap
    rm -rf "$ROOT"
    log "debootstrap: Debian unstable into $ROOT"
    debootstrap --variant=minbase sid "$ROOT" "$(debian_mirror)" >"$WORK/debootstrap.log" 2>&1 ||
      die "debootstrap failed: $(tail -3 "$WORK/debootstrap.log")"
    # the archive this machine reaches may serve Release files past their Valid-Until date
    printf 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n' \
      >"$ROOT/etc/apt/apt.conf.d/99rustbuild"
    touch "$ROOT/.debootstrapped"
  fi
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  # shellcheck disable=SC2016 # expanded by the root's shell
  in_root sh -c 'for p; do dpkg-query -W -f "\${db:Status-Status}" "$p" 2>/dev/null | grep -qx installed || exit 1; done' \
    sh "${pkgs[@]}" || in_root_apt install -y --no-install-recommends "${pkgs[@]}"
  rust_std "$@"
}

# in_root_apt ARGS...: apt-get in the build root, after refreshing its package lists.
in_root_apt() {
  log "build root: apt-get $*"
  in_root sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -qq "$@"' sh "$@" \
    >"$WORK/apt.log" 2>&1 || die "apt-get $* in the build root failed: $(tail -5 "$WORK/apt.log")"
}

# rust_std PLATFORM...: Debian's Rust std for each foreign PLATFORM, of the root's rustc's
# exact version, unpacked, not installed: installing it would pull that architecture's LLVM,
# whose version in unstable is often not the same for every architecture, and multiarch
# refuses the mix. The rlibs are all the static link needs.
rust_std() {
  local p arch version debs=() marks=() mark
  # shellcheck disable=SC2016 # dpkg-query's field
  version=$(in_root dpkg-query -W -f '${Version}' rustc)
  for p in "$@"; do
    mark=$ROOT/usr/lib/rustlib/$(field "$p" 2)/.debian-version
    if ! foreign "$p" || [ "$(cat "$mark" 2>/dev/null)" = "$version" ]; then continue; fi
    arch=$(field "$p" 3)
    in_root dpkg --add-architecture "$arch"
    debs+=("libstd-rust-dev:$arch=$version")
    marks+=("$mark")
  done
  [ ${#debs[@]} -gt 0 ] || return 0
  log "build root: unpacking ${debs[*]}"
  # shellcheck disable=SC2016 # expanded by the root's shell
  in_root sh -c 'rm -rf /tmp/std && mkdir /tmp/std && cd /tmp/std && apt-get update -qq &&
    apt-get download -qq "$@" && for d in ./*.deb; do dpkg-deb -x "$d" / || exit 1; done && rm -rf /tmp/std' \
    sh "${debs[@]}" >"$WORK/apt.log" 2>&1 || die "cannot unpack ${debs[*]}: $(tail -3 "$WORK/apt.log")"
  for mark in "${marks[@]}"; do echo "$version" >"$mark"; done
}

# stage_sources: the work tree's files and the vendored crates at /build in the root, with a
# cargo configuration that reads crates from there only.
stage_sources() {
  local b=$ROOT/build
  rm -rf "$b/src"
  mkdir -p "$b/src" "$b/cargo"
  git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -C "$b/src" -xf -
  cargo vendor --locked --versioned-dirs -q "$b/vendor" >/dev/null
  cat >"$b/cargo/config.toml" <<'EOF'
[source.crates-io]
replace-with = "vendored"
[source.vendored]
directory = "/build/vendor"
[net]
offline = true
EOF
}

# build PLATFORM: the static binary for PLATFORM, built in the root; prints its path there.
build() {
  local target triple var
  target=$(field "$1" 2)
  triple=$(field "$1" 4)
  var=CARGO_TARGET_$(tr a-z- A-Z_ <<<"$target")_LINKER
  log "building $1 ($target)"
  # the paths in panic messages are the same in every build, and not the root's
  in_root env -C /build/src CARGO_HOME=/build/cargo CARGO_TARGET_DIR=/build/target \
    "$var=$triple-gcc" RUSTBUILD_VERSION="$VERSION" RUSTBUILD_COMMIT="$COMMIT" \
    RUSTFLAGS="-C target-feature=+crt-static --remap-path-prefix=/build/src=. --remap-path-prefix=/build/vendor=vendor" \
    cargo build --locked --release --quiet --target "$target" >&2
  echo "$ROOT/build/target/$target/release/rustbuild"
}

# annotations: the OCI annotations of each manifest and of the index.
annotations() {
  printf '{"org.opencontainers.image.created":"%s","org.opencontainers.image.revision":"%s","org.opencontainers.image.source":"%s","org.opencontainers.image.title":"rustbuild","org.opencontainers.image.version":"%s"}' \
    "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)" "$REVISION" "$SOURCE" "$VERSION"
}

main() {
  local out=${1:?usage: release.sh OUT.tar [VERSION]} platforms p bin desc descs='' layout index
  VERSION=${2:-$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | sed -n 1p)}
  [[ $VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] || die "VERSION must be X.Y.Z[-PRE], not '$VERSION'"
  REVISION=$(git rev-parse HEAD)
  COMMIT=${REVISION:0:12}
  if [ -n "$(git status --porcelain)" ]; then
    log "warning: the work tree has changes that are not committed; the release says $COMMIT-dirty"
    REVISION+=-dirty
    COMMIT+=-dirty
  fi
  export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
  platforms=${RUSTBUILD_RELEASE_PLATFORMS:-$(awk 'NF { print $1 }' <<<"$PLATFORMS")}
  for p in $platforms; do [ -n "$(field "$p" 2)" ] || die "no such platform: $p (see PLATFORMS in $0)"; done

  lock 9 "$ROOT.lock"
  # shellcheck disable=SC2086 # one word per platform
  build_root $platforms
  stage_sources
  layout=$WORK/layout
  for p in $platforms; do
    bin=$(build "$p") || die "the build for $p failed"
    desc=$(frontend_image "$layout" "$bin" "$p" "$(annotations)") || die "the image for $p failed"
    descs+=${descs:+,}$desc
  done
  index_json "$descs" "$(annotations)" >"$WORK/index.json"
  index=$(blob "$WORK/index.json" "$layout")
  layout_index "$layout" "$(descriptor application/vnd.oci.image.index.v1+json "$WORK/index.json" "$index" \
    "\"annotations\":{\"org.opencontainers.image.ref.name\":\"$VERSION\"}")"
  mktar "$layout" "$out.tmp" index.json oci-layout blobs
  mv "$out.tmp" "$out"
  log "wrote $out: index $index ($VERSION, $COMMIT) for $(tr '\n' ' ' <<<"$platforms")"
  echo "$index"
}

main "$@"
