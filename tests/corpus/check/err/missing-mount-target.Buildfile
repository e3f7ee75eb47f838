FROM alpine
RUN --mount=type=cache,id=gomod go mod download
RUN --mount=type=tmpfs true
RUN --mount=source=.,from=alpine ls
RUN --mount=type=secret,id=token --mount=type=ssh ssh-add -l
