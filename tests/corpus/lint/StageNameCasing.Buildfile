FROM alpine AS BuilderBase
RUN echo build > /out

FROM scratch
COPY --from=BuilderBase /out /out
