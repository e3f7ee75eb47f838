ARG VERSION=1.2.3
ARG REGISTRY
FROM ${REGISTRY:-docker.io}/library/alpine:${VERSION%.*} AS base
ARG VERSION
ENV FULL=${VERSION} \
    MAJOR=${VERSION%%.*} \
    MINOR=${VERSION#*.} \
    PATCHLESS=${VERSION%.*} \
    DASHED=${VERSION//./-} \
    FIRST=${VERSION/./_} \
    SET=${VERSION:+yes} SET2=${VERSION+yes} DEF=${UNSET-fallback} \
    NESTED=${A:-${B:-${C:-deep}}} \
    LITERAL='$NOT_EXPANDED' ESCAPED=\$ALSO_NOT DOLLAR=cost$ \
    QUOTED="a \"quoted\" $VERSION" MIXED=a"b c"'d e'f \
    POSITIONAL=$1 EMPTY="" PATTERN=${VERSION#"1."}
WORKDIR /srv/${VERSION}
USER ${USER:-app}
LABEL "key with spaces"="value with spaces" key2=${VERSION}
FROM base
COPY --from=base --chown=${UID}:${GID} /a /b/${VERSION}/
