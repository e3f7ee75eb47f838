FROM alpine
FROM alpine
COPY --from=0 /ok /ok
COPY --from=7 /a /b
