FROM alpine
RUN --mount=type=cahce,target=/cache true
RUN --network=off true
RUN --mount=type=cache,target=/c,mode=rwx true
RUN --mount=type=bind,target=/c,uid=0 true
RUN --mount=type=cache,target=/c,sharing=exclusive true
RUN --mount=type=cache,target=/c,tagret=/d true
COPY --link=maybe a b
RUN --mount=type=secret true
RUN --mount=type=tmpfs,target=/t,size=lots true
RUN --mount=type=bind,from=$STAGE,target=/s true
COPY --from= /a /b
HEALTHCHECK --interval=5 CMD true
HEALTHCHECK --retries=-1 CMD true
