ARG V=2
ARG IMG=busybox:1.${V}
ARG NOVAL
IMPORT inner.bf AS in X=${V}
FROM alpine:3.20
RUN echo unnamed > /x
FROM in+base AS builder
ARG V
ARG W=${V}-w NOVAL TARGETARCH
RUN echo $V $W $NOVAL $TARGETARCH
FROM ${IMG} AS tools
COPY --from=0 /x /x
COPY --from=builder /etc/hostname /y
