FROM golang:1.23 AS deps
FROM alpine AS build
WORKDIR /src
RUN --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,src=go.sum,dst=go.sum,rw \
    --mount=type=cache,id=gomod,target=/go/pkg/mod,sharing=locked,mode=0755,uid=1000,gid=1000 \
    --mount=type=cache,target=/root/.cache/go-build,ro \
    go mod download
RUN --mount=type=tmpfs,target=/tmp,size=64m \
    --mount=type=secret,id=npmrc,target=/root/.npmrc,required=true,mode=0400 \
    --mount=type=secret,id=token,env=TOKEN \
    --mount=type=ssh \
    --mount=type=ssh,id=github,required \
    --mount=type=bind,from=deps,source=/src,target=/mnt/src \
    --mount=type=cache,target=$GOCACHE,id=${CACHE_ID:-default} \
    --network=none --security=sandbox \
    make
RUN --network=host --mount=type=BIND,target=/ctx,readonly=false ["ls", "/ctx"]
