#!/bin/bash
# observe.t: `hardenkit observe` on real Debian 12 packages (issue 18), each installed with apt
# into an overlay of a cached debootstrap root (tools/boot-root), its dependencies from a local
# directory (tools/observe-fetch), booted under systemd with a recording peer as its only link:
#   dnsmasq   listens on the wildcard by default (udp 0.0.0.0:53)       -> listen-public
#   memcached listens on loopback only (-l 127.0.0.1 in /etc/memcached.conf) -> no listen-public
#   tang      socket-activated on port 80 (tangd.socket, enabled by its postinst) -> listen-public
#   chrony    resolves its pool (2.debian.pool.ntp.org) at start          -> phone-home
#   radvd     needs /etc/radvd.conf (ConditionPathExists) and does not start -> observed-not-started
#   hk-egress-control, a package built here: a service it ships but does not enable that opens
#   a TCP connection to a name, and a timer whose service sends a datagram to another name: the
#   control that proves the egress watcher (the names resolved, the peer saw the SYN and the
#   datagram, each attributed to its unit and labelled with its phase).
# The namespace the test runs in counts, with nftables, every packet towards the addresses the
# booted systems were given or answered: it must see none.
# Run by `make check-observe` (root: namespaces, overlayfs, veth). The only network use is apt
# building the cached root and downloading the archives (tools/boot-root, tools/observe-fetch).
. "${HK_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
cd "$HK_SRCDIR" || exit 1
HK=$HARDENKIT

if [ "$(id -u)" != 0 ]; then
	skip "observe test: needs root (namespaces, overlayfs, veth); run make check-observe as root"
	done_testing; exit
fi
scratch S
witness=hk_observe_witness_$$
cleanup() { nft delete table inet "$witness" 2>/dev/null; rm -rf "$S"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# --- the root, the archives -------------------------------------------------------------------
root=$(tools/boot-root iproute2 2> "$S/boot-root.log")
ok $? "the Debian 12 base root (debootstrap minbase + systemd, dbus, iproute2, nftables) is built or cached: $root" ||
	tail -n 20 "$S/boot-root.log" | sed 's/^/#   /'
[ -x "$root/lib/systemd/systemd" ] || { note "no root, nothing to observe"; done_testing; exit; }
debs=${HK_OBSERVE_DEBS:-/var/cache/hardenkit/observe-debs}
pkgs="dnsmasq memcached tang chrony radvd"
tools/observe-fetch "$root" "$debs" $pkgs > "$S/fetch.log" 2>&1
ok $? "tools/observe-fetch: $pkgs and their dependencies beyond the root are in $debs" ||
	tail -n 20 "$S/fetch.log" | sed 's/^/#   /'
deb_of() { ls "$debs/$1"_*.deb 2>/dev/null | sort -V | tail -n 1; }

# the control: a package built here whose units reach out by name
C=$S/control
mkdir -p "$C/DEBIAN" "$C/lib/systemd/system"
cat > "$C/DEBIAN/control" <<'EOF'
Package: hk-egress-control
Version: 1.0
Architecture: all
Maintainer: hardenkit tests <tests@invalid>
Depends: bash
Description: observe.t's control: reaches out by name, over TCP and from a timer over UDP
EOF
cat > "$C/lib/systemd/system/hk-egress-control.service" <<'EOF'
[Unit]
Description=observe.t control: a TCP connection to a vendor host

[Service]
ExecStart=/bin/bash -c 'exec 3<>/dev/tcp/updates.hk-control.test/443'

[Install]
WantedBy=multi-user.target
EOF
cat > "$C/lib/systemd/system/hk-egress-control-metrics.service" <<'EOF'
[Unit]
Description=observe.t control: a datagram to a metrics host

[Service]
Type=oneshot
ExecStart=/bin/bash -c 'exec 3> /dev/udp/metrics.hk-control.test/8125; echo hk-metric:1 >&3; sleep 5'
EOF
cat > "$C/lib/systemd/system/hk-egress-control-metrics.timer" <<'EOF'
[Unit]
Description=observe.t control: metrics every day

[Timer]
OnCalendar=daily

[Install]
WantedBy=timers.target
EOF
dpkg-deb --root-owner-group -b "$C" "$S/hk-egress-control_1.0_all.deb" > /dev/null
ok $? "the control package hk-egress-control is built (dpkg-deb)"

# --- the witness: this namespace must see nothing of what the booted systems send --------------
nft -f - <<EOF
table inet $witness {
	chain outgoing { type filter hook output priority -300; policy accept;
		ip daddr { 198.18.0.0/15, 198.51.100.0/24 } counter
		ip6 daddr fd00:b007::/64 counter
	}
	chain forwarded { type filter hook forward priority -300; policy accept;
		ip daddr { 198.18.0.0/15, 198.51.100.0/24 } counter
		ip6 daddr fd00:b007::/64 counter
	}
}
EOF
ok $? "a witness table in the test's network namespace counts packets towards 198.18.0.0/15, 198.51.100.0/24, fd00:b007::/64"

# --- observe ----------------------------------------------------------------------------------
observe() { # NAME DEB: the JSON report in $S/NAME.json, the exit status in $S/NAME.st
	"$HK" observe --root "$root" --debs "$debs" --window 8 --keep "$S/keep-$1" -f json "$2" > "$S/$1.json" 2> "$S/$1.err"
	echo $? > "$S/$1.st"
}
# okv/isv: ok/is whose status says whether the check passed, to show the evidence when not
okv() { ok "$1" "$2"; [ "$1" -eq 0 ]; }
isv() { is "$1" "$2" "$3"; [ "$1" = "$2" ]; }
# findings NAME RULE: each message of RULE, one a line
findings() { jq -r --arg r "$2" '.packages[0].findings[] | select(.rule == $r) | .message' "$S/$1.json"; }
show() { sed 's/^/#   /' "$S/$1.err"; jq -r '.packages[0] | (.error // empty), (.findings[] | .rule + ": " + .message)' "$S/$1.json" 2>/dev/null | sed 's/^/#   /'; }

for p in $pkgs; do
	d=$(deb_of "$p")
	[ -n "$d" ] || { ok 1 "$p: no archive in $debs"; continue; }
	observe "$p" "$d"
done
observe control "$S/hk-egress-control_1.0_all.deb"

# dnsmasq: the wildcard, by default
isv "$(cat "$S/dnsmasq.st")" 1 "dnsmasq: observe exits 1 (an error-level finding)" || show dnsmasq
findings dnsmasq listen-public | grep -q -x 'observed: udp 0\.0\.0\.0:53 by dnsmasq (dnsmasq\.service), every interface'
okv $? "dnsmasq: listen-public, observed: udp 0.0.0.0:53 by dnsmasq (dnsmasq.service)" || show dnsmasq
findings dnsmasq listen-public | grep -q -E '^observed: tcp (0\.0\.0\.0|\*|\[::\]):53 by dnsmasq \(dnsmasq\.service\)'
ok $? "dnsmasq: listen-public, tcp port 53 on every interface too"
findings dnsmasq observed-process | grep -q -E '^observed: dnsmasq \(dnsmasq\.service\) pid [0-9]+ runs as dnsmasq, effective capabilities: none$'
okv $? "dnsmasq: the daemon runs as dnsmasq, its capabilities dropped once its sockets are bound" || findings dnsmasq observed-process | sed 's/^/#   /'
is "$(jq -r '.packages[0].units | map(.name) | join(" ")' "$S/dnsmasq.json")" "dnsmasq.service" "dnsmasq: the units it ships are listed"

# memcached: loopback only
isv "$(cat "$S/memcached.st")" 0 "memcached: observe exits 0" || show memcached
is "$(findings memcached listen-public)" "" "memcached: no listen-public"
findings memcached observed-listen | grep -q -x 'observed: tcp 127\.0\.0\.1:11211 by memcached (memcached\.service), loopback'
okv $? "memcached: observed-listen: tcp 127.0.0.1:11211 by memcached (memcached.service), loopback" || show memcached
findings memcached observed-process | grep -q -E '^observed: memcached \(memcached\.service\) pid [0-9]+ runs as memcache, effective capabilities: none$'
okv $? "memcached: runs as memcache with no effective capability" || findings memcached observed-process | sed 's/^/#   /'

# tang: systemd listens on :80 for tangd.socket
isv "$(cat "$S/tang.st")" 1 "tang: observe exits 1" || show tang
findings tang listen-public | grep -q -E '^observed: tcp (\*|\[::\]|0\.0\.0\.0):80 by systemd \(tangd\.socket\), every interface$'
okv $? "tang: listen-public, tcp *:80 by systemd (tangd.socket): socket activation attributed to the socket unit" || show tang
is "$(jq -r '.packages[0].findings[] | select(.rule == "listen-public") | .file' "$S/tang.json" | sort -u)" \
	"lib/systemd/system/tangd.socket" "tang: the finding names the socket unit's file"

# chrony: its pool, resolved at start
isv "$(cat "$S/chrony.st")" 1 "chrony: observe exits 1" || show chrony
findings chrony phone-home | grep -q -E '^observed: dns A(,AAAA)? [0-9]\.debian\.pool\.ntp\.org by chronyd \(chrony\.service\)'
okv $? "chrony: phone-home, the Debian pool resolved by chronyd (chrony.service)" || show chrony
findings chrony phone-home | grep -q -E 'then udp 198\.18\.[0-9.]+:123'
okv $? "chrony: then NTP datagrams to the answered address, port 123" || show chrony
is "$(findings chrony listen-public)" "" "chrony: no listen-public (chronyd's command port is loopback)"

# radvd: needs configuration
isv "$(cat "$S/radvd.st")" 0 "radvd: observe exits 0 (nothing at error level)" || show radvd
findings radvd observed-not-started | grep -q -F 'radvd.service did not start (inactive/dead): unmet condition ConditionPathExists=/etc/radvd.conf'
okv $? "radvd: observed-not-started, unmet ConditionPathExists=/etc/radvd.conf: reported, not clean" || show radvd
is "$(jq -r '.packages[0].findings[] | select(.rule == "observed-not-started") | .level' "$S/radvd.json")" "warning" \
	"radvd: that finding is a warning"

# the control
isv "$(cat "$S/control.st")" 1 "control: observe exits 1" || show control
findings control phone-home | grep -q -E '^observed: dns A(,AAAA)? updates\.hk-control\.test by bash \(hk-egress-control\.service\), then tcp 198\.18\.[0-9.]+:443 \[a unit the package ships but does not enable, started by observe\]$'
okv $? "control: the shipped, not enabled service resolved updates.hk-control.test and sent a SYN to the answer, labelled" || show control
findings control phone-home | grep -q -E '^observed: dns A(,AAAA)? metrics\.hk-control\.test by [a-z]+ \(hk-egress-control-metrics\.service\), then udp 198\.18\.[0-9.]+:8125 \[after triggering hk-egress-control-metrics\.timer\]$'
okv $? "control: the timer's service resolved metrics.hk-control.test and sent a datagram, after the timer was triggered" || show control
# the peer's own record (nftables set on the peer): the SYN and the datagram did leave the boot
grep -q -P '^peer\ttcp\t198\.18\.[0-9.]+\t443$' "$S/keep-control/1/records" 2>/dev/null &&
	grep -q -P '^peer\tudp\t198\.18\.[0-9.]+\t8125$' "$S/keep-control/1/records"
ok $? "control: the peer recorded the SYN to :443 and the datagram to :8125 (and answered neither)"

for f in dnsmasq memcached tang chrony radvd control; do
	jq -e '.tool == "hardenkit" and (.packages | length) == 1' "$S/$f.json" > /dev/null || echo "$f" >> "$S/badjson"
done
[ ! -e "$S/badjson" ]
ok $? "every report is one JSON document in lint's contract (tool, packages)"

# the same records in the other formats, judged again without a boot (--replay)
"$HK" observe --replay -f text "$S/keep-memcached/1/records" "$S/keep-dnsmasq/1/records" > "$S/replay.txt" 2>&1
is "$?" 1 "replay: text report of memcached and dnsmasq exits 1 (dnsmasq's listen-public)"
grep -q -E '^.*keep-dnsmasq/1/records(/lib/systemd/system/dnsmasq\.service)?: error: listen-public: observed: udp 0\.0\.0\.0:53 by dnsmasq' "$S/replay.txt"
okv $? "replay: text: FILE: error: listen-public: observed: udp 0.0.0.0:53 by dnsmasq …" || sed 's/^/#   /' "$S/replay.txt"
"$HK" observe --replay -f sarif "$S/keep-memcached/1/records" > "$S/m.sarif"
is "$(jq -r '[.runs[0].results[] | select(.ruleId == "observed-listen") | .ruleIndex] | unique | map(tostring) | join(",")' "$S/m.sarif")" \
	"$(jq -r '[.runs[0].tool.driver.rules | to_entries[] | select(.value.id == "observed-listen") | .key] | map(tostring) | join(",")' "$S/m.sarif")" \
	"replay: SARIF: observed-listen's ruleIndex points at its row of observe's rule table"
"$HK" observe --replay -f tap "$S/keep-dnsmasq/1/records" > "$S/d.tap"
grep -q -E '^not ok [0-9]+ - dnsmasq: listen-public$' "$S/d.tap" && grep -q -E '^ok [0-9]+ - dnsmasq: phone-home$' "$S/d.tap" &&
	[ "$(grep -c -E '^(not )?ok ' "$S/d.tap")" = "$(sed -n 's/^1\.\.//p' "$S/d.tap")" ]
okv $? "replay: TAP: one test per observe rule, listen-public failing, phone-home passing for dnsmasq" || sed 's/^/#   /' "$S/d.tap"

# --- nothing left the test's namespace ----------------------------------------------------------
counts=$(nft list table inet "$witness" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | paste -sd' ')
is "$counts" "0 0 0 0" "the test's network namespace saw no packet towards the boots' addresses or the answered ones"
ls -d /run/netns/hkobs-* 2>/dev/null | grep -q .
ok $((! $?)) "no peer namespace is left behind"
done_testing
