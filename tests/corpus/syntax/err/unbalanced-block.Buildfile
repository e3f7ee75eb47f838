FROM alpine
END
IF $TARGETOS == linux
    RUN echo linux
ELSE
    RUN echo other
END
END
ELSE
FOR ARCH IN amd64 arm64
    RUN echo $ARCH
