FROM alpine
COPY --chmod=999 a /b
COPY --chmod=u+q a /b
COPY --chmod=07555 a /b
