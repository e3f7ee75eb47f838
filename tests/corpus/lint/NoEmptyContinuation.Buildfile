FROM alpine
RUN apk add \

    gnupg \

    curl
EXPOSE \

80
