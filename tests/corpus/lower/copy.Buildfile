FROM alpine AS build
RUN echo built > /out

FROM alpine
COPY --link --from=build /out /app/
COPY --from=busybox:1.36 /bin/busybox /bin/
ADD archive.tar.gz /opt/
COPY --chown=app:app --chmod=u+x run.sh /usr/local/bin/
COPY a.txt b.txt /data/
COPY <<EOF /etc/greeting
hello $HOSTNAME
EOF
