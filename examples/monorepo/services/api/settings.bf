# Next to the api's Buildfile: what only the api needs.
ENV PORT=8080
EXPOSE 8080/tcp
