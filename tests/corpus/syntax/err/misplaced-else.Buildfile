FROM alpine
IF $TARGETARCH == amd64
    RUN echo amd64
ELSE
    RUN echo other
ELSE
    RUN echo never
END
FOR ARCH IN amd64 arm64
ELSE
END
