FROM alpine
ENTRYPOINT my-program start
CMD echo "hello $USER" && sleep 1

FROM alpine AS shell
SHELL ["/bin/ash", "-c"]
CMD echo "hello $USER"

FROM shell
CMD echo "shell is inherited"
