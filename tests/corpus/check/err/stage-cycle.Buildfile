FROM alpine AS build
COPY --from=build /a /b
COPY --from=test /a /b
RUN --mount=type=bind,from=test,target=/t true

FROM alpine AS test
COPY --from=build /out /out
COPY --from=1 /x /y
