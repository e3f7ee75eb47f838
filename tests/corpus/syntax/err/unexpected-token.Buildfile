FROM alpine
HEALTHCHECK CMDD curl -f http://localhost/
COPY a <<EOT
hello
EOT
