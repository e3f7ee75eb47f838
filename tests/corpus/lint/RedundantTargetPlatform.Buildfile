FROM --platform=$TARGETPLATFORM alpine AS builder
RUN apk add --no-cache git
FROM --platform=${TARGETPLATFORM} alpine
