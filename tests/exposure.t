#!/bin/sh
# The exposure score against its oracle: for every service unit of real Debian 12 packages (the
# manifests' packages and more), alone and with the drop-ins `hardenkit gen` adds, and of a root
# of hand-made units that exercise systemd's merge rules and each setting's parser,
# `hardenkit exposure --root` must print what `systemd-analyze security --offline=true --root`
# prints as "Overall exposure level", within 0.1. One line per unit; a unit systemd refuses
# (masked) must be refused by both.
. "${HK_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
cd "$HK_SRCDIR" || exit 1

if ! command -v systemd-analyze > /dev/null; then
	ok 1 "systemd-analyze is installed (tools/install-deps test)"
	done_testing
	exit 1
fi
note "oracle: $(systemd-analyze --version | head -n 1)"
scratch tmp

# The system call groups are systemd's own table, as the installed systemd prints it.
tools/gen-exposure-syscalls "$tmp/syscalls.h" && cmp -s lint/exposure-syscalls.h "$tmp/syscalls.h"
ok $? "lint/exposure-syscalls.h equals what the installed systemd's syscall-filter prints"

total=0 mismatches=0 row_mismatches=0
# checks FILE: "CHECK BADNESS" lines, sorted, from systemd-analyze's table (SYSTEMD_ANALYZE_DEBUG=1
# shows weight, badness and range; a check that does not apply shows no mark and 2^64-1)
sa_checks() {
	awk 'NF > 4 && $0 !~ /Overall exposure/ && $0 !~ /^ *NAME / {
		name = ($1 ~ /=/) ? $1 : $2; n = NF; if ($n ~ /\./) n--
		b = $(n - 1); if (b == "18446744073709551615") b = "n/a"; print name, b }' "$1" | sort
}
# compare ROOT LABEL [ROWS]: one ok line per .service in the root's unit directories; with ROWS
# a second one saying every check's badness agrees (else row mismatches are only counted)
compare() {
	root=$1 label=$2 rows=${3:-}
	for d in etc/systemd/system run/systemd/system lib/systemd/system usr/lib/systemd/system; do
		[ -d "$root/$d" ] && find "$root/$d" -maxdepth 1 -name '*.service' \( -type f -o -type l \) -printf '%f\n'
	done | sort -u > "$tmp/units"
	while read -r unit; do
		SYSTEMD_ANALYZE_DEBUG=1 systemd-analyze security --offline=true --root="$root" "$unit" > "$tmp/sa" 2> /dev/null
		sa=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$tmp/sa")
		"$HARDENKIT" exposure --detail --root "$root" "$unit" > "$tmp/hk" 2> "$tmp/hk.err"
		hk_status=$?
		hk=$(head -n 1 "$tmp/hk" | cut -f2)
		total=$((total + 1))
		if [ -z "$sa" ]; then
			[ "$hk_status" -eq 2 ] && [ -z "$hk" ]
			same=$?
			ok $same "$label: $unit: systemd-analyze refuses it, and so does hardenkit ($(head -c 80 "$tmp/hk.err"))"
			[ "$same" -eq 0 ] || mismatches=$((mismatches + 1))
			continue
		fi
		# exit status 0 too: under SANITIZE=1 a leak or an error report makes it non-zero
		[ "$hk_status" -eq 0 ] &&
			awk -v a="$sa" -v b="$hk" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b != "" && d <= 0.1001) }'
		same=$?
		ok $same "$label: $unit: hardenkit ${hk:-(none)}, systemd-analyze $sa"
		[ "$same" -eq 0 ] || mismatches=$((mismatches + 1))
		sa_checks "$tmp/sa" > "$tmp/sa.rows"
		tail -n +2 "$tmp/hk" | awk -F '\t' '{ b = $3; if (b != "n/a") sub(/\/.*/, "", b); print $2, b }' | sort > "$tmp/hk.rows"
		if diff "$tmp/hk.rows" "$tmp/sa.rows" > "$tmp/rows.diff"; then same=0; else same=1; fi
		[ "$same" -eq 0 ] || { row_mismatches=$((row_mismatches + 1)); sed 's/^/#   /' "$tmp/rows.diff"; }
		[ -z "$rows" ] || ok $same "$label: $unit: each of the $(wc -l < "$tmp/sa.rows") checks has systemd's badness"
	done < "$tmp/units"
}

# ---- hand-made units: merge rules and parsers ----
syn=$tmp/syn
unit() { # unit PATH-BELOW-ROOT: the unit text on stdin, after a [Service] with ExecStart=
	mkdir -p "$(dirname "$syn/$1")"
	cat > "$syn/$1"
}
lib=lib/systemd/system etc=etc/systemd/system
# a type-level drop-in: applies to every unit of the root, both tools must see it
printf '[Service]\nLockPersonality=yes\n' | unit $lib/service.d/99-all.conf
printf '[Service]\nExecStart=/bin/true\nPrivateNetwork=no\n' | unit $lib/syn-dropin.service
printf '[Service]\nPrivateNetwork=yes\n' | unit $lib/syn-dropin.service.d/10-net.conf
printf '[Service]\nProtectSystem=strict\n' | unit $etc/syn-dropin.service.d/10-net.conf # masks the /lib one
printf '[Service]\nProtectHome=yes\n' | unit $lib/syn-dropin.service.d/20-home.conf
printf '[Service]\nProtectHome=read-only\n' | unit $lib/syn-dropin.service.d/05-home.conf # earlier name: overridden
printf '[Service]\nExecStart=/bin/true\n' | unit $lib/syn-prefix-a.service
printf '[Service]\nPrivateNetwork=yes\nUser=pfx\n' | unit $lib/syn-prefix-.service.d/50.conf
printf '[Service]\nExecStart=/bin/true\n' | unit $lib/syn-devnull.service
printf '[Service]\nPrivateNetwork=yes\n' | unit $lib/syn-devnull.service.d/20-net.conf
mkdir -p "$syn/$etc/syn-devnull.service.d" && ln -s /dev/null "$syn/$etc/syn-devnull.service.d/20-net.conf"
printf '[Service]\nExecStart=/bin/true\nUser=%%i\n' | unit $lib/syn-tmpl@.service
printf '[Service]\nPrivateTmp=yes\nSupplementaryGroups=adm\n' | unit $lib/syn-tmpl@.service.d/10.conf
printf '[Service]\nExecStart=/bin/true\n' | unit $lib/syn-real.service
ln -s syn-real.service "$syn/$lib/syn-alias.service"
printf '[Service]\nPrivateNetwork=yes\n' | unit $lib/syn-alias.service.d/10.conf
printf '[Service]\nExecStart=/bin/true\nUser=u\n' | unit $lib/syn-masked.service
ln -s /dev/null "$syn/$etc/syn-masked.service"
cat << 'EOF' | unit $lib/syn-caps-reset.service
[Service]
ExecStart=/bin/true
CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_ADMIN
CapabilityBoundingSet=
CapabilityBoundingSet=~CAP_SYS_PTRACE
EOF
cat << 'EOF' | unit $lib/syn-caps.service
[Service]
ExecStart=/bin/true
User=nobody
CapabilityBoundingSet=~CAP_SYS_ADMIN cap_sys_ptrace
CapabilityBoundingSet=~CAP_KILL
AmbientCapabilities=CAP_NET_BIND_SERVICE
EOF
cat << 'EOF' | unit $lib/syn-caps-cont.service
[Service]
ExecStart=/bin/true
User=svc
CapabilityBoundingSet=CAP_NET_ADMIN \
# a comment inside a continuation
  CAP_SYS_ADMIN
ProtectKernelModules=yes
ProtectKernelLogs=yes
EOF
printf '[Service]\nExecStart=/bin/true\nRestrictNamespaces=~user net\nRestrictNamespaces=pid\n' | unit $lib/syn-ns1.service
printf '[Service]\nExecStart=/bin/true\nRestrictNamespaces=yes\nRestrictNamespaces=cgroup ipc\n' | unit $lib/syn-ns2.service
printf '[Service]\nExecStart=/bin/true\nRestrictNamespaces=~\nRestrictNamespaces=bogus\n' | unit $lib/syn-ns3.service
printf '[Service]\nExecStart=/bin/true\nRestrictNamespaces=mnt\nRestrictNamespaces=\n' | unit $lib/syn-ns4.service
printf '[Service]\nExecStart=/bin/true\nRestrictAddressFamilies=none\nRestrictAddressFamilies=AF_UNIX AF_LOCAL AF_NETLINK\n' | unit $lib/syn-af1.service
printf '[Service]\nExecStart=/bin/true\nRestrictAddressFamilies=~AF_PACKET AF_INET6 AF_BOGUS\n' | unit $lib/syn-af2.service
printf '[Service]\nExecStart=/bin/true\nRestrictAddressFamilies=AF_INET AF_INET6\nRestrictAddressFamilies=~AF_INET6\n' | unit $lib/syn-af3.service
printf '[Service]\nExecStart=/bin/true\nRestrictAddressFamilies=none\n' | unit $lib/syn-af4.service
printf '[Service]\nExecStart=/bin/true\nRestrictAddressFamilies=AF_UNIX AF_BLUETOOTH\nRestrictAddressFamilies=\n' | unit $lib/syn-af5.service
cat << 'EOF' | unit $lib/syn-sc1.service
[Service]
ExecStart=/bin/true
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallArchitectures=native x86
EOF
cat << 'EOF' | unit $lib/syn-sc2.service
[Service]
ExecStart=/bin/true
SystemCallFilter=~@mount @swap @clock:EPERM
SystemCallArchitectures=native
EOF
printf '[Service]\nExecStart=/bin/true\nSystemCallFilter=@system-service\nSystemCallFilter=\nSystemCallFilter=~@debug\n' | unit $lib/syn-sc3.service
printf '[Service]\nExecStart=/bin/true\nSystemCallFilter=@system-service @mount:EPERM\nSystemCallArchitectures=x86-64\n' | unit $lib/syn-sc4.service
printf '[Service]\nExecStart=/bin/true\nSystemCallFilter=@basic-io @network-io\nSystemCallErrorNumber=EPERM\n' | unit $lib/syn-sc5.service
printf '[Service]\nExecStart=/bin/true\nSystemCallFilter=~@obsolete @cpu-emulation @reboot @module @raw-io @debug @swap @clock @mount @privileged @resources\n' | unit $lib/syn-sc6.service
printf '[Service]\nExecStart=/bin/true\nIPAddressDeny=any\nIPAddressAllow=localhost\n' | unit $lib/syn-ip1.service
printf '[Service]\nExecStart=/bin/true\nIPAddressDeny=0.0.0.0/0 ::/0\nIPAddressAllow=10.0.0.0/8 127.0.0.1\n' | unit $lib/syn-ip2.service
printf '[Service]\nExecStart=/bin/true\nIPAddressDeny=0.0.0.0/0\n' | unit $lib/syn-ip3.service
printf '[Service]\nExecStart=/bin/true\nIPAddressDeny=any\nIPAddressAllow=::1/64\n' | unit $lib/syn-ip4.service
printf '[Service]\nExecStart=/bin/true\nIPAddressDeny=any\nIPAddressAllow=127.0.0.0/8 ::1\nIPAddressDeny=\n' | unit $lib/syn-ip5.service
printf '[Service]\nExecStart=/bin/true\nIPAddressDeny=any\nIPAddressAllow=link-local\n' | unit $lib/syn-ip6.service
printf '[Service]\nExecStart=/bin/true\nPrivateDevices=yes\nProtectClock=yes\n' | unit $lib/syn-dev1.service
printf '[Service]\nExecStart=/bin/true\nDevicePolicy=strict\nDeviceAllow=/dev/null rw\n' | unit $lib/syn-dev2.service
printf '[Service]\nExecStart=/bin/true\nPrivateDevices=yes\n' | unit $lib/syn-dev3.service
printf '[Service]\nExecStart=/bin/true\nDevicePolicy=closed\nDeviceAllow=bogus rw\nDeviceAllow=/dev/null rwx\nDeviceAllow=/sys/x\n' | unit $lib/syn-dev4.service
printf '[Service]\nExecStart=/bin/true\nDevicePolicy=closed\nDeviceAllow=char-pts rw\n' | unit $lib/syn-dev5.service
printf '[Service]\nExecStart=/bin/true\nDynamicUser=yes\nProtectHome=tmpfs\n' | unit $lib/syn-dyn1.service
printf '[Service]\nExecStart=/bin/true\nDynamicUser=yes\n' | unit $lib/nobody.service
printf '[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/true\nRootDirectory=/srv/x\nPrivateTmp=yes\n' | unit $lib/syn-nodeps.service
printf '[Service]\nExecStart=/bin/true\nRootDirectory=/\nProtectHome=read-only\nProtectSystem=full\n' | unit $lib/syn-rootdir.service
cat << 'EOF' | unit $lib/syn-misc.service
[Service]
ExecStart=/bin/true
User=svc
UMask=0077
KeyringMode=shared
ProtectProc=invisible
ProcSubset=pid
NotifyAccess=all
Delegate=cpu memory
RemoveIPC=yes
MemoryDenyWriteExecute=yes
ProtectHostname=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
PrivateUsers=yes
PrivateMounts=yes
ProtectControlGroups=yes
ProtectKernelTunables=yes
EOF
cat << 'EOF' | unit $lib/syn-empty.service
[Service]
ExecStart=/bin/true
PrivateTmp=yes
PrivateTmp=
NoNewPrivileges=yes
ProtectSystem=full
ProtectSystem=
ProtectHome=yes
ProtectHome=
KeyringMode=shared
KeyringMode=
NotifyAccess=all
NotifyAccess=
UMask=0027
UMask=999
User=svc
User=
EOF
printf '[Service]\nNoNewPrivileges=\nProtectProc=noaccess\nUMask=0007\n' | unit $lib/syn-empty.service.d/10.conf
printf '[Service]\nExecStart=/bin/true\nProtectProc=invisible\nProtectProc=\nProcSubset=pid\nProcSubset=\nDevicePolicy=strict\nDevicePolicy=\n' | unit $lib/syn-empty2.service
printf '[Service]\nExecStart=/bin/true\nUser=0\nSupplementaryGroups=adm\nRemoveIPC=yes\n' | unit $lib/syn-root.service
printf '[Service]\nExecStart=/bin/true\nUser=%%p\nDelegate=no\nDelegate=\n' | unit $lib/syn-user-spec.service
# lines systemd skips (no '=') and lines it refuses the unit for (a bad header, not UTF-8)
printf '[Service]\nExecStart=/bin/true\nGarbage\n=x\nPrivateNetwork=yes\n' | unit $lib/syn-skip.service
printf '[Service\nExecStart=/bin/true\n' | unit $lib/syn-bad-header.service
printf '[Service]\nExecStart=/bin/true\nRootDirectory=relative\n' | unit $lib/syn-bad-rootdir.service
printf '[Service]\nExecStart=/bin/true\nUser=\377\376\n' | unit $lib/syn-bad-utf8.service
compare "$syn" "hand-made" rows

# a merged-/usr tree (/lib a link to usr/lib, as debootstrap makes): one directory under two
# names, aliases through the link, drop-ins for the alias and the unit in /etc
m=$tmp/merged
mkdir -p "$m/usr/lib/systemd/system/m-alias.service.d" "$m/etc/systemd/system/m-real.service.d"
ln -s usr/lib "$m/lib"
printf '[Service]\nExecStart=/bin/true\n' > "$m/usr/lib/systemd/system/m-real.service"
ln -s /lib/systemd/system/m-real.service "$m/usr/lib/systemd/system/m-alias.service"
ln -s /lib/systemd/system/m-real.service "$m/etc/systemd/system/m-other.service"
printf '[Service]\nPrivateNetwork=yes\n' > "$m/usr/lib/systemd/system/m-alias.service.d/10.conf"
printf '[Service]\nUser=svc\n' > "$m/etc/systemd/system/m-real.service.d/20.conf"
compare "$m" "merged-usr" rows

# ---- real Debian 12 packages ----
# the manifests' packages, and more servers and system services (many of them sandboxed)
pkgs="$(grep -h '^[[:space:]]*packages' packages/*.conf | grep -o '"[^"]*"' | tr -d '"' | sort -u | tr '\n' ' ')"
pkgs="$pkgs systemd systemd-timesyncd systemd-resolved dbus cron rsyslog udisks2 polkitd upower
	accountsservice modemmanager tor fail2ban ntpsec openvpn fwupd rtkit colord irqbalance
	smartmontools lldpd knot-resolver"
# shellcheck disable=SC2086
set -- $pkgs
if ! tools/debian-root "$tmp/deb" "$@" 2> "$tmp/fetch.err"; then
	echo "#"
	echo "# !!! could not download or unpack the Debian 12 packages this test compares; it FAILS:"
	sed 's/^/#     /' "$tmp/fetch.err"
	echo "#"
	ok 1 "downloaded and unpacked $# Debian 12 packages"
	done_testing
	exit 1
fi
ok 0 "downloaded and unpacked $# Debian 12 packages"
cp -a "$tmp/deb" "$tmp/gen"
"$HARDENKIT" gen -o "$tmp/gen" packages/*.conf > "$tmp/gen.out" 2>&1
ok $? "hardenkit gen wrote the hardened drop-ins of every manifest into a copy of the tree"

compare "$tmp/deb" "debian"
compare "$tmp/gen" "debian+gen"
note "$total units compared, $mismatches mismatches; units with a check that differs: $row_mismatches"
[ "$row_mismatches" -eq 0 ]
ok $? "every check of every unit has systemd's badness ($row_mismatches units differ)"
[ "$total" -ge 300 ]
ok $? "at least 300 units compared ($total)"

done_testing
