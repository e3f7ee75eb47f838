# syntax=docker/dockerfile:1
ARG ALPINE=3.20
ARG TARGETPLATFORM

# base: the toolchain
FROM --platform=$BUILDPLATFORM alpine:${ALPINE} AS Base
ENV PATH=/opt/bin:$PATH LANG="C.UTF-8" \
    EMPTY=
RUN apk add --no-cache \
      curl \
# a comment inside a continuation is dropped
      git && \
    echo done
RUN ["/bin/sh", "-c", "echo exec form"]
WORKDIR /src
COPY go.mod go.sum ./
COPY --chown=app:app --chmod=0644 --link src/*.go ./src/
USER app
LABEL "com.example.vendor"="ACME Inc" version=1.0 description='a "quoted" label'
EXPOSE 80 443/tcp 53/udp 8000-8010
ENTRYPOINT ["/bin/app"]
CMD ["--help"]

FROM base AS final
COPY --from=base /opt/bin /opt/bin
COPY --from=0 /src /src
CMD echo "shell form $HOME"
