FROM alpine
ENV A=${
WORKDIR /app/${DIR
USER ${1bad}
ENV B=${X:?is required}
LABEL c=${}
ENV D=${X:=default}
