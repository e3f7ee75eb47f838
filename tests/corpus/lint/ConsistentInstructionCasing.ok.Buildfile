FROM alpine
RUN echo hello > /greeting.txt
WORKDIR /app
RUN echo there
ENTRYPOINT ["cat", "/greeting.txt"]
