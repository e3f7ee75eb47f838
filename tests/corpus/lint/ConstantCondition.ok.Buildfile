ARG MODE=debug
FROM local/busybox:latest
FOR ARCH IN amd64 arm64
    IF $MODE == "debug" && !exists("release.txt")
        RUN echo debug build for $ARCH
    END
END
