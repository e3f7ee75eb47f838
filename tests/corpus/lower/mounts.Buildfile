FROM alpine AS deps
RUN mkdir -p /deps && echo x > /deps/lib

FROM alpine
WORKDIR /work
RUN --mount=type=bind,from=deps,source=/deps,target=deps \
    --mount=type=cache,id=apk,target=/var/cache/apk,uid=100,gid=101,mode=0700 \
    --mount=type=tmpfs,target=/tmp,size=64m \
    --mount=type=ssh \
    --mount=type=secret,id=npmrc,env=NPM_TOKEN \
    --network=host \
    ls deps /var/cache/apk
RUN --mount=type=bind,source=go.mod,target=/src/go.mod,rw cat /src/go.mod
