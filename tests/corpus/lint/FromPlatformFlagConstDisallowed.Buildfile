FROM --platform=linux/amd64 alpine AS base
RUN apk add --no-cache git
