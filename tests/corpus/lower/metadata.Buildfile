FROM alpine
MAINTAINER someone@example.com
LABEL a=1 b="two words"
EXPOSE 80 443/tcp 53/udp
VOLUME /data /cache
USER app
WORKDIR /home/app
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN echo uses bash
HEALTHCHECK --interval=30s --timeout=5s CMD wget -q localhost
STOPSIGNAL SIGINT
ENTRYPOINT exec app
