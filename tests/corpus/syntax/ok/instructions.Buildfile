FROM alpine
maintainer Jane Doe <jane@example.com>
from alpine as Second
Add --chown=1000:1000 --chmod=u+rwx,go=rX --link archive.tar.gz /opt/
ADD ["with space.txt", "/dst/with space.txt"]
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=1m30s --start-interval=500ms --retries=3 \
  CMD curl -f http://localhost/ || exit 1
HEALTHCHECK CMD ["curl", "-f", "http://localhost/"]
HEALTHCHECK NONE
STOPSIGNAL SIGTERM
VOLUME /data /logs
VOLUME ["/var/lib/app"]
USER app:app
ENV LEGACY value with spaces
LABEL legacy.key the legacy value
EXPOSE $PORT 9000/udp
CMD []
ENTRYPOINT []
RUN [ -f /etc/os-release ] && cat /etc/os-release
RUN -- --not-a-flag
