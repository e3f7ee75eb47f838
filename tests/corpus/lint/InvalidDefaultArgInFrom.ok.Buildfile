ARG TAG=latest
ARG IMAGE
ARG VARIANT
FROM busybox:${TAG}
FROM ${IMAGE:-alpine}
FROM busybox:stable${VARIANT}
