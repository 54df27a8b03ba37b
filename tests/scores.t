#!/bin/sh
# The real checker as the oracle: every generated unit, merged with the package's own unit
# from Debian 12's real .deb, scored by `systemd-analyze security --offline=true`, before and
# after (tools/score-table). Targets: 1.5 or lower for units without relaxations, none above
# 5.0, median 1.2 or lower. `systemd-analyze verify` must accept every generated unit. The
# table is written to $HK_BUILD/scores.tsv (make demo and the README show it).
. "${HK_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
cd "$HK_SRCDIR" || exit 1

scratch tmp
table=${HK_BUILD:-build}/scores.tsv
if ! tools/score-table "$tmp" packages/*.conf > "$table" 2> "$tmp/err"; then
	sed 's/^/# /' "$tmp/err"
	ok 1 "Debian 12 packages of every manifest fetched and scored (see above)"
	done_testing
	exit 1
fi
ok 0 "Debian 12 packages of every manifest fetched and scored"

tail -n +2 "$table" > "$tmp/rows"
while IFS="$(printf '\t')" read -r name unit _kind relaxations before after verify; do
	[ "$after" != - ]
	ok $? "$name: systemd-analyze scores $unit"
	if [ "$relaxations" = 0 ]; then
		awk -v s="$after" 'BEGIN { exit !(s != "-" && s <= 1.5) }'
		ok $? "$name: exposure $after <= 1.5 (no relaxations; Debian's own: $before)"
	else
		awk -v s="$after" 'BEGIN { exit !(s != "-" && s <= 5.0) }'
		ok $? "$name: exposure $after <= 5.0 ($relaxations relaxations; Debian's own: $before)"
	fi
	[ "$verify" = ok ]
	ok $? "$name: systemd-analyze verify accepts $unit${verify#ok}"
done < "$tmp/rows"

median=$(tools/score-median "$table" hardenkit)
awk -v m="$median" 'BEGIN { exit !(m <= 1.2) }'
ok $? "median exposure over all generated units: $median <= 1.2 ($(awk -F'\t' 'NR > 1 && $6 != "-" && $6 <= 1.2' "$table" | wc -l) of $(($(wc -l < "$table") - 1)) units at 1.2 or lower)"
sed 's/^/# /' "$table" | column -t -s "$(printf '\t')"

done_testing
