# check=experimental=UnpinnedBaseImage
FROM local/busybox:1.36 AS tools
FROM docker.io/library/alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
COPY --from=tools /bin/sh /bin/sh
FROM tools
FROM scratch
