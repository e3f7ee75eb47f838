ARG BASE=local/busybox:latest
ARG BUILDKIT_SBOM_SCAN_STAGE=true
FROM $BASE AS build
ARG VERSION=1.0
COPY app-$VERSION.tar /app.tar
FROM build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get install -y tool
