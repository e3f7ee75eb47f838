ARG BASE=local/busybox:latest
ARG FORGOTTEN=1
ARG BUILDKIT_SBOM_SCAN_STAGE=true
FROM $BASE AS build
ARG VERSION=1.0
ARG LEFT_OVER
COPY app-$VERSION.tar /app.tar
FROM build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get install -y tool
