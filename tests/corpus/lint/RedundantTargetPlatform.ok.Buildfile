FROM alpine AS builder
RUN apk add --no-cache git
FROM --platform=$BUILDPLATFORM alpine
