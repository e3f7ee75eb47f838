FROM alpine
# One heredoc: the command line is `<<EOT`, the body runs as a script.
RUN <<EOT
set -e
echo one
EOT
# <<- strips leading tabs from the body and the terminator.
RUN <<-EOT bash
	echo tabs stripped
		nested
	EOT
# A quoted delimiter turns expansion off.
RUN python3 <<"PY" > /out.txt
print("no $expansion here")
PY
# Two heredocs on one line, read in order.
RUN <<A sh && <<B sh
echo a
A
echo b
B
RUN --mount=type=cache,target=/c <<EOT
ls /c
EOT
COPY <<EOF /etc/app.conf
key=$VALUE
EOF
COPY --chmod=0755 <<one.sh <<two.sh /usr/local/bin/
#!/bin/sh
echo 1
one.sh
#!/bin/sh
echo 2
two.sh
COPY <<EMPTY /empty
EMPTY
RUN echo after the heredocs
