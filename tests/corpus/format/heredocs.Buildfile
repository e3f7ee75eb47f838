# syntax=docker/dockerfile:1

from alpine
run  <<EOT   
  set -e
   echo "body   kept"   


EOT
run cat <<-TABS >/tmp/t
	indented with tabs
	TABS
copy <<CONF  /etc/app.conf
key = value  
CONF
run <<A  <<B
echo a
A
echo b
B
run  echo after
