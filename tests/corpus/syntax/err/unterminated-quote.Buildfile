FROM alpine
ENV GREETING="hello world
LABEL description='it is
COPY "my file /dst/
