#!/bin/bash
# boot.t: the generated packages under a real systemd (issue 7). Boots systemd as PID 1 of its
# own PID, mount, UTS, IPC and network namespaces (../shared/boot-test.md) over an overlay of a
# cached Debian 12 root holding the real packages of tests/boot/manifests.txt, twice:
#   hardened: with `hardenkit gen` and `hardenkit firewall` output, the binary for first boot;
#   stock:    Debian's packages only.
# and asserts from inside the hardened boot what the toolkit promises (services up, first-boot
# credentials before their services and demanded by them, loopback-only sockets, egress denied,
# default-deny firewall, the same exposure online as offline), then prints a before/after table.
# Run by `make check-boot` (root only: namespaces, overlayfs, veth). Nothing reaches the network
# except debootstrap/apt building the cached root (tools/boot-root).
#   HK_BOOT_WORKAROUNDS=0  boot without tests/boot/workarounds/ (shows the raw failures)
#   HK_BOOT_KEEP=DIR       keep the run's files (uppers, consoles, journals) in DIR
. "${HK_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
. "$HK_SRCDIR/tests/boot/boot-lib.sh"
cd "$HK_SRCDIR" || exit 1
HK=$HARDENKIT
B=tests/boot

if [ "$(id -u)" != 0 ]; then
	skip "boot test: needs root (namespaces, overlayfs, veth); run make check-boot as root"
	done_testing; exit
fi

if [ -n "${HK_BOOT_KEEP:-}" ]; then S=$HK_BOOT_KEEP; rm -rf "$S"; mkdir -p "$S"; else scratch S; fi
remote=hkboot-remote-$$
cleanup() {
	boot_cleanup_all
	[ -n "${HK_BOOT_KEEP:-}" ] || rm -rf "$S"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# --- the manifests, their packages, the cached root -------------------------------------------
manifests=$(grep -v '^#' $B/manifests.txt)
mfiles=$(for m in $manifests; do echo packages/$m.conf; done)
"$HK" gen --list $mfiles $B/manifests/egress-probe.conf > "$S/list" 2> "$S/list.err"
ok $? "gen --list accepts the $(echo $manifests | wc -w) manifests of $B/manifests.txt and the egress probe"
# NAME UNIT KIND PACKAGES …
units=$(grep -v '^egress-probe' "$S/list" | cut -f2)
pkgs=$(grep -v '^egress-probe' "$S/list" | cut -f4 | tr , '\n'; grep -v '^#' $B/extra-packages.txt | awk '{ print $1 }')
# what the hardenkit package itself would depend on: the packages of the binary's libraries
hkdeps=$(ldd "$HK" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | while read -r l; do
	dpkg -S "$l" 2>/dev/null || dpkg -S "$(readlink -f "$l")"; done | cut -d: -f1 | sort -u | grep -v '^libc6$')
pkgs="$pkgs $hkdeps"
root=$(tools/boot-root $pkgs 2> "$S/boot-root.log")
ok $? "the Debian 12 root (debootstrap minbase + $(echo $pkgs | wc -w) packages) is built or cached: $root" ||
	tail -n 20 "$S/boot-root.log" | sed 's/^/#   /'
grep -q '^boot-root: built' "$S/boot-root.log" && note "$(grep '^boot-root: built' "$S/boot-root.log") (cached from now on)"
[ -e "$root/.hk-complete" ] || { note "no root, nothing to boot"; done_testing; exit; }
for p in $pkgs; do
	grep -q "^$p	" "$root/.hk-versions" || { note "package $p is not in the root"; false; }
done
ok $? "every package of those manifests is installed in the root"

# in_overlay UPPER CMD…: CMD sees the root with UPPER over it at $S/view, in a private mount
# namespace (the overlay is gone when CMD exits).
in_overlay() {
	_up=$1; shift
	mkdir -p "$_up" "$S/view" "$S/view-work"
	unshare --mount --propagation private sh -c '
		mount -t overlay overlay -o "lowerdir=$1,upperdir=$2,workdir=$3" "$4" || exit 125
		shift 4; exec "$@"' in_overlay "$root" "$_up" "$S/view-work" "$S/view" "$@"
	_st=$?
	rm -rf "$S/view-work"
	return $_st
}

# Three co-installed packages all take port 80 on Debian (nginx, apache2, lighttpd): apache2 is
# moved to 8080 and lighttpd to 8081 in both boots, as an administrator who installs them all
# must do. Not a hardenkit fix.
coinstall() { # UPPER SOURCE-ROOT: SOURCE-ROOT's ports.conf, lighttpd.conf (and lighttpd.socket) into UPPER
	_pc=$(sed -e 's/^\(Listen .*\):80$/\1:8080/' -e 's/^Listen 80$/Listen 8080/' "$2/etc/apache2/ports.conf") || return 1
	mkdir -p "$1/etc/apache2" && printf '%s\n' "$_pc" > "$1/etc/apache2/ports.conf"
	grep -q '^Listen .*8080$' "$1/etc/apache2/ports.conf" || return 1
	_lc=$(sed -e 's/^server\.port *= *80$/server.port = 8081/' -e 's/\]:80"/]:8081"/' "$2/etc/lighttpd/lighttpd.conf") || return 1
	mkdir -p "$1/etc/lighttpd" && printf '%s\n' "$_lc" > "$1/etc/lighttpd/lighttpd.conf"
	grep -q '^server\.port = 8081$' "$1/etc/lighttpd/lighttpd.conf" || return 1
	_s=usr/lib/systemd/system/lighttpd.socket
	[ -e "$2/$_s" ] || return 0
	_ls=$(sed 's/^\(Listen[A-Za-z]*=.*\):80$/\1:8081/' "$2/$_s") && printf '%s\n' "$_ls" > "$1/$_s" &&
	[ "$(grep -c '^ListenStream=.*:8081$' "$1/$_s")" = 2 ]
}

# --- hardened: what the package builds would ship --------------------------------------------
H=$S/hard/upper
mkdir -p "$H"
"$HK" gen -o "$H" $mfiles $B/manifests/egress-probe.conf
ok $? "hardenkit gen writes the output of every manifest into the hardened root"
"$HK" firewall -o "$H" $mfiles
ok $? "hardenkit firewall writes the default-deny ruleset"
install -D -m 0755 "$HK" "$H/usr/local/bin/hardenkit" && mkdir -p "$H/usr/local/share/hardenkit" "$H/usr/bin" &&
cp -a "$HARDENKIT_DATADIR/." "$H/usr/local/share/hardenkit/" &&
ln -s ../local/bin/hardenkit "$H/usr/bin/hardenkit"   # the first-boot units run /usr/bin/hardenkit
ok $? "the hardenkit binary and templates are in /usr/local (with /usr/bin/hardenkit, which the first-boot units run)"
coinstall "$H" "$H"
ok $? "co-installation: apache2 listens on 8080, lighttpd (lighttpd.conf and lighttpd.socket) on 8081, nginx keeps 80 (all default to 80 on Debian)"
workarounds=
if [ "${HK_BOOT_WORKAROUNDS:-1}" != 0 ] && [ -d $B/workarounds ]; then
	for w in $B/workarounds/*.sh; do
		[ -e "$w" ] || continue
		note "WORKAROUND $(basename "$w" .sh): $(sed -n 's/^# why: //p' "$w")"
		H=$H ROOT=$root sh -eu "$w"
		ok $? "workaround $(basename "$w" .sh) applied to the copy"
		workarounds="$workarounds $(basename "$w" .sh)"
	done
fi
# dpkg keeps the owner and mode of a directory that already exists; an overlay would take the
# upper layer's (whatever gen's mkdir made): give every such directory the root's.
for d in $(cd "$H" && find . -mindepth 1 -type d | sed 's|^\./||'); do
	[ -d "$root/$d" ] && [ ! -L "$root/$d" ] || continue
	chown --reference="$root/$d" "$H/$d" && chmod --reference="$root/$d" "$H/$d" || echo "$d" >> "$S/dirs.failed"
done
[ ! -e "$S/dirs.failed" ]
ok $? "directories the root already has keep its owner and mode, as dpkg would keep them"
# What the packages' postinst (dh_installsystemd) would do: enable the whole units and the
# socket units gen wrote, and nftables (Debian's nftables.service is not enabled by default).
whole="$(awk -F'\t' '$3 != "drop-in" { print $2 }' "$S/list") $(cd "$H/usr/lib/systemd/system" && ls ./*.socket 2>/dev/null | sed 's|^\./||')"
in_overlay "$H" systemctl --root="$S/view" enable nftables.service $whole > "$S/enable.log" 2>&1
ok $? "systemctl --root enables nftables.service and the whole and socket units gen wrote: $(echo $whole)"
fbunits=$(cd "$H/usr/lib/systemd/system" && ls hardenkit-firstboot-*.service)
# The offline scores, as tests/scores.t computes them, on the same merged root.
for u in $units egress-probe.service $fbunits nftables.service; do
	printf '%s\t%s\n' "$u" "$(in_overlay "$H" systemd-analyze security --offline=true --root="$S/view" "$u" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')"
done > "$S/offline.tsv"
[ "$(awk -F'\t' '$2 == ""' "$S/offline.tsv" | wc -l)" = 0 ]
ok $? "systemd-analyze security --offline scores every unit in the hardened root"

# --- boot it ---------------------------------------------------------------------------------
unit_state() { in_boot systemctl show -p ActiveState -p SubState --value "$1" 2>/dev/null | paste -sd/; }
unit_prop() { in_boot systemctl show -p "$2" --value "$1" 2>/dev/null; }
# settle: the boot's jobs are done and nothing is restarting (bounded: 60 s)
settle_more() {
	_i=0
	while [ $_i -lt 120 ]; do
		[ -z "$(in_boot systemctl list-jobs --no-legend 2>/dev/null)" ] &&
		[ -z "$(in_boot systemctl list-units --no-legend --plain --state=activating,deactivating,auto-restart 2>/dev/null)" ] && return 0
		sleep 0.5; _i=$((_i + 1))
	done
	return 1
}
online_score() { in_boot systemd-analyze security --no-pager "$1" 2>/dev/null |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'; }
listeners() { # the non-loopback TCP and UDP listeners: PROTO ADDR:PORT UNIT (from the cgroup)
	in_boot sh -c '{ ss -ltnpH; ss -lunpH; }' | awk '{
		a = $4; sub(/:[0-9*]+$/, "", a)
		if (a ~ /^127\./ || a == "[::1]" || a ~ /^\[::ffff:127\./) next
		p = $0; if (!sub(/.*pid=/, "", p)) p = 0; sub(/[^0-9].*/, "", p)
		print ($1 == "UNCONN" ? "udp" : "tcp"), $4, p }' | sort -u |
	while read -r _pr _a _p; do
		_u=$(in_boot sed -n 's|^[0-9]*:name=systemd:.*/||p' "/proc/$_p/cgroup" 2>/dev/null)
		echo "$_pr $_a ${_u:-?}"
	done
}

note "booting the hardened root"
boot_start hard "$root" "$H" "$S/hard"
ok $? "systemd boots as PID 1 of its own namespaces (host PID $boot_pid)"
state=$(boot_settle 180)
settle_more
ok $? "the boot settles (systemctl is-system-running --wait: $state; no job or restart pending)"
in_boot journalctl -b --no-pager > "$S/hard/journal" 2>&1

for u in $units egress-probe.service; do
	st=$(unit_state "$u")
	is "$st" "active/running" "hardened: $u is active and running"
	if [ "$st" != "active/running" ]; then
		in_boot journalctl -b --no-pager -o cat -u "$u" 2>/dev/null | grep -v -E '^(Starting|Started|Stopped|Stopping|Finished) ' | tail -n 6 | sed 's/^/#   /'
	fi
done
# Units a container never runs, each with its reason (tests/boot/allowed-failures.txt)
allowed=$(grep -v '^#' $B/allowed-failures.txt | awk '{ print $1 }')
failed=$(in_boot systemctl list-units --failed --plain --no-legend | awk '{ print $1 }')
unexpected=$(for f in $failed; do echo "$allowed" | grep -qx "$f" || echo "$f"; done)
is "$(echo $unexpected)" "" "no unit failed except those of $B/allowed-failures.txt"

# --- first-boot credentials ------------------------------------------------------------------
# spec_files SPEC: PATH USER GROUP MODE of every secret and include file the spec declares
spec_files() { awk '
	/^[ \t]*(secret|include) = \{/ { inb = 1; p = u = g = m = ""; next }
	inb && /path = /  { p = $0; sub(/.*path = "/, "", p); sub(/".*/, "", p) }
	inb && /user = /  { u = $0; sub(/.*user = "/, "", u); sub(/".*/, "", u) }
	inb && /group = / { g = $0; sub(/.*group = "/, "", g); sub(/".*/, "", g) }
	inb && /mode = /  { m = $0; sub(/.*mode = "0*/, "", m); sub(/".*/, "", m) }
	inb && /^[ \t]*\};/ { print p, u, g, m; inb = 0 }' "$1"; }
for fb in $fbunits; do
	name=${fb#hardenkit-firstboot-}; name=${name%.service}
	svc=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$S/list")
	r="$(unit_prop "$fb" Result)/$(unit_prop "$fb" ExecMainStatus)"
	is "$r" "success/0" "first boot: $fb ran and succeeded"
	[ "$r" = success/0 ] || in_boot journalctl -b 0 --no-pager -o cat -u "$fb" 2>/dev/null | grep -v -E '^(Starting|Started|Stopped|Finished|Failed to start) ' | tail -n 6 | sed 's/^/#   /'
	fb_done=$(unit_prop "$fb" ActiveEnterTimestampMonotonic)
	svc_start=$(unit_prop "$svc" InactiveExitTimestampMonotonic)
	[ "${fb_done:-0}" -gt 0 ] && [ "${svc_start:-0}" -gt 0 ] && [ "$fb_done" -le "$svc_start" ]
	ok $? "first boot: $fb finished (${fb_done:-?} µs) before $svc started (${svc_start:-?} µs)"
	spec_files "$H/usr/lib/hardenkit/firstboot/$name.conf" > "$S/spec.$name"
	while read -r path user group mode; do
		is "$(in_boot stat -c '%U %G %a' "$path" 2>&1)" "$user $group $mode" "first boot: $path exists, $user:$group $mode"
	done < "$S/spec.$name"
done
is "$(in_boot stat -c '%U %a' /etc/credstore 2>&1)" "root 700" "first boot: /etc/credstore is root's, 0700"

secret() { in_boot cat "/etc/credstore/$1" 2>/dev/null; }
# redis: AUTH required; the generated requirepass is accepted
out=$(in_boot redis-cli -h 127.0.0.1 ping 2>&1)
case "$out" in *NOAUTH*) ok 0 "redis demands AUTH: without it: $out";; *) ok 1 "redis demands AUTH (got: $out)";; esac
out=$(in_boot env REDISCLI_AUTH="$(secret redis-server.requirepass)" redis-cli --no-auth-warning -h 127.0.0.1 ping 2>&1)
is "$out" "PONG" "redis: the generated requirepass is accepted"
# postgresql: password login over loopback TCP as postgres with the generated password
out=$(in_boot env PGPASSWORD="$(secret postgresql.postgres-password)" PGCONNECT_TIMEOUT=10 \
	psql -h 127.0.0.1 -U postgres -d postgres -At -c 'select current_user' 2>&1)
is "$out" "postgres" "postgresql: password login over 127.0.0.1 with the generated password"
out=$(in_boot env PGPASSWORD=not-the-password PGCONNECT_TIMEOUT=10 psql -h 127.0.0.1 -U postgres -d postgres -At -c 'select 1' 2>&1)
case "$out" in *"password authentication failed"*) ok 0 "postgresql refuses a wrong password";; *) ok 1 "postgresql refuses a wrong password (got: $out)";; esac
# mariadb: root over TCP with the generated password; a wrong one is refused
out=$(in_boot env MYSQL_PWD="$(secret mariadb-server.root-password)" mariadb --connect-timeout=10 -h 127.0.0.1 -u root -N -e 'select current_user()' 2>&1)
is "$out" "root@localhost" "mariadb: root logs in over 127.0.0.1 with the generated password"
out=$(in_boot env MYSQL_PWD=not-the-password mariadb --connect-timeout=10 -h 127.0.0.1 -u root -N -e 'select 1' 2>&1)
case "$out" in *"Access denied"*) ok 0 "mariadb refuses root with a wrong password";; *) ok 1 "mariadb refuses root with a wrong password (got: $out)";; esac

# slapd: the rootdn of Debian's first database binds with the generated olcRootPW only
dn=$(in_boot sh -c 'ldapsearch -Q -LLL -Y EXTERNAL -H ldapi:/// -b cn=config "(olcDatabase={1}mdb)" olcRootDN 2>/dev/null' | sed -n 's/^olcRootDN: //p')
out=$(in_boot ldapwhoami -x -o nettimeout=10 -H ldap://127.0.0.1 -D "${dn:-cn=admin,dc=nodomain}" -w "$(secret slapd.admin-password)" 2>&1)
is "$out" "dn:${dn:-cn=admin,dc=nodomain}" "slapd: $dn binds over 127.0.0.1 with the generated password"
out=$(in_boot ldapwhoami -x -o nettimeout=10 -H ldap://127.0.0.1 -D "${dn:-cn=admin,dc=nodomain}" -w not-the-password 2>&1)
case "$out" in *"Invalid credentials"*) ok 0 "slapd refuses a wrong rootdn password";; *) ok 1 "slapd refuses a wrong rootdn password (got: $out)";; esac
# snmpd: the generated community answers on loopback; Debian's 'public' does not
out=$(in_boot snmpget -v2c -c "$(secret snmpd.community)" -t 2 -r 1 -Oqv 127.0.0.1 .1.3.6.1.2.1.1.5.0 2>"$S/snmpget.err"; cat "$S/snmpget.err" | grep -v '^Created directory')
is "$out" '"hk-boot"' "snmpd: the generated community reads sysName.0 over 127.0.0.1"
out=$(in_boot snmpget -v2c -c public -t 2 -r 0 -Oqv 127.0.0.1 .1.3.6.1.2.1.1.5.0 2>&1)
case "$out" in *Timeout*) ok 0 "snmpd ignores the community 'public'";; *) ok 1 "snmpd ignores the community 'public' (got: $out)";; esac

# mosquitto: explicit loopback listeners (gen) make mosquitto 2.0 refuse anonymous clients;
# first boot made the account "mosquitto" (password_file), which logs in with its secret.
out=$(in_boot timeout 10 mosquitto_sub -h 127.0.0.1 -p 1883 -t '$SYS/broker/version' -C 1 -W 5 2>&1)
case "$out" in *"not authorised"*) ok 0 "mosquitto refuses an anonymous client ($out)";; *) ok 1 "mosquitto refuses an anonymous client (got: $out)";; esac
# the password goes through mosquitto_pub's options file (printf is a shell builtin: no argv)
out=$(in_boot sh -c 'd=$(mktemp -d) && umask 077 &&
	printf -- "-u mosquitto\n-P %s\n" "$(cat /etc/credstore/mosquitto.password)" > "$d/mosquitto_pub" &&
	XDG_CONFIG_HOME=$d timeout 10 mosquitto_pub -h 127.0.0.1 -p 1883 -t hk/boot -m hello 2>&1; echo "exit $?"; rm -rf "$d"')
is "$(echo "$out" | tail -n 1)" "exit 0" "mosquitto: the generated account publishes ($(echo "$out" | head -n 1))"

# memcached, haproxy and lighttpd run as their own users from the start (no capability at all):
# they still serve, and no process of theirs is root. lighttpd has port 8081 here (coinstall),
# 80 in the package: its socket unit binds it either way.
unit_users() { # UNIT: the owners of the processes in its cgroup (the root has no ps)
	in_boot sh -c 'for p in /proc/[0-9]*; do grep -qs "/$1\$" "$p/cgroup" && stat -c %U "$p"; done' sh "$1" 2>/dev/null |
		sort -u | paste -sd' '; }
out=$(in_boot sh -c "printf 'stats\r\nquit\r\n' | timeout 10 socat -t 5 - TCP4:127.0.0.1:11211" 2>&1 | grep -c '^STAT')
[ "$out" -gt 10 ]
ok $? "memcached answers 'stats' on 127.0.0.1:11211 ($out STAT lines)"
is "$(unit_users memcached.service)" "memcache" "memcached.service: every process runs as memcache"
out=$(in_boot sh -c "echo 'show proc' | timeout 10 socat -t 5 - UNIX-CONNECT:/run/haproxy/master.sock" 2>&1)
echo "$out" | grep -q '^[0-9]* *master'
ok $? "haproxy's master CLI answers 'show proc' on /run/haproxy/master.sock ($(echo "$out" | grep -c worker) worker line)"
out=$(in_boot sh -c "echo 'show info' | timeout 10 socat -t 5 - UNIX-CONNECT:/run/haproxy/admin.sock" 2>&1 | grep '^Name:')
is "$out" "Name: HAProxy" "haproxy's stats socket answers 'show info' on /run/haproxy/admin.sock"
is "$(unit_users haproxy.service)" "haproxy" "haproxy.service: master and workers run as haproxy"
for a in TCP4:127.0.0.1 'TCP6:[::1]'; do
	out=$(in_boot sh -c "printf 'HEAD / HTTP/1.0\r\n\r\n' | timeout 10 socat -t 5 - $a:8081" 2>&1 | tr -d '\r' | grep '^Server:')
	is "$out" "Server: lighttpd/1.4.69" "lighttpd answers HTTP on $a:8081 through the sockets lighttpd.socket passed"
done
out=$(in_boot ss -ltnpH 'sport = :8081' | grep -c 'lighttpd')
is "$out" 2 "lighttpd holds the two sockets systemd bound (ss -ltnp)"
is "$(unit_users lighttpd.service)" "www-data" "lighttpd.service: runs as www-data"
# nginx takes 127.0.0.1:80 and [::1]:80 from nginx.socket (its NGINX variable): no root master
for a in TCP4:127.0.0.1 'TCP6:[::1]'; do
	out=$(in_boot sh -c "printf 'HEAD / HTTP/1.0\r\n\r\n' | timeout 10 socat -t 5 - $a:80" 2>&1 | tr -d '\r' | grep '^Server:')
	is "$out" "Server: nginx/1.22.1" "nginx answers HTTP on $a:80 through the sockets nginx.socket passed"
done
is "$(in_boot ss -ltnpH 'sport = :80' | grep -c '"nginx"')" 2 "nginx holds the two sockets systemd bound (ss -ltnp)"
is "$(unit_users nginx.service)" "www-data" "nginx.service: master and workers run as www-data"
# unbound takes its DNS sockets and control socket from unbound.socket: a query for localhost.
# (one of unbound's built-in local zones: no upstream needed) over UDP and TCP, and
# unbound-control over /run/unbound.ctl
dnsq='\022\064\001\000\000\001\000\000\000\000\000\000\011localhost\000\000\001\000\001'
for t in UDP4:127.0.0.1 'UDP6:[::1]' TCP4:127.0.0.1 'TCP6:[::1]'; do
	case $t in TCP*) q="\000\033$dnsq" ;; *) q=$dnsq ;; esac   # DNS over TCP: a 2-byte length first
	hex=$(in_boot sh -c "printf '$q' | timeout 10 socat -t 1 - $t:53 | od -An -tx1 | tr -d ' \n'" 2>&1)
	case $t in TCP*) hex=${hex#????} ;; esac
	case $hex in 1234*) ;; *) hex=bad-$hex ;; esac
	# ANCOUNT 1 (bytes 7-8) and the answer's address 127.0.0.1 at the end
	[ "$(echo "$hex" | cut -c13-16)" = 0001 ] && [ "${hex%7f000001}" != "$hex" ]
	ok $? "unbound answers localhost. A with 127.0.0.1 on $t:53 through the socket unbound.socket passed ($hex)"
done
out=$(in_boot unbound-control status 2>&1)
echo "$out" | grep -q 'is running'
ok $? "unbound-control reaches unbound over /run/unbound.ctl, passed by unbound.socket ($(echo "$out" | grep -m1 'is running'))"
is "$(in_boot stat -c '%U %G %a' /run/unbound.ctl 2>&1)" "unbound unbound 660" "/run/unbound.ctl is unbound:unbound 0660, not systemd's default 0666"
is "$(unit_users unbound.service)" "unbound" "unbound.service: runs as unbound"
# avahi-daemon runs as avahi from the start, owns its D-Bus name and /run/avahi-daemon
out=$(in_boot busctl call org.freedesktop.Avahi / org.freedesktop.Avahi.Server GetVersionString 2>&1)
is "$out" 's "avahi 0.8"' "avahi-daemon answers on D-Bus as org.freedesktop.Avahi (GetVersionString)"
is "$(unit_users avahi-daemon.service)" "avahi" "avahi-daemon.service: runs as avahi (no chroot helper left as root)"
is "$(in_boot stat -c '%U %G' /run/avahi-daemon 2>&1)" "avahi avahi" "/run/avahi-daemon is avahi's (hardenkit's tmpfiles.d line)"
is "$(listeners | awk '$3 == "avahi-daemon.service" { print $1, $2 }' | sort | paste -sd' ')" "udp 0.0.0.0:5353 udp [::]:5353" \
	"avahi-daemon holds the mDNS sockets it declares public (udp 5353, IPv4 and IPv6)"
# A restart stops the daemon (the sockets are passed non-blocking: unbound took its control
# socket blocking and sat in accept(2), deaf to SIGTERM) and passes the same sockets again; for
# a non-root daemon with its pid file in /run (lighttpd, nginx), systemd deletes the file at
# stop and the unit makes it again before the next start.
for u in unbound lighttpd nginx avahi-daemon; do
	in_boot timeout 30 systemctl restart $u.service
	ok $? "systemctl restart $u.service completes (bounded: 30 s)" ||
		in_boot journalctl -b --no-pager -o cat -u $u.service 2>/dev/null | tail -n 8 | sed 's/^/#   /'
done
out=$(in_boot unbound-control status 2>&1)
echo "$out" | grep -q 'is running'
ok $? "after the restart unbound-control reaches unbound again over the same /run/unbound.ctl"
out=$(in_boot sh -c "printf 'HEAD / HTTP/1.0\r\n\r\n' | timeout 10 socat -t 5 - TCP4:127.0.0.1:8081" 2>&1 | tr -d '\r' | grep '^Server:')
is "$out" "Server: lighttpd/1.4.69" "after the restart lighttpd answers on 127.0.0.1:8081 again"
out=$(in_boot sh -c "printf 'HEAD / HTTP/1.0\r\n\r\n' | timeout 10 socat -t 5 - TCP4:127.0.0.1:80" 2>&1 | tr -d '\r' | grep '^Server:')
is "$out" "Server: nginx/1.22.1" "after the restart nginx answers on 127.0.0.1:80 again"
# a reload makes the nginx master reread its configuration and keep the inherited sockets
workers() { in_boot sh -c 'for p in /proc/[0-9]*; do grep -qas "[n]ginx: worker" "$p/cmdline" && echo "${p#/proc/}"; done' | sort | paste -sd' '; }
old_workers=$(workers)
in_boot timeout 30 systemctl reload nginx.service
ok $? "systemctl reload nginx.service completes"
_i=0; while [ $_i -lt 50 ] && [ "$(workers)" = "$old_workers" ]; do sleep 0.1; _i=$((_i + 1)); done
out=$(in_boot sh -c "printf 'HEAD / HTTP/1.0\r\n\r\n' | timeout 10 socat -t 5 - TCP6:[::1]:80" 2>&1 | tr -d '\r' | grep '^Server:')
is "$out" "Server: nginx/1.22.1" "after the reload (workers $old_workers, now $(workers)) nginx answers on [::1]:80"
out=$(in_boot busctl call org.freedesktop.Avahi / org.freedesktop.Avahi.Server GetVersionString 2>&1)
is "$out" 's "avahi 0.8"' "after the restart avahi-daemon answers on D-Bus again"
in_boot test -S /run/avahi-daemon/socket
ok $? "after the restart avahi-daemon.socket's /run/avahi-daemon/socket is still there"
# snmpd takes 127.0.0.1:161 and [::1]:161 from snmpd.socket and runs as Debian-snmp; its AgentX
# socket stays its own, in its RuntimeDirectory
out=$(in_boot snmpget -v2c -c "$(secret snmpd.community)" -t 2 -r 1 -Oqv udp6:[::1]:161 .1.3.6.1.2.1.1.5.0 2>&1 | grep -v '^Created directory')
is "$out" '"hk-boot"' "snmpd: the generated community reads sysName.0 over [::1] too (the socket snmpd.socket passed)"
is "$(unit_users snmpd.service)" "Debian-snmp" "snmpd.service: runs as Debian-snmp"
is "$(in_boot stat -c '%U %F' /run/agentx/master 2>&1)" "Debian-snmp socket" "snmpd binds its AgentX master socket /run/agentx/master itself"

# --- sockets ---------------------------------------------------------------------------------
lst=$(listeners)
# The public listeners the manifests declare, with a reason (avahi's mDNS): PROTO PORT UNIT.
# (The bundled manifests write each listener on one line.)
declared=$(for m in $manifests; do
	u=$(awk -F'\t' -v n="$m" '$1 == n { print $2 }' "$S/list")
	grep 'scope = "public"' "packages/$m.conf" | sed -n "s/.*proto = \"\([a-z]*\)\"; port = \([0-9]*\);.*/\1 \2 $u/p"
done)
undeclared=$(echo "$lst" | while read -r pr a u; do
	[ -n "$pr" ] || continue
	echo "$declared" | grep -qx "$pr ${a##*:} $u" || echo "$pr $a $u"
done)
is "$undeclared" "" "hardened: ss -ltnH and ss -lunH show only loopback listeners (and unix sockets), besides those declared public: $(echo $declared)"
in_boot ss -ltnH > "$S/hard/ss-tcp"; in_boot ss -lunH > "$S/hard/ss-udp"
note "$(wc -l < "$S/hard/ss-tcp") TCP and $(wc -l < "$S/hard/ss-udp") UDP listeners, $(in_boot ss -lxH | wc -l) unix"

# --- a remote host on a veth pair ------------------------------------------------------------
boot_remote "$remote" 198.51.100.2 198.51.100.1 fd00:b007::2 fd00:b007::1
ok $? "a namespace acting as a remote host joins the boot by a veth pair (198.51.100.0/24, fd00:b007::/64)"
wait_listen() { # NS-CMD PORT: bounded wait (10 s) for a TCP listener
	_i=0; while [ $_i -lt 100 ]; do
		[ -n "$($1 ss -ltnH "sport = :$2" 2>/dev/null)" ] && return 0; sleep 0.1; _i=$((_i + 1)); done; return 1; }

# egress: a listener at 198.51.100.2:7007 writes what it receives to a file
: > "$S/remote-got"
(ip netns exec "$remote" socat -u TCP4-LISTEN:7007,reuseaddr,fork OPEN:"$S/remote-got",append >/dev/null 2>&1 </dev/null &)
wait_listen "ip netns exec $remote" 7007
ok $? "the remote host listens on 198.51.100.2:7007"
relay() { echo "$1" | in_boot socat -t3 -T5 - TCP4:127.0.0.1:7008,connect-timeout=5 >/dev/null 2>&1; }
got() { # WORD: bounded wait (10 s) for WORD to reach the remote listener
	_i=0; while [ $_i -lt 100 ]; do grep -q "$1" "$S/remote-got" && return 0; sleep 0.1; _i=$((_i + 1)); done; return 1; }
relay probe-hardened
_i=0   # the relay gives up after connect-timeout=5: wait for its verdict, 15 s at most
while [ $_i -lt 30 ]; do
	err=$(in_boot journalctl -b 0 --no-pager -o cat -u egress-probe.service 2>/dev/null | grep -m1 'E connect.*198\.51\.100\.2:7007')
	[ -n "$err" ] && break; sleep 0.5; _i=$((_i + 1))
done
[ -n "$err" ]
ok $? "egress: the probe's connection to 198.51.100.2:7007 failed inside its unit (${err#* E })"
! grep -q probe-hardened "$S/remote-got"
ok $? "egress: so nothing the probe relayed under its generated unit (no egress declared) reached 198.51.100.2:7007"
exec_line=$(in_boot systemctl show -p ExecStart --value egress-probe.service | sed -n 's/.*argv\[\]=\([^;]*\) ;.*/\1/p')
in_boot systemctl stop egress-probe.service
# shellcheck disable=SC2086
in_boot systemd-run --quiet --unit=egress-probe-plain -p User=nobody -p Group=nogroup $exec_line >/dev/null 2>&1
wait_listen in_boot_net 7008
relay probe-plain
got probe-plain
ok $? "egress: the same command line under a plain systemd-run reaches 198.51.100.2:7007"
in_boot systemctl stop egress-probe-plain.service 2>/dev/null

# firewall: port 7010 is declared by no manifest
is "$(unit_state nftables.service)" "active/exited" "firewall: nftables.service ran"
in_boot nft list table inet hardenkit > "$S/hard/ruleset" 2>&1
ok $? "firewall: the table inet hardenkit is loaded in the booted system"
in_boot systemd-run --quiet --unit=hk-fw-listener socat TCP6-LISTEN:7010,ipv6only=0,reuseaddr,fork SYSTEM:'echo hello-7010' >/dev/null 2>&1
wait_listen in_boot_net 7010
ok $? "firewall: a listener on *:7010 runs inside the booted system"
fetch() { timeout 10 "$@" socat -t2 -T3 - "$ADDR,connect-timeout=3" < /dev/null 2>/dev/null; }
ADDR=TCP4:127.0.0.1:7010; is "$(fetch nsenter -t "$boot_pid" -a)" "hello-7010" "firewall: it answers on the boot's own loopback"
ADDR=TCP4:198.51.100.1:7010; is "$(fetch ip netns exec "$remote")" "" "firewall: the remote host cannot reach 198.51.100.1:7010"
ADDR="TCP6:[fd00:b007::1]:7010"; is "$(fetch ip netns exec "$remote")" "" "firewall: the remote host cannot reach [fd00:b007::1]:7010"

# --- scores ----------------------------------------------------------------------------------
while IFS="$(printf '\t')" read -r u off; do
	on=$(online_score "$u")
	is "$on" "$off" "exposure of $u inside the boot equals the offline score ($off)"
	printf '%s\t%s\t%s\n' "$u" "$off" "$on" >> "$S/hard/scores"
done < "$S/offline.tsv"

# the table's hardened column
for u in $units; do
	printf '%s\t%s\t%s\n' "$u" "$(unit_state "$u")" "$(online_score "$u")"
done > "$S/hard/table"
lst_hard=$lst
ncred_hard=$(in_boot sh -c 'ls /etc/credstore 2>/dev/null | wc -l')

# positive control for the firewall check: without the ruleset the remote host gets through
in_boot systemctl stop nftables.service
ADDR=TCP4:198.51.100.1:7010; is "$(fetch ip netns exec "$remote")" "hello-7010" "control: once nftables.service is stopped (ruleset flushed), the remote host reaches :7010"
ADDR="TCP6:[fd00:b007::1]:7010"; is "$(fetch ip netns exec "$remote")" "hello-7010" "control: and [fd00:b007::1]:7010 too"
boot_stop
boot_cleanup_all

# --- stock: Debian's packages only -----------------------------------------------------------
T=$S/stock/upper
mkdir -p "$T"
coinstall "$T" "$root"
ok $? "co-installation: the stock apache2 listens on 8080, lighttpd on 8081, nginx keeps 80"
note "booting the stock root"
boot_start stock "$root" "$T" "$S/stock"
ok $? "systemd boots the stock root (host PID $boot_pid)"
state=$(boot_settle 180); settle_more
ok $? "the stock boot settles ($state)"
in_boot journalctl -b --no-pager > "$S/stock/journal" 2>&1
lst_stock=$(listeners)
echo "$lst_stock" | grep -q -E '^tcp (0\.0\.0\.0|\*|\[::\]):80 nginx.service$'
ok $? "stock: nginx listens on :80 on every interface"
echo "$lst_stock" | grep -q -E '^tcp (0\.0\.0\.0|\*|\[::\]):22 ssh.service$'
ok $? "stock: sshd listens on :22 on every interface"
sc=$(online_score nginx.service)
awk -v s="$sc" 'BEGIN { exit !(s + 0 >= 9.0) }'
ok $? "stock: nginx.service exposure is $sc (>= 9.0)"
in_boot test -e /etc/credstore
ok $((! $?)) "stock: no credentials were generated (no /etc/credstore)"
is "$(in_boot redis-cli -h 127.0.0.1 ping 2>&1)" "PONG" "stock: redis answers without AUTH"
for u in $units; do
	printf '%s\t%s\t%s\n' "$u" "$(unit_state "$u")" "$(online_score "$u")"
done > "$S/stock/table"
ncred_stock=0
boot_stop

# the cache is only ever the overlay's lower layer
[ ! -e "$root/etc/credstore" ] && [ ! -e "$root/etc/nftables.d/hardenkit" ] && [ ! -e "$root/usr/local/bin/hardenkit" ]
ok $? "the cached root is untouched by both boots"

# --- before / after --------------------------------------------------------------------------
pubs() { echo "$1" | awk -v u="$2" '$3 == u { print $2 }' | paste -sd' '; }
note ""
note "before (Debian's packages) / after (hardenkit): state, exposure, non-loopback listeners"
printf '# %-28s %-15s %4s %-34s| %-15s %4s %s\n' unit stock-state exp stock-public hardened-state exp hardened-public
while IFS="$(printf '\t')" read -r u st sc; do
	h=$(awk -F'\t' -v u="$u" '$1 == u' "$S/hard/table")
	hst=$(echo "$h" | cut -f2); hsc=$(echo "$h" | cut -f3)
	printf '# %-28s %-15s %4s %-34s| %-15s %4s %s\n' "$u" "$st" "$sc" "$(pubs "$lst_stock" "$u")" \
		"$hst" "$hsc" "$(pubs "$lst_hard" "$u")"
done < "$S/stock/table"
note "non-loopback listeners: stock $(echo "$lst_stock" | grep -c .), hardened $(echo "$lst_hard" | grep -c .); credentials in /etc/credstore: stock $ncred_stock, hardened $ncred_hard"
[ -n "$workarounds" ] && note "workarounds applied to the copy:$workarounds"
done_testing
