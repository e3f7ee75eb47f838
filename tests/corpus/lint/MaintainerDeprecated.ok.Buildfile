FROM alpine
LABEL org.opencontainers.image.authors="Jo Bloggs <jo@example.com>"
