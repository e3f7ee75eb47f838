FROM alpine
COPY --from=a --from=b /x /y
RUN --network=none --network=host true
