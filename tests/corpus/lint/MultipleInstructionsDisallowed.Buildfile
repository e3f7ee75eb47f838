FROM python:alpine
ENTRYPOINT ["echo", "Hello, Norway!"]
ENTRYPOINT ["echo", "Hello, Sweden!"]
HEALTHCHECK NONE
HEALTHCHECK --interval=1s CMD ["curl", "-f", "http://localhost:8080"]
CMD ["python", "-m", "http.server", "8080"]

FROM python:alpine
CMD ["python", "-m", "http.server", "8080"]
