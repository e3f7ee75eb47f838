# The steps that end every service's image, included inside its last stage: the service's
# files, owned by the unprivileged user, and that user to run as. SERVICE is the global ARG
# of the including Buildfile, declared again to be seen in this stage, as Dockerfile wants.
ARG SERVICE
COPY --chown=1000:1000 services/${SERVICE}/run.sh /srv/run.sh
USER 1000:1000
CMD ["sh", "/srv/run.sh"]
