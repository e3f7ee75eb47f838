# Lower-case keywords, extra spaces, trailing blanks.
arg   VERSION=3.20   
from   alpine:${VERSION}   as   base   
  workdir    /app
env   A=1    B="two  words"   
env LEGACY   value with   spaces
label   org.example.x="a   b"    y=z
expose   80   443/tcp
user    1000:1000
stopsignal   SIGTERM
volume   /data   /cache
copy   --chown=1000:1000    --chmod=644   a.txt   b.txt    /app/   
add   --link   archive.tar   /opt/


from   base   AS   final
run   echo   "spaces  kept"   
