#!/bin/sh
# The real daemons as the oracle for the bundled manifests: gen and firstboot run on an image
# root (the host's /usr under an overlay, so apply steps run chrooted with the real binaries),
# then each daemon is started directly (systemd is not PID 1 here) on loopback in a private
# network namespace, with the generated credential in place:
#   redis-server: AUTH with the generated requirepass works, without it or with another fails;
#   postgresql:   a password login over loopback TCP with the secret works, a wrong one fails;
#   mariadb:      root@localhost logs in over TCP with the secret, not with a wrong one;
#   slapd:        the rootdn binds with the secret (olcRootPW set offline by slapmodify), not
#                 with a wrong one;
#   snmpd:        the generated community answers, Debian's default 'public' does not;
#   mosquitto:    the generated account publishes, anonymous clients and a wrong password do not.
# Every wait is bounded and every daemon started here is stopped at exit, even on failure.
. "${HK_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$HK_SRCDIR/tests/firstboot-lib.sh"
if [ -z "${HK_FB_UNSHARED:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
	HK_FB_UNSHARED=1 exec unshare --mount --net --propagation private "$0" "$@"
fi
cd "$HK_SRCDIR" || exit 1

if [ "$(id -u)" != 0 ] || [ -z "${HK_FB_UNSHARED:-}" ]; then
	skip "the daemons run in a private network namespace over a chroot-able root: needs root and unshare"
	done_testing
	exit
fi
ip link set lo up
ok $? "a private network namespace with its own loopback: nothing here is reachable from outside"

# The daemons are Debian packages of kind "daemon" in tools/debian-deps.txt, installed under a
# policy-rc.d that keeps Debian from starting them with their stock configuration.
missing=
for pkg in redis-server postgresql mariadb-server slapd snmpd ldap-utils snmp mosquitto mosquitto-clients; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
	tools/install-deps daemon test > /dev/null 2>&1
	ok $? "tools/install-deps daemon installs$missing"
fi

fb_scratch
tmp=$fb_tmp
fb_daemons=
stop_daemons() { # TERM, a bounded wait, then KILL
	for p in $fb_daemons; do kill "$p" 2>/dev/null; done
	for p in $fb_daemons; do
		fb_i=0
		while kill -0 "$p" 2>/dev/null && [ $fb_i -lt 100 ]; do sleep 0.1; fb_i=$((fb_i + 1)); done
		kill -9 "$p" 2>/dev/null
	done
	fb_daemons=
}
trap 'stop_daemons; fb_cleanup' EXIT

root=$tmp/root
fb_image_root "$root"
ok $? "an image root over the host's /usr (overlay)"

# --- redis-server ---------------------------------------------------------------------------
"$HARDENKIT" gen -o "$root" packages/redis-server.conf > "$tmp/gen.out" 2>&1
ok $? "gen packages/redis-server.conf$(head -n 3 "$tmp/gen.out" | sed 's/^/: /')"
"$HARDENKIT" firstboot --root "$root" redis-server > "$tmp/out" 2>&1
ok $? "firstboot redis-server$(grep error "$tmp/out" | head -n 3 | sed 's/^/: /')"
inc=$(sed -n 's/^ *path = "\(.*requirepass.*\.conf\)";$/\1/p' "$root/usr/lib/hardenkit/firstboot/redis-server.conf")
is "$(stat -c '%a %U' "$root$inc" 2>&1)" "400 redis" "the include file $inc is redis's, 0400"
pass=$(cat "$root/etc/credstore/redis-server.requirepass")
mkdir -p "$tmp/redis"
chown redis:redis "$tmp/redis"
cat > "$tmp/redis/redis.conf" <<EOF
port 16379
bind 127.0.0.1
daemonize no
save ""
appendonly no
dir $tmp/redis
logfile $tmp/redis/log
include $root$inc
EOF
chmod 644 "$tmp/redis/redis.conf"
setpriv --reuid=redis --regid=redis --init-groups redis-server "$tmp/redis/redis.conf" > /dev/null 2>&1 &
fb_daemons="$fb_daemons $!"
fb_until 20 sh -c 'redis-cli -p 16379 ping 2>&1 | grep -Eq "NOAUTH|PONG"'
ok $? "redis-server (running as redis, reading the owner-only include file) answers on 127.0.0.1:16379"
is "$(echo PING | redis-cli -p 16379 2>&1)" "NOAUTH Authentication required." "without the password: refused"
is "$(printf 'AUTH %s\nPING\n' "wrong$pass" | redis-cli -p 16379 2>&1 | head -n 1)" \
	"WRONGPASS invalid username-password pair or user is disabled." "with another password: refused"
is "$(printf 'AUTH %s\nPING\n' "$pass" | redis-cli -p 16379 2>&1 | tr '\n' ' ')" "OK PONG " "with the generated password: AUTH works"
[ -s "$tmp/redis/log" ] && ! grep -q -F "$pass" "$tmp/redis/log"
ok $? "redis's log does not hold it"
stop_daemons

# --- postgresql ---------------------------------------------------------------------------------
"$HARDENKIT" gen -o "$root" packages/postgresql.conf > "$tmp/gen.out" 2>&1
ok $? "gen packages/postgresql.conf$(head -n 3 "$tmp/gen.out" | sed 's/^/: /')"
exec_line=$(sed -n 's/^ *exec = "\(.*\)";.*$/\1/p' packages/postgresql.conf | head -n 1)
bin=${exec_line%% *}
datadir=$(echo "$exec_line" | sed -n 's/.* -D \([^ ]*\).*/\1/p')
conf=$(echo "$exec_line" | sed -n 's/.*config_file=\([^ ]*\).*/\1/p')
mkdir -p "$root$datadir" "$root$(dirname "$conf")"
chown -R postgres:postgres "$root/var/lib/postgresql"
setpriv --reuid=postgres --regid=postgres --init-groups "$(dirname "$bin")/initdb" -D "$root$datadir" -U postgres \
	--auth=peer --locale=C.UTF-8 > "$tmp/initdb.log" 2>&1
ok $? "initdb makes a cluster in the root's $datadir" || sed 's/^/# /' "$tmp/initdb.log"
cat > "$root$conf" <<EOF
listen_addresses = '127.0.0.1'
port = 15432
unix_socket_directories = '/tmp'
password_encryption = 'scram-sha-256'
EOF
# the data directory's pg_hba.conf (initdb's peer/ident lines replaced): TCP by password only
echo 'host all all 127.0.0.1/32 scram-sha-256' > "$root$datadir/pg_hba.conf"
"$HARDENKIT" firstboot --root "$root" postgresql > "$tmp/out" 2>&1
ok $? "firstboot postgresql: the apply step ran postgres --single, chrooted, as postgres$(grep error -A6 "$tmp/out" | head -n 8 | sed 's/^/: /')"
grep -q 'postgres-password: applied with .*/postgres as postgres' "$tmp/out"
ok $? "it says so"
pass=$(cat "$root/etc/credstore/postgresql.postgres-password")
mkdir -p "$tmp/pgsock" && chown postgres "$tmp/pgsock"
setpriv --reuid=postgres --regid=postgres --init-groups "$bin" -D "$root$datadir" -c "config_file=$root$conf" -c "unix_socket_directories=$tmp/pgsock" \
	> "$tmp/pg.log" 2>&1 &
fb_daemons="$fb_daemons $!"
fb_until 30 "$(dirname "$bin")/pg_isready" -q -h 127.0.0.1 -p 15432
ok $? "postgres answers on 127.0.0.1:15432"
pgpass=$tmp/pgpass
printf '127.0.0.1:15432:*:postgres:%s\n' "$pass" > "$pgpass" && chmod 600 "$pgpass"
is "$(PGPASSFILE=$pgpass psql -X -h 127.0.0.1 -p 15432 -U postgres -d postgres -Atc 'select current_user' 2>&1)" "postgres" \
	"a password login over TCP with the generated secret works"
printf '127.0.0.1:15432:*:postgres:%s\n' "x$pass" > "$pgpass"
PGPASSFILE=$pgpass psql -X -h 127.0.0.1 -p 15432 -U postgres -d postgres -Atc 'select 1' > "$tmp/psql.out" 2>&1
is "$?" 2 "a wrong password is refused"
grep -q 'password authentication failed for user "postgres"' "$tmp/psql.out"
ok $? "because the password is wrong ($(head -n 1 "$tmp/psql.out"))"
is "$(PGPASSFILE=/dev/null psql -X -w -h 127.0.0.1 -p 15432 -U postgres -d postgres -Atc 'select 1' > /dev/null 2>&1; echo $?)" 2 \
	"no password at all is refused"
! grep -q -F "$pass" "$tmp/pg.log" "$root$datadir"/log/* 2>/dev/null
ok $? "postgres's log does not hold it (it only ever saw the SCRAM verifier)"
stop_daemons

# --- mariadb ---------------------------------------------------------------------------------------
"$HARDENKIT" gen -o "$root" packages/mariadb-server.conf > "$tmp/gen.out" 2>&1
ok $? "gen packages/mariadb-server.conf$(head -n 3 "$tmp/gen.out" | sed 's/^/: /')"
cp -a /etc/mysql "$root/etc/"
mkdir -p "$root/var/lib/mysql" "$root/run/mysqld" && chown mysql:mysql "$root/var/lib/mysql" "$root/run/mysqld"
mariadb-install-db --user=mysql --datadir="$root/var/lib/mysql" --auth-root-authentication-method=socket \
	--skip-test-db > "$tmp/install-db.log" 2>&1
ok $? "mariadb-install-db makes the datadir, root@localhost by unix_socket only (as Debian's postinst)" ||
	sed 's/^/# /' "$tmp/install-db.log"
"$HARDENKIT" firstboot --root "$root" mariadb-server > "$tmp/out" 2>&1
ok $? "firstboot mariadb-server: the apply step ran mariadbd --bootstrap, chrooted, as mysql$(grep error -A8 "$tmp/out" | head -n 10 | sed 's/^/: /')"
pass=$(cat "$root/etc/credstore/mariadb-server.root-password")
my=$tmp/mysql
mkdir -p "$my" && chown mysql:mysql "$my"
mariadbd --no-defaults --user=mysql --datadir="$root/var/lib/mysql" --port=13306 --bind-address=127.0.0.1 \
	--socket="$my/mysqld.sock" --pid-file="$my/mysqld.pid" --log-error="$my/mysqld.log" > /dev/null 2>&1 &
fb_daemons="$fb_daemons $!"
fb_until 30 mariadb-admin --no-defaults --socket="$my/mysqld.sock" -u root ping

ok $? "mariadbd answers on 127.0.0.1:13306"
client() { # client PASSWORD: a TCP login as root, the password from an option file
	printf '[client]\nuser=root\npassword=%s\nhost=127.0.0.1\nport=13306\nprotocol=tcp\n' "$1" > "$tmp/client.cnf"
	chmod 600 "$tmp/client.cnf"
	mariadb --defaults-file="$tmp/client.cnf" -N -e 'select current_user()' 2>&1
}
is "$(client "$pass")" "root@localhost" "root@localhost logs in over TCP with the generated password"
client "x$pass" > "$tmp/mysql.out"
grep -q "Access denied for user 'root'@'localhost'" "$tmp/mysql.out"
ok $? "a wrong password is refused ($(head -n 1 "$tmp/mysql.out"))"
is "$(mariadb --no-defaults --socket="$my/mysqld.sock" -u root -N -e 'select current_user()' 2>&1)" "root@localhost" \
	"the unix_socket login of root is kept"
[ -s "$my/mysqld.log" ] && ! grep -q -F "$pass" "$my/mysqld.log"
ok $? "mariadb's log does not hold it"
stop_daemons

# --- slapd ---------------------------------------------------------------------------------------
"$HARDENKIT" gen -o "$root" packages/slapd.conf > "$tmp/gen.out" 2>&1
ok $? "gen packages/slapd.conf$(head -n 3 "$tmp/gen.out" | sed 's/^/: /')"
# Debian's configuration as its postinst made it (slapd.d and the mdb database), in the root
cp -a /etc/ldap "$root/etc/"
mkdir -p "$root/var/lib"
cp -a /var/lib/ldap "$root/var/lib/"
mdb=$(grep -l '^olcSuffix:' "$root"/etc/ldap/slapd.d/cn=config/olcDatabase=*.ldif | head -n 1)
rootdn=$(sed -n 's/^olcRootDN: //p' "$mdb")
before=$(grep '^olcRootPW' "$mdb")
"$HARDENKIT" firstboot --root "$root" slapd > "$tmp/out" 2>&1
ok $? "firstboot slapd: the apply step ran slapmodify, chrooted, as openldap$(grep error -A8 "$tmp/out" | head -n 10 | sed 's/^/: /')"
[ -n "$before" ] && [ "$(grep '^olcRootPW' "$mdb")" != "$before" ]
ok $? "the olcRootPW of $rootdn was replaced"
is "$(stat -c '%U' "$mdb")" openldap "cn=config stays openldap's"
pwfile=$root/etc/credstore/slapd.admin-password
# what Debian's unit provides: /var/run/slapd for the pid and args files
[ -e "$root/var/run" ] || ln -s ../run "$root/var/run"
mkdir -p "$root/run/slapd" && chown openldap:openldap "$root/run/slapd"
chroot "$root" /usr/sbin/slapd -d 0 -h ldap://127.0.0.1:13389/ -F /etc/ldap/slapd.d -u openldap -g openldap \
	> "$tmp/slapd.log" 2>&1 &
fb_daemons="$fb_daemons $!"
fb_until 20 sh -c 'ldapwhoami -x -H ldap://127.0.0.1:13389/ 2>&1 | grep -q anonymous'
ok $? "slapd answers on 127.0.0.1:13389"
is "$(ldapwhoami -x -H ldap://127.0.0.1:13389/ -D "$rootdn" -y "$pwfile" 2>&1)" "dn:$rootdn" \
	"the rootdn binds with the generated password"
printf 'x%s' "$(cat "$pwfile")" > "$tmp/wrong" && chmod 600 "$tmp/wrong"
ldapwhoami -x -H ldap://127.0.0.1:13389/ -D "$rootdn" -y "$tmp/wrong" > "$tmp/ldap.out" 2>&1
grep -q 'Invalid credentials (49)' "$tmp/ldap.out"
ok $? "a wrong password is refused ($(head -n 1 "$tmp/ldap.out"))"
stop_daemons

# --- snmpd ---------------------------------------------------------------------------------------
"$HARDENKIT" gen -o "$root" packages/snmpd.conf > "$tmp/gen.out" 2>&1
ok $? "gen packages/snmpd.conf$(head -n 3 "$tmp/gen.out" | sed 's/^/: /')"
mkdir -p "$root/etc/snmp/snmpd.conf.d" "$root/var/lib/snmp"
cp -p /etc/snmp/snmpd.conf "$root/etc/snmp/snmpd.conf"
mode=$(stat -c '%a %U:%G' "$root/etc/snmp/snmpd.conf")
"$HARDENKIT" firstboot --root "$root" snmpd > "$tmp/out" 2>&1
ok $? "firstboot snmpd$(grep error "$tmp/out" | head -n 3 | sed 's/^/: /')"
is "$(grep -c '^rocommunity6\{0,1\} *public' "$root/etc/snmp/snmpd.conf")" 0 "Debian's 'public' community lines are commented out"
is "$(stat -c '%a %U:%G' "$root/etc/snmp/snmpd.conf")" "$mode" "snmpd.conf keeps its mode and owner ($mode)"
inc=$root/etc/snmp/snmpd.conf.d/60-hardenkit-community.conf
is "$(stat -c '%a %U' "$inc")" "400 Debian-snmp" "the community file is Debian-snmp's (it rereads as that user), 0400"
community=$(cat "$root/etc/credstore/snmpd.community")
chroot "$root" /usr/sbin/snmpd -f -Lo -I -smux,mteTrigger,mteTriggerConf -C -c /etc/snmp/snmpd.conf \
	udp:127.0.0.1:16161 > "$tmp/snmpd.log" 2>&1 &
fb_daemons="$fb_daemons $!"
fb_until 20 sh -c "ss -Hlun | grep -q '127.0.0.1:16161'"
ok $? "snmpd listens on 127.0.0.1:16161"
# sysLocation.0 by number: Debian ships no MIB files
snmpget -v2c -t 1 -r 2 -On -c "$community" 127.0.0.1:16161 .1.3.6.1.2.1.1.6.0 > "$tmp/snmp.out" 2>&1
grep -q 'Sitting on the Dock of the Bay' "$tmp/snmp.out"
ok $? "the generated community reads sysLocation ($(head -n 1 "$tmp/snmp.out" | cut -c1-60))"
snmpget -v2c -t 1 -r 0 -On -c public 127.0.0.1:16161 .1.3.6.1.2.1.1.6.0 > "$tmp/snmp.out" 2>&1
grep -q 'Timeout: No Response' "$tmp/snmp.out"
ok $? "'public' gets no answer ($(head -n 1 "$tmp/snmp.out"))"
stop_daemons

# --- mosquitto -----------------------------------------------------------------------------------
"$HARDENKIT" gen -o "$root" packages/mosquitto.conf > "$tmp/gen.out" 2>&1
ok $? "gen packages/mosquitto.conf$(head -n 3 "$tmp/gen.out" | sed 's/^/: /')"
"$HARDENKIT" firstboot --root "$root" mosquitto > "$tmp/out" 2>&1
ok $? "firstboot mosquitto$(grep error "$tmp/out" | head -n 3 | sed 's/^/: /')"
pwfile=$root/etc/mosquitto/hardenkit/password
is "$(stat -c '%a %U' "$pwfile")" "400 mosquitto" "the password file is mosquitto's, 0400"
grep -Eq '^mosquitto:\$7\$101\$[A-Za-z0-9+/=]{16}\$[A-Za-z0-9+/=]{88}$' "$pwfile"
ok $? "it holds one mosquitto_passwd entry (\$7\$, PBKDF2-SHA512), not the password"
password=$(cat "$root/etc/credstore/mosquitto.password")
! grep -qF "$password" "$pwfile"
ok $? "the password itself is not in the password file"
# Debian's mosquitto.conf logs to a file and keeps state in /var/lib; the test needs neither:
# only the conf.d files gen wrote (the listeners and the password_file line)
printf 'log_dest stderr\ninclude_dir /etc/mosquitto/conf.d\n' > "$root/etc/mosquitto/test.conf"
chroot "$root" /usr/sbin/mosquitto -c /etc/mosquitto/test.conf > "$tmp/mosquitto.log" 2>&1 &
fb_daemons="$fb_daemons $!"
fb_until 20 sh -c "ss -Hltn | grep -q '127.0.0.1:1883'"
ok $? "mosquitto listens on 127.0.0.1:1883 ($(tail -n 1 "$tmp/mosquitto.log"))"
mosquitto_pub -h 127.0.0.1 -p 1883 -u mosquitto -P "$password" -t hk/test -m hello > "$tmp/pub.out" 2>&1
ok $? "the generated account publishes ($(head -n 1 "$tmp/pub.out"))"
mosquitto_pub -h 127.0.0.1 -p 1883 -t hk/test -m hello > "$tmp/pub.out" 2>&1
[ $? != 0 ] && grep -qi 'not authori[sz]ed' "$tmp/pub.out"
ok $? "an anonymous client is refused ($(head -n 1 "$tmp/pub.out"))"
mosquitto_pub -h 127.0.0.1 -p 1883 -u mosquitto -P wrong-password -t hk/test -m hello > "$tmp/pub.out" 2>&1
[ $? != 0 ] && grep -qi 'not authori[sz]ed' "$tmp/pub.out"
ok $? "a wrong password is refused ($(head -n 1 "$tmp/pub.out"))"
stop_daemons

done_testing
