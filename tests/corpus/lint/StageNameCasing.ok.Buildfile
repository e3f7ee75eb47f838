FROM alpine AS builderbase
RUN echo build > /out

FROM scratch
COPY --from=builderbase /out /out
