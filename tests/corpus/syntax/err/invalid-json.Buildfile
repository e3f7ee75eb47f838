FROM alpine
CMD ['sh', '-c', 'echo hi']
ENTRYPOINT ["/bin/app" "--serve"]
RUN ["echo", 42]
SHELL /bin/bash -c
CMD [ "sh", "-c", "unclosed ]
