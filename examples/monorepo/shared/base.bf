# The stage both services start from, kept once for the whole repository. Services include
# it from the `shared` build context:
#   docker buildx build -f services/api/Buildfile --build-context shared=shared .
ARG BASE=local/busybox:latest

# base: what every service runs on
FROM ${BASE} AS base
RUN echo "the shared base" > /etc/base-release
WORKDIR /srv
