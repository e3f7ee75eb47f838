# Writing OCI image layouts (index.json, oci-layout, blobs/sha256/…) by hand, reproducibly:
# the same inputs and SOURCE_DATE_EPOCH give the same bytes, so the same digests. Sourced by
# images.sh (the frontend image the tests load) and release.sh (the published index).
# shellcheck shell=bash

# mktar DIR OUT ENTRY...: a reproducible tar (sorted, numeric owners as on disk, one mtime).
mktar() {
  local dir=$1 out=$2
  shift 2
  tar -C "$dir" --sort=name --numeric-owner --mtime=@"${SOURCE_DATE_EPOCH:-0}" --format=gnu -cf "$out" "$@"
}

# blob FILE LAYOUT: store FILE among the layout's blobs, print its digest.
blob() {
  local d
  d=sha256:$(sha256sum "$1" | cut -d' ' -f1)
  mkdir -p "$2/blobs/sha256"
  cp "$1" "$2/blobs/sha256/${d#sha256:}"
  echo "$d"
}

size() { stat -c %s "$1"; }

# descriptor MEDIA_TYPE FILE DIGEST [MORE]: the JSON descriptor of a stored blob; MORE is
# further members (`"platform":{…}`), without the leading comma.
descriptor() {
  printf '{"mediaType":"%s","digest":"%s","size":%s%s}' "$1" "$3" "$(size "$2")" "${4:+,$4}"
}

# platform_json OS/ARCH[/VARIANT]: the platform object of image-spec descriptors and configs.
platform_json() {
  local os arch variant
  IFS=/ read -r os arch variant <<<"$1"
  printf '{"architecture":"%s","os":"%s"%s}' "$arch" "$os" "${variant:+,\"variant\":\"$variant\"}"
}

# frontend_caps: the value of the moby.buildkit.frontend.caps label; buildx refuses --call and
# --build-context for a frontend that does not list them.
frontend_caps() {
  local caps
  caps=$(tr -d ' \t\n' <"$(dirname "${BASH_SOURCE[0]}")/frontend-caps.txt")
  case $caps in *'"'* | *\\*) die "frontend-caps.txt: no quotes or backslashes" ;; esac
  echo "$caps"
}

# with_members OBJECT MEMBERS: the JSON OBJECT with MEMBERS (`"k":v,…`) added at its end.
with_members() { printf '%s,%s}' "${1%\}}" "$2"; }

# image LAYOUT LAYER CONFIG ANNOTATIONS PLATFORM: store a one-layer image in LAYOUT: LAYER (a
# tar, stored gzipped: half the download, and every registry and daemon reads it), CONFIG (a
# file of JSON in which @DIFF_ID@ stands for the layer's uncompressed digest) and a manifest
# with ANNOTATIONS (a JSON object). Prints the manifest's descriptor with PLATFORM (JSON).
image() {
  local layout=$1 layer=$2 config=$3 annotations=$4 platform=$5 tmp diff_id ldig cdig mdig
  tmp=$(mktemp -d -p "$WORK")
  diff_id=sha256:$(sha256sum "$layer" | cut -d' ' -f1)
  gzip -9nc "$layer" >"$tmp/layer.tar.gz" # -n: no name or date in the header
  ldig=$(blob "$tmp/layer.tar.gz" "$layout")
  sed "s/@DIFF_ID@/$diff_id/" "$config" >"$tmp/config.json"
  cdig=$(blob "$tmp/config.json" "$layout")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":%s,"layers":[%s],"annotations":%s}' \
    "$(descriptor application/vnd.oci.image.config.v1+json "$tmp/config.json" "$cdig")" \
    "$(descriptor application/vnd.oci.image.layer.v1.tar+gzip "$tmp/layer.tar.gz" "$ldig")" \
    "$annotations" >"$tmp/manifest.json"
  mdig=$(blob "$tmp/manifest.json" "$layout")
  descriptor application/vnd.oci.image.manifest.v1+json "$tmp/manifest.json" "$mdig" "\"platform\":$platform"
  rm -rf "$tmp"
}

# frontend_image LAYOUT BINARY PLATFORM ANNOTATIONS: store the frontend image of BINARY for
# PLATFORM (os/arch[/variant]) in LAYOUT, dated SOURCE_DATE_EPOCH: /rustbuild alone, run as a
# gateway frontend by the entrypoint, with the labels BuildKit and buildx read. Prints the
# manifest's descriptor.
frontend_image() {
  local layout=$1 bin=$2 p created tmp
  p=$(platform_json "$3")
  created=$(date -u -d "@${SOURCE_DATE_EPOCH:?}" +%Y-%m-%dT%H:%M:%SZ)
  tmp=$(mktemp -d -p "$WORK")
  mkdir -p "$tmp/root"
  cp "$bin" "$tmp/root/rustbuild"
  chmod 755 "$tmp/root/rustbuild"
  mktar "$tmp/root" "$tmp/layer.tar" rustbuild
  # the platform's members, then the image's
  cat >"$tmp/config.json" <<EOF
${p%\}},"created":"$created","config":{"Entrypoint":["/rustbuild","frontend"],"WorkingDir":"/","Labels":{"moby.buildkit.frontend.network.none":"true","moby.buildkit.frontend.caps":"$(frontend_caps)"}},"rootfs":{"type":"layers","diff_ids":["@DIFF_ID@"]},"history":[{"created":"$created","created_by":"rustbuild frontend"}]}
EOF
  image "$layout" "$tmp/layer.tar" "$tmp/config.json" "$4" "$p"
  rm -rf "$tmp"
}

# index_json DESCRIPTORS [ANNOTATIONS]: an image index of DESCRIPTORS (comma-separated JSON).
index_json() {
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s]%s}\n' \
    "$1" "${2:+,\"annotations\":$2}"
}

# layout_index LAYOUT DESCRIPTOR: the layout's index.json, naming one manifest or index.
layout_index() {
  index_json "$2" >"$1/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
}
