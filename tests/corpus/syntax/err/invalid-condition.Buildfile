FROM alpine
IF $TARGETOS = linux
END
IF $TARGETOS == linux &
END
IF ($TARGETARCH == amd64
END
IF present("a.txt")
END
IF
END
ELSE IF $TARGETOS == windows
