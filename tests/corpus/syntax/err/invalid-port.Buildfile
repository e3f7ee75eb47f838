FROM alpine
EXPOSE 80/tcpx 70000 http 8080:80 0
