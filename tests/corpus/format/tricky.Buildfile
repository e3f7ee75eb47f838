from \
  --platform=$BUILDPLATFORM \
      golang:1.22 \
  as build
run --mount=type=cache,\
target=/root/.cache echo split flag value
RU\
N echo split keyword
run --network=none   --   --not-a-flag
	copy   "a b.txt"   'c  d'   /dst/
arg   NAME="two  spaces"   OTHER
expose   80 \

   # ports
        443
healthcheck   --interval=5s  \
     --timeout=2s   CMD   true
if $NAME == "x"
run <<EOF
body at column 0
EOF
  env A=1 \
        B=2
# about the else branch
else   if   $NAME == y
	run echo tab-indented
end
run echo dangling \
