from alpine
run --nope echo
if $X
