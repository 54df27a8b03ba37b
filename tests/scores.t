#!/bin/sh
# The real checker as the oracle: every generated unit, merged with the package's own unit
# from Debian 12's real .deb, scored by `systemd-analyze security --offline=true`, before and
# after. Targets: 1.5 or lower for units without relaxations, none above 5.0, median 1.2 or
# lower. `systemd-analyze verify` must accept every generated unit. The table is written to
# $HK_BUILD/scores.tsv (make demo and the README show it).
. "${HK_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
cd "$HK_SRCDIR" || exit 1

scratch tmp
root=$tmp/root
"$HARDENKIT" gen --list packages/*.conf > "$tmp/list" || exit 1
# The manifests' packages for their units and binaries, plus what verify needs of their
# dependencies: systemd and dbus-system-bus-common (targets, dbus.socket), and the commands units call in
# Exec*= lines: dash (/bin/sh), coreutils (/bin/mkdir), procps (/bin/kill), bind9-utils (rndc).
pkgs="systemd dbus-system-bus-common dash coreutils procps bind9-utils $(cut -f4 "$tmp/list" | tr ',' ' ')"
# shellcheck disable=SC2086
if ! tools/debian-root "$root" $pkgs 2> "$tmp/download.log"; then
	sed 's/^/# /' "$tmp/download.log"
	ok 1 "Debian packages could be fetched for the baseline (see above)"
	done_testing
	exit 1
fi
ok 0 "Debian 12 packages of every manifest extracted as the baseline"

score() { # score UNIT: the exposure systemd-analyze gives UNIT in $root, or "-" without one
	systemd-analyze security --offline=true --root="$root" "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p'
}

: > "$tmp/before"
while IFS="$(printf '\t')" read -r name unit kind _rest; do
	echo "$name $(score "$unit")" >> "$tmp/before"
done < "$tmp/list"

"$HARDENKIT" gen -o "$root" packages/*.conf || exit 1
table=${HK_BUILD:-build}/scores.tsv
printf 'manifest\tunit\tkind\trelaxations\tdebian\thardenkit\n' > "$table"
: > "$tmp/after"
while IFS="$(printf '\t')" read -r name unit kind _packages relaxations _profile; do
	before=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/before")
	after=$(score "$unit")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$unit" "$kind" "$relaxations" "${before:--}" "${after:--}" >> "$table"
	echo "$after" >> "$tmp/after"
	[ -n "$after" ]
	ok $? "$name: systemd-analyze scores $unit"
	if [ "$relaxations" = 0 ]; then
		awk -v s="$after" 'BEGIN { exit !(s != "" && s <= 1.5) }'
		ok $? "$name: exposure $after <= 1.5 (no relaxations; Debian's own: ${before:-no unit})"
	else
		awk -v s="$after" 'BEGIN { exit !(s != "" && s <= 5.0) }'
		ok $? "$name: exposure $after <= 5.0 ($relaxations relaxations; Debian's own: ${before:-no unit})"
	fi
	# --man=no: verify would run the host's man(1) on Documentation= pages that live in $root
	msg=$(systemd-analyze verify --man=no --root="$root" "$unit" 2>&1)
	ok $? "$name: systemd-analyze verify accepts $unit${msg:+: $msg}"
done < "$tmp/list"

median=$(sort -n "$tmp/after" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
awk -v m="$median" 'BEGIN { exit !(m <= 1.2) }'
# A TAP TODO: still reported, "not ok" until it holds, and prove says so when it starts to pass.
# Most root daemons need capabilities and a relaxed seccomp filter; moving them to a non-root
# User= with ambient capabilities is the open part of the generators issue.
ok $? "median exposure over all generated units: $median <= 1.2 # TODO most root daemons still score 2.0-2.8"
sed 's/^/# /' "$table" | column -t

done_testing
