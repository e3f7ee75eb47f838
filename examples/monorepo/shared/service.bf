# The steps that end every service's image, included inside its last stage: the service's
# files, owned by the unprivileged user, the health script of the imported tools, and the
# user to run as. SERVICE is the global ARG
# of the including Buildfile, declared again to be seen in this stage, as Dockerfile wants.
ARG SERVICE
COPY --chown=1000:1000 services/${SERVICE}/run.sh /srv/run.sh
COPY --from=tools+healthcheck /out/healthy /usr/local/bin/healthy
USER 1000:1000
CMD ["sh", "/srv/run.sh"]
