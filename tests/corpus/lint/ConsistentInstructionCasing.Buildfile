FROM alpine
Run echo hello > /greeting.txt
WorkDir /app
run echo there
ENTRYPOINT ["cat", "/greeting.txt"]
