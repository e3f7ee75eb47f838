include   ./stages/base.bf
import   --from=shared   lib/go.bf   as   go   VERSION=1.22
from   base
   call   go+build   pkg=./cmd/app
