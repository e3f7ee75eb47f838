# A library of stages, imported rather than included: its ARGs are its own, set on the
# IMPORT line, and its stages are named after the namespace it is imported as:
#   IMPORT --from=shared tools.bf AS tools VERSION=2   ->   tools+healthcheck
ARG VERSION=1
ARG BASE=local/busybox:latest

# healthcheck: a tiny health script every service ships
FROM ${BASE} AS healthcheck
ARG VERSION
RUN mkdir -p /out \
 && printf '#!/bin/sh\necho "healthy (tools %s)"\n' "$VERSION" > /out/healthy \
 && chmod 0755 /out/healthy
