#!/bin/bash
# Pushes a release made by release.sh to a registry, under the tags users pick from:
#
#   publish.sh RELEASE.tar REPOSITORY [SKOPEO_COPY_OPTION...]
#
# For version 1.2.3 the tags are 1.2.3, 1.2, 1 and latest (a pre-release, 1.3.0-rc.1, gets its
# own tag only). Each is `skopeo copy --all`, so every platform's image goes with the index;
# blobs already pushed are not sent again. Prints the index digest, the name to pin. Options
# go to skopeo (`--dest-tls-verify=false` for a plain-HTTP registry, `--dest-creds USER:PASS`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

# tags VERSION: the tags a release of VERSION is pushed under.
tags() {
  local major minor
  case $1 in
    *-*) echo "$1" ;;
    *)
      IFS=. read -r major minor _ <<<"$1"
      echo "$1 $major.$minor $major latest"
      ;;
  esac
}

main() {
  local archive=${1:-} repo=${2:-} version index tag
  [ -n "$repo" ] || die "usage: publish.sh RELEASE.tar REPOSITORY [SKOPEO_COPY_OPTION...]"
  shift 2
  apt_ensure skopeo
  # the layout's index.json names the release's index, with its version as ref.name
  tar -xOf "$archive" index.json >"$WORK/index.json" || die "$archive: not a release (no index.json)"
  version=$(grep -o '"org.opencontainers.image.ref.name":"[^"]*"' "$WORK/index.json" | cut -d'"' -f4)
  index=$(grep -o '"digest":"sha256:[0-9a-f]*"' "$WORK/index.json" | cut -d'"' -f4)
  if [ -z "$version" ] || [ -z "$index" ]; then die "$archive: index.json names no version or digest"; fi
  for tag in $(tags "$version"); do
    skopeo --insecure-policy copy -q --all "$@" "oci-archive:$archive" "docker://$repo:$tag" ||
      die "pushing $repo:$tag failed"
    log "pushed $repo:$tag"
  done
  log "pin it with: # syntax=$repo@$index"
  echo "$index"
}

main "$@"
