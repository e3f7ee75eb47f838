arg MODE=debug
function   build   target   mode=debug
run make   $target
        # a comment deep in the body
  if $mode == release
run   strip  $target
      end
end

FROM alpine AS app
if   $MODE == release
  # release builds are stripped
      call   build   target=app   mode=release
   else   if   $MODE == "debug"
call build target=app
                    else
      # anything else
run echo "unknown mode"



        END
for   arch   in   amd64   arm64
  for  v in 1 2
  run echo $arch $v
   end
  # the end of the loop's body
end
