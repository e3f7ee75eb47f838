ARG GO=1.20
FROM golang:${GO} AS builder
RUN go version
FROM builder AS tools
COPY --from=0 /go/bin/lint /bin/lint
FUNCTION test PKG=./...
    RUN --mount=from=builder,target=/go go test $PKG
END
