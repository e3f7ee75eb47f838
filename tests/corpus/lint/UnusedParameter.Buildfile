FUNCTION install PACKAGES MIRROR=deb.debian.org
    RUN apt-get install -y $PACKAGES
END
FROM local/busybox:latest
CALL install PACKAGES=curl
CALL install PACKAGES=git
