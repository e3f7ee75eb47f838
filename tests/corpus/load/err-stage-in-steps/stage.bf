RUN ok
FROM busybox AS other
