from alpine
shell   [ "/bin/sh",  "-c" ]
run   [ "echo",   "exec  form" ]
entrypoint   ["/bin/app",    "--flag"]
cmd    ["serve"]
healthcheck    --interval=30s    --retries=3    cmd   curl -f  http://localhost/   ||   exit 1
healthcheck   none
cmd   echo   shell  form
