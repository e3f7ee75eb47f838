from alpine
run apk add --no-cache \
        curl \
  git   \
      make
run   --mount=type=cache,target=/root/.cache \
          --network=none   \
   echo   one   \
   # a comment inside the continuation
   && echo two
copy   \
        --from=alpine   \
# a comment between flags
  --chmod=755   \
        /bin/sh   /bin/busybox   \
    /usr/bin/
env PATH=/usr/local/bin:$PATH \
    HOME=/root
