FROM alpine
RUN <<EOT
echo hello
