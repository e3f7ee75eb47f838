FROM alpine
RUN apk add \
    gnupg \
    curl
EXPOSE \
# Port
80
