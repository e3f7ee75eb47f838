FROM alpine
RUN <<EOF
#!/bin/sh
echo from a script
EOF
RUN <<A <<B sh -c "cat > /a"
first
A
second
B
RUN <<EOT
set -e
echo two lines
EOT
