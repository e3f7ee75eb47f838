FUNCTION apt PKGS CLEAN=true
    RUN apt-get install -y $PKGS
    IF $CLEAN
        RUN rm -rf /var/lib/apt/lists/*
    END
END

FUNCTION banner MESSAGE="built from ${BASE}"
    LABEL banner=$MESSAGE
    CALL say TEXT=$MESSAGE
END

FUNCTION say TEXT
    RUN echo "$TEXT"
END
