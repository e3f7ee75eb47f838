# Next to the worker's Buildfile: what only the worker needs.
ENV QUEUE=jobs
