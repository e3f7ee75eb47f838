ARG X
FROM --platform=$BUILDPLATFORM alpine:3.${X} AS base
ARG X
RUN echo $X
