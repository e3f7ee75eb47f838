FROM local/busybox:latest
FOR ARCH IN amd64 arm64
    IF "debug" == "debug"
        RUN echo debug build for $ARCH
    END
END
