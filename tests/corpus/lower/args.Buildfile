# Global ARGs reach FROM; a stage sees them only when it declares them again.
ARG BASE=alpine
ARG VERSION=3.19
FROM ${BASE}:${VERSION} AS base
ARG VERSION
ARG TARGETPLATFORM
ARG LOCAL=${VERSION}-local
ENV FROM_ENV=$LOCAL
RUN echo "$VERSION $TARGETPLATFORM $LOCAL $FROM_ENV"
ENV LOCAL=overridden
RUN echo $LOCAL

FROM base
RUN echo inherits ${LOCAL:-none}
