FUNCTION install PACKAGES MIRROR=deb.debian.org
    IF $MIRROR != "deb.debian.org"
        RUN echo "deb http://$MIRROR/debian stable main" > /etc/apt/sources.list
    END
    RUN apt-get install -y ${PACKAGES}
END
FROM local/busybox:latest
CALL install PACKAGES=curl
CALL install PACKAGES=git
