#!/bin/sh
# The real daemons as the oracle for the generated bind configs (issue 3, "Real daemons").
# For redis-server, memcached, postgresql, nginx, mariadb-server and openssh-server: gen writes
# the manifest's bind config, the test puts it where the package's daemon reads it (a copy of
# the host's /etc/DIR bind-mounted over /etc/DIR in a private mount namespace: the host's /etc
# is never touched), starts the daemon directly (systemd is not PID 1 here) with Debian's own
# command line, and asserts from the kernel's socket table (ss) that it listens on loopback (and
# the manifest's unix sockets) only, that the real client works over 127.0.0.1 and ::1, and that
# from another network namespace, across a veth pair, the port is refused at 198.51.100.1 and
# [2001:db8:77::1]. For nginx and sshd, Debian's stock configuration is started the same way first and
# is reachable there: the generated file is what changed it.
# Everything runs in private mount, network and PID namespaces: the daemons see only loopback and
# the veth, every mount disappears with the namespace, and the kernel kills whatever is left
# when the test (PID 1 there) exits; the EXIT trap stops each daemon before that.
. "${HK_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
if [ -z "${HK_DAEMONS_NS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
	HK_DAEMONS_NS=1 exec unshare --mount --net --pid --fork --mount-proc --propagation private "$0" "$@"
fi
cd "$HK_SRCDIR" || exit 1
export LC_ALL=C.UTF-8

if [ "$(id -u)" != 0 ] || [ -z "${HK_DAEMONS_NS:-}" ]; then
	skip "the daemons run in private mount, network and PID namespaces: needs root and unshare"
	done_testing
	exit
fi

# The daemons are Debian packages of kind "daemon" in tools/debian-deps.txt, installed under a
# policy-rc.d that keeps Debian from starting them; the clients are of kind "test".
missing=
for pkg in redis-server redis-tools memcached postgresql postgresql-client nginx mariadb-server mariadb-client \
	openssh-server openssh-client curl socat iproute2; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" = installed ] || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
	tools/install-deps daemon test > /dev/null 2>&1
	ok $? "tools/install-deps daemon test installs$missing"
fi

daemons=
cpid=
mounts=
# mnt TARGET MOUNT-ARGS…: mount, and remember TARGET for the cleanup
mnt() { t=$1; shift; mount "$@" "$t" && mounts="$t $mounts"; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hk-daemons.XXXXXX") || exit 1
stop_daemons() { # TERM, a bounded wait, then KILL
	for p in $daemons; do kill "$p" 2>/dev/null; done
	for p in $daemons; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	daemons=
}
cleanup() {
	stop_daemons
	[ -n "$cpid" ] && kill "$cpid" 2>/dev/null
	rm -rf --one-file-system "$tmp"
	# the mounts made here, last first (they would also go with the mount namespace)
	for m in $mounts; do umount -l "$m" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# until_ok SECONDS COMMAND…: runs COMMAND every 100 ms until it succeeds, at most SECONDS.
until_ok() {
	n=$(($1 * 10))
	shift
	while ! "$@" > /dev/null 2>&1; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.1
	done
}

# --- the network: loopback, and a veth pair to a second namespace that plays "another host" ---
ip link set lo up
unshare --net sleep 100000 &
cpid=$!
# (unshare forks nothing: the namespace is the new one once the process has made it)
until_ok 10 sh -c "[ \"\$(readlink /proc/$cpid/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
ok $? "a second network namespace for the outside client (pid $cpid)"
ip link add hk0 type veth peer name hk1 && ip link set hk1 netns "$cpid" &&
	ip addr add 198.51.100.1/24 dev hk0 && ip -6 addr add 2001:db8:77::1/64 dev hk0 nodad && ip link set hk0 up &&
	nsenter -t "$cpid" -n sh -c 'ip link set lo up && ip addr add 198.51.100.2/24 dev hk1 &&
		ip -6 addr add 2001:db8:77::2/64 dev hk1 nodad && ip link set hk1 up'
ok $? "veth pair: 198.51.100.1 and 2001:db8:77::1 here, 198.51.100.2 and 2001:db8:77::2 outside"

# reach ADDR PORT: a TCP connect from the outside namespace: "open", "refused" or the error
reach() {
	case $1 in *:*) target="TCP6:[$1]:$2" ;; *) target="TCP4:$1:$2" ;; esac
	out=$(nsenter -t "$cpid" -n timeout 20 socat -u OPEN:/dev/null "$target,connect-timeout=10" 2>&1)
	st=$?
	if [ $st -eq 0 ]; then echo open
	elif echo "$out" | grep -q 'Connection refused'; then echo refused
	else echo "error $st: $out" | tr '\n' ' '; fi
}
# listening: every listening TCP socket of this namespace, "ADDR:PORT" sorted on one line
listening() { ss -ltnH | awk '{ print $4 }' | sort | tr '\n' ' ' | sed 's/ $//'; }
# loopback_set MANIFEST: what the manifest's TCP listeners should give: 127.0.0.1:P [::1]:P …
loopback_set() {
	ports=$(sed -n 's/.*proto = "tcp"; port = \([0-9]*\);.*scope = "loopback".*/\1/p' "$1")
	[ -n "$ports" ] || { echo "(no loopback TCP listener found in $1)"; return; }
	for p in $ports; do echo "127.0.0.1:$p"; echo "[::1]:$p"; done | sort | tr '\n' ' ' | sed 's/ $//'
}
# unix_paths MANIFEST: the manifest's unix listeners
unix_paths() { sed -n 's/.*proto = "unix"; path = "\([^"]*\)".*/\1/p' "$1"; }
# unix_listening NAME MANIFEST: one test per unix listener the manifest declares, from ss
unix_listening() {
	for _p in $(unix_paths "$2"); do
		ss -lxH | awk '{ print $5 }' | grep -qxF "$_p"
		ok $? "$1 listens on the unix socket $_p"
	done
}
# exec_of MANIFEST: the daemon's command line from the manifest
exec_of() { sed -n 's/^ *exec = "\(.*\)";.*$/\1/p' "$1" | head -n 1; }
# is_listening PORT: some socket of this namespace listens on TCP PORT
is_listening() { ss -ltnH "sport = :$1" | grep -q .; }
# outside_closed PORT NAME: from the other namespace, PORT is refused on both veth addresses
outside_closed() {
	is "$(reach 198.51.100.1 "$1")" refused "$2: from outside, 198.51.100.1:$1 is refused"
	is "$(reach 2001:db8:77::1 "$1")" refused "$2: from outside, [2001:db8:77::1]:$1 is refused"
}

socat -u TCP4-LISTEN:7,bind=198.51.100.1,reuseaddr,fork OPEN:/dev/null &
daemons="$!"
socat -u TCP6-LISTEN:7,bind=[2001:db8:77::1],reuseaddr,fork OPEN:/dev/null &
daemons="$daemons $!"
until_ok 10 sh -c 'ss -ltnH "sport = :7" | grep -c . | grep -qx 2'
until_ok 10 sh -c "nsenter -t $cpid -n socat -u OPEN:/dev/null TCP4:198.51.100.1:7,connect-timeout=1"
is "$(reach 198.51.100.1 7) $(reach 2001:db8:77::1 7)" "open open" "control: a listener on the veth addresses is reachable from outside"
is "$(reach 198.51.100.1 8) $(reach 2001:db8:77::1 8)" "refused refused" "control: a port nobody listens on is refused"
stop_daemons
is "$(listening)" "" "nothing listens in the namespace before the daemons start"

# --- the private filesystem view: fresh /run and /var/log, copies of /etc/DIR over the real ---
root=$tmp/root
mkdir -p "$tmp/pristine" "$tmp/etc" "$tmp/over"
for d in redis nginx mysql; do cp -a "/etc/$d" "$tmp/pristine/"; done
# sshd: Debian's configuration without the host's private keys (ssh-keygen -A makes new ones)
tar -C /etc --exclude='ssh_host_*' -cf - ssh | tar -C "$tmp/pristine" -xf -
mnt /run -t tmpfs -o mode=0755 hk-run && mnt /var/log -t tmpfs -o mode=0755 hk-log
ok $? "a private /run and /var/log (tmpfs)"
# stage_etc NAME: a fresh copy of Debian's /etc/NAME, bind-mounted over /etc/NAME
stage_etc() {
	mountpoint -q "/etc/$1" && umount "/etc/$1"
	rm -rf "${tmp:?}/etc/$1" && cp -a "$tmp/pristine/$1" "$tmp/etc/$1" && mnt "/etc/$1" --bind "$tmp/etc/$1"
}
# over PATH OWNER MODE: an empty directory of this test over PATH (a daemon's state directory)
over() {
	mountpoint -q "$1" && umount "$1"
	d=$tmp/over$1
	rm -rf "$d" && mkdir -p "$d" && chown "$2" "$d" && chmod "$3" "$d" && mnt "$1" --bind "$d"
}
# install_generated DIR: every file gen wrote below DIR, put into the daemon's DIR
install_generated() { cp -R "$root$1/." "$1/" && find "$root$1" -type f -printf '%P ' | sed 's/ $//'; }
# rundir PATH OWNER MODE: what the unit's RuntimeDirectory= or the package's tmpfiles.d make
rundir() { mkdir -p "$1" && chown "$2" "$1" && chmod "$3" "$1"; }

for m in redis-server memcached postgresql nginx mariadb-server openssh-server; do
	"$HARDENKIT" gen -o "$root" "packages/$m.conf" > "$tmp/gen.out" 2>&1
	ok $? "gen packages/$m.conf" || sed 's/^/# /' "$tmp/gen.out"
done

# --- redis-server ------------------------------------------------------------------------------
m=packages/redis-server.conf
exec_line=$(exec_of $m)
rundir /run/redis redis:redis 0755
rundir /var/log/redis redis:adm 2750
redis_start() {
	over /var/lib/redis redis:redis 0750
	eval "set -- $exec_line"
	setpriv --reuid=redis --regid=redis --init-groups "$@" > "$tmp/redis.out" 2>&1 &
	daemons="$!"
	until_ok 30 sh -c 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -qx PONG'
}
# Debian's own redis.conf first (it binds 127.0.0.1 -::1 already): its effective settings
stage_etc redis
redis_start
ok $? "redis-server with Debian's redis.conf answers ($exec_line, as redis)" ||
	tail -n 5 /var/log/redis/redis-server.log "$tmp/redis.out" | sed 's/^/# /'
redis-cli -p 6379 config get '*' | paste - - | sort > "$tmp/redis-stock.cfg"
stop_daemons
stage_etc redis
files=$(install_generated /etc/redis)
redis_start
ok $? "redis-server with the generated files in /etc/redis ($files) answers on 127.0.0.1:6379" ||
	tail -n 5 /var/log/redis/redis-server.log "$tmp/redis.out" | sed 's/^/# /'
is "$(listening)" "$(loopback_set $m)" "redis-server: the kernel's listening TCP sockets are loopback only"
unix_listening redis-server $m
for p in $(unix_paths $m); do
	is "$(redis-cli -s "$p" ping 2>&1)" PONG "redis-cli -s $p ping"
done
is "$(redis-cli -h ::1 -p 6379 ping 2>&1)" PONG "redis-cli -h ::1 ping"
redis-cli -p 6379 config get '*' | paste - - | sort > "$tmp/redis-gen.cfg"
is "$(diff "$tmp/redis-stock.cfg" "$tmp/redis-gen.cfg" | grep '^[<>]' | cut -f1 | sort -u | tr '\n' ' ')" \
	"< unixsocket < unixsocketperm > unixsocket > unixsocketperm " \
	"CONFIG GET *: the generated redis.conf keeps every Debian setting; only the unix socket is new"
outside_closed 6379 redis-server
stop_daemons

# --- memcached -----------------------------------------------------------------------------------
m=packages/memcached.conf
cp "$root/etc/memcached.conf" "$tmp/memcached.conf"
mnt /etc/memcached.conf --bind "$tmp/memcached.conf"
rundir /run/memcached memcache:memcache 0755
# The generated drop-in's ExecStart (it replaces Debian's root-only wrapper), run as memcache:
# it reads the flags of /etc/memcached.conf as the wrapper does. systemd turns $$ into $.
start=$(sed -n 's/^ExecStart=\(.\{1,\}\)/\1/p' "$root/usr/lib/systemd/system/memcached.service.d/50-hardenkit.conf" | sed 's/\$\$/$/g')
[ -n "$start" ]
ok $? "the generated memcached drop-in replaces ExecStart ($start)"
setpriv --reuid=memcache --regid=memcache --init-groups sh -c "exec $start" > "$tmp/memcached.out" 2>&1 &
daemons="$!"
until_ok 20 is_listening 11211
ok $? "memcached, started as memcache by the drop-in's ExecStart with the generated /etc/memcached.conf, listens" ||
	tail -n 5 "$tmp/memcached.out" /var/log/memcached.log | sed 's/^/# /'
is "$(listening)" "$(loopback_set $m)" "memcached: the kernel's listening TCP sockets are loopback only"
is "$(ss -luanH | wc -l)" 0 "memcached: no UDP socket (-U 0)"
for a in 127.0.0.1 '[::1]'; do
	printf 'stats\r\nquit\r\n' | timeout 10 socat -t 5 - "TCP:$a:11211" > "$tmp/stats" 2>&1
	grep -q '^STAT pid [0-9]' "$tmp/stats" && grep -q '^END' "$tmp/stats"
	ok $? "memcached answers 'stats' on $a:11211 ($(grep -c '^STAT' "$tmp/stats") STAT lines)"
done
is "$(ps -o user= -p "$(sed -n 's/^STAT pid \([0-9]*\).*/\1/p' "$tmp/stats" | tr -d '\r')")" memcache "memcached runs as memcache"
outside_closed 11211 memcached
stop_daemons

# --- postgresql ----------------------------------------------------------------------------------
m=packages/postgresql.conf
exec_line=$(exec_of $m)
over /etc/postgresql root:root 0755
over /var/lib/postgresql postgres:postgres 0755
rundir /var/log/postgresql root:postgres 1775
rundir /run/postgresql postgres:postgres 2775
# what postgresql-15's postinst does: Debian's cluster 15/main with its postgresql.conf
pg_createcluster 15 main > "$tmp/createcluster.out" 2>&1
ok $? "pg_createcluster 15 main (Debian's configuration, in the test's /etc/postgresql)" ||
	sed 's/^/# /' "$tmp/createcluster.out"
files=$(install_generated /etc/postgresql)
eval "set -- $exec_line"
setpriv --reuid=postgres --regid=postgres --init-groups "$@" > "$tmp/postgres.out" 2>&1 &
daemons="$!"
until_ok 30 /usr/lib/postgresql/15/bin/pg_isready -q -h 127.0.0.1 -p 5432
ok $? "postgres ($exec_line, as postgres, with the generated $files) answers on 127.0.0.1:5432" || tail -n 5 "$tmp/postgres.out" | sed 's/^/# /'
is "$(listening)" "$(loopback_set $m)" "postgres: the kernel's listening TCP sockets are loopback only"
unix_listening postgres $m
pw=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
echo "alter role postgres password '$pw'" |
	setpriv --reuid=postgres --regid=postgres --init-groups psql -X -q -h /run/postgresql -d postgres > "$tmp/psql.out" 2>&1
ok $? "psql over the unix socket (peer authentication) sets a password" || sed 's/^/# /' "$tmp/psql.out"
printf '*:5432:*:postgres:%s\n' "$pw" > "$tmp/pgpass" && chmod 600 "$tmp/pgpass"
for a in 127.0.0.1 ::1; do
	is "$(PGPASSFILE=$tmp/pgpass psql -X -w -h $a -p 5432 -U postgres -d postgres -Atc 'select 1' 2>&1)" 1 \
		"psql -h $a -c 'select 1' (Debian's pg_hba.conf: scram-sha-256 over TCP)"
done
is "$(PGPASSFILE=$tmp/pgpass psql -X -w -h 127.0.0.1 -U postgres -d postgres -Atc \
	"select setting || ' from ' || sourcefile from pg_settings where name = 'listen_addresses'" 2>&1)" \
	"127.0.0.1,::1 from /etc/postgresql/$files" "listen_addresses comes from the generated file (Debian's include_dir = 'conf.d')"
outside_closed 5432 postgres
stop_daemons

# --- mariadb-server --------------------------------------------------------------------------------
m=packages/mariadb-server.conf
exec_line=$(exec_of $m)
stage_etc mysql
files=$(install_generated /etc/mysql)
over /var/lib/mysql mysql:mysql 0755
rundir /run/mysqld mysql:root 0755
# mariadbd makes its temporary files in $TMPDIR or /tmp, which is 1777 on Debian; this one is
export TMPDIR=/run/hk-tmp
rundir "$TMPDIR" root:root 1777
# as mariadb-server's postinst does, reading the test's /etc/mysql for the datadir
mariadb-install-db --rpm --user=mysql --disable-log-bin --skip-test-db > "$tmp/install-db.out" 2>&1
ok $? "mariadb-install-db makes /var/lib/mysql (the test's)" || sed 's/^/# /' "$tmp/install-db.out"
eval "set -- $exec_line"
setpriv --reuid=mysql --regid=mysql --init-groups "$@" > "$tmp/mariadbd.out" 2>&1 &
daemons="$!"
until_ok 30 mariadb-admin ping
ok $? "mariadbd ($exec_line, as mysql, with Debian's /etc/mysql and the generated $files) answers" ||
	tail -n 5 "$tmp/mariadbd.out" | sed 's/^/# /'
until_ok 10 is_listening 3306
is "$(listening)" "$(loopback_set $m)" "mariadbd: the kernel's listening TCP sockets are loopback only"
unix_listening mariadbd $m
pw=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
printf "create user hk@'127.0.0.1' identified by '%s'; create user hk@'::1' identified by '%s';\n" "$pw" "$pw" |
	mariadb > "$tmp/mysql.out" 2>&1
ok $? "root creates a test user over the unix socket (unix_socket authentication)" || sed 's/^/# /' "$tmp/mysql.out"
printf '[client]\nuser=hk\npassword=%s\n' "$pw" > "$tmp/hk.cnf" && chmod 600 "$tmp/hk.cnf"
for a in 127.0.0.1 ::1; do
	is "$(mariadb --defaults-extra-file="$tmp/hk.cnf" --protocol=tcp -h $a -P 3306 -N -e 'select 1' 2>&1)" 1 \
		"mariadb --protocol=tcp -h $a -e 'select 1'"
done
is "$(mariadb -N -e 'select @@bind_address' 2>&1)" "127.0.0.1,::1" \
	"@@bind_address is the generated file's: it overrides 50-server.cnf's bind-address = 127.0.0.1"
outside_closed 3306 mariadbd
stop_daemons
unset TMPDIR

# --- nginx: Debian's stock site, then the generated one ----------------------------------------------
m=packages/nginx.conf
rundir /var/log/nginx root:adm 0755
# the manifest's command line has "daemon on"; daemon off keeps the master this test's child
nginx_start() {
	over /var/lib/nginx root:root 0755
	/usr/sbin/nginx -t -q -g 'daemon off; master_process on;' > "$tmp/nginx-t.out" 2>&1 || return 1
	/usr/sbin/nginx -g 'daemon off; master_process on;' > "$tmp/nginx.out" 2>&1 &
	daemons="$!"
	until_ok 20 sh -c 'curl -sS -m 5 http://127.0.0.1/ | grep -q "Welcome to nginx"'
}
stage_etc nginx
nginx_start
ok $? "stock nginx (Debian's sites-enabled/default) answers on 127.0.0.1:80" ||
	cat "$tmp/nginx-t.out" "$tmp/nginx.out" | sed 's/^/# /'
is "$(listening)" "0.0.0.0:80 [::]:80" "stock nginx listens on every address"
is "$(reach 198.51.100.1 80) $(reach 2001:db8:77::1 80)" "open open" "stock nginx: reachable from outside at 198.51.100.1:80 and [2001:db8:77::1]:80"
nsenter -t "$cpid" -n curl -sS -m 10 http://198.51.100.1/ 2>&1 | grep -q "Welcome to nginx"
ok $? "stock nginx: curl http://198.51.100.1/ from outside gets Debian's welcome page"
stop_daemons
stage_etc nginx
files=$(install_generated /etc/nginx)
nginx_start
ok $? "nginx with the generated $files answers on 127.0.0.1:80" || cat "$tmp/nginx-t.out" "$tmp/nginx.out" | sed 's/^/# /'
is "$(listening)" "$(loopback_set $m)" "nginx: the kernel's listening TCP sockets are loopback only"
curl -sS -m 10 'http://[::1]/' 2>&1 | grep -q "Welcome to nginx"
ok $? "curl http://[::1]/ gets the welcome page"
outside_closed 80 nginx
stop_daemons

# --- openssh-server: Debian's stock sshd_config, then with the generated drop-in ---------------------
m=packages/openssh-server.conf
exec_line=$(exec_of $m)
sshd_start() {
	stage_etc ssh
	ssh-keygen -A > /dev/null 2>&1 || return 1   # as the postinst: host keys of the test's /etc/ssh
	rundir /run/sshd root:root 0755             # ssh.service: RuntimeDirectory=sshd
	[ -z "${1:-}" ] || files=$(install_generated /etc/ssh)
	/usr/sbin/sshd -t > "$tmp/sshd-t.out" 2>&1 || return 1   # ssh.service: ExecStartPre=/usr/sbin/sshd -t
	eval "set -- $exec_line"
	"$@" > "$tmp/sshd.out" 2>&1 &
	daemons="$!"
	until_ok 20 is_listening 22
}
# keyscan HOST [NS-PID]: the ed25519 host key sshd presents, as "type key"
keyscan() {
	if [ -n "${2:-}" ]; then nsenter -t "$2" -n ssh-keyscan -T 10 -t ed25519 "$1" 2>/dev/null
	else ssh-keyscan -T 10 -t ed25519 "$1" 2>/dev/null; fi | awk '{ print $2, $3 }'
}
hostkey() {
	if [ -s /etc/ssh/ssh_host_ed25519_key.pub ]; then awk '{ print $1, $2 }' /etc/ssh/ssh_host_ed25519_key.pub
	else echo "(no /etc/ssh/ssh_host_ed25519_key.pub)"; fi
}
sshd_start
ok $? "stock sshd ($exec_line) starts with Debian's sshd_config" || cat "$tmp/sshd-t.out" "$tmp/sshd.out" | sed 's/^/# /'
is "$(listening)" "0.0.0.0:22 [::]:22" "stock sshd listens on every address"
is "$(reach 198.51.100.1 22) $(reach 2001:db8:77::1 22)" "open open" "stock sshd: reachable from outside at 198.51.100.1:22 and [2001:db8:77::1]:22"
is "$(keyscan 198.51.100.1 "$cpid")" "$(hostkey)" "stock sshd: ssh-keyscan 198.51.100.1 from outside gets its host key"
stop_daemons
sshd_start generated
ok $? "sshd with the generated $files starts" || cat "$tmp/sshd-t.out" "$tmp/sshd.out" | sed 's/^/# /'
is "$(listening)" "$(loopback_set $m)" "sshd: the kernel's listening TCP sockets are loopback only"
is "$(keyscan 127.0.0.1)" "$(hostkey)" "ssh-keyscan 127.0.0.1 gets sshd's host key"
is "$(keyscan ::1)" "$(hostkey)" "ssh-keyscan ::1 gets sshd's host key"
outside_closed 22 sshd
stop_daemons

is "$(listening)" "" "every daemon is stopped: nothing listens any more"
done_testing
