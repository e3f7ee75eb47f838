FROM alpine
ONBUILD RUN echo triggered
ADD https://example.com/tool.tar.gz /opt/
ADD --checksum=sha256:abc https://example.com/x /x
ADD git@github.com:moby/buildkit.git /src
