# check=experimental=UnpinnedBaseImage
FROM local/busybox AS tools
FROM docker.io/library/alpine:latest
COPY --from=tools /bin/sh /bin/sh
