#!/bin/sh
# The dialect knowledge base: every file loads, the required dialects exist, each fact
# about a daemon's default carries a source, and broken dialect files are refused.
. "${HK_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
cd "$HK_SRCDIR" || exit 1

for f in templates/dialects/*.conf; do
	got=$("$HARDENKIT" dialects --check "$f" 2>&1)
	ok $? "$(basename "$f" .conf) loads${got:+: $got}"
done

listing=$("$HARDENKIT" dialects 2>&1)
ok $? "hardenkit dialects lists the knowledge base"
for name in postgresql redis nginx mysql sshd memcached apache named dnsmasq postfix dovecot \
	vsftpd lighttpd squid samba avahi mosquitto unbound haproxy slapd snmpd cups systemd-socket default; do
	echo "$listing" | grep -q "^$name " ; ok $? "dialect $name is in the knowledge base"
done

# Facts the linter and generator both rely on (issue: sshd, memcached, mariadb and redis
# listen on all interfaces without a bind; postgresql defaults to localhost).
for pair in sshd:all memcached:all mysql:all redis:all postgresql:loopback; do
	name=${pair%%:*} want=${pair#*:}
	got=$(echo "$listing" | awk -v n="$name" '$1 == n { print $3 }')
	is "$got" "$want" "$name without a listen key binds: $want"
done

# Broken dialect files: each must be refused with FILE:LINE and exit 2.
scratch dir
cp templates/dialects/redis.conf "$dir/redis.conf"
sed 's/^syntax = .*/syntax = "yaml";/' "$dir/redis.conf" > "$dir/bad-syntax.conf"
sed -i 's/^name = .*/name = "bad-syntax";/' "$dir/bad-syntax.conf"
sed '/default_source/d' "$dir/redis.conf" | sed 's/^name = .*/name = "no-source";/' > "$dir/no-source.conf"
sed 's/^name = .*/name = "wrong-name";/' "$dir/redis.conf" > "$dir/renamed.conf"
for case in bad-syntax no-source renamed; do
	got=$("$HARDENKIT" dialects --check "$dir/$case.conf" 2>&1)
	is "$?" 2 "broken dialect $case: exit status 2"
	echo "$got" | grep -Eq "^$dir/$case.conf:[0-9]+: error: "
	ok $? "broken dialect $case: FILE:LINE message ($got)"
done

done_testing
