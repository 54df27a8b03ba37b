#!/bin/sh
# lint-shards.t: the digest cache (--cache) and shards (--shard I/N, lint merge). A cached run
# writes what an uncached one writes; a corrupt entry (flipped byte, emptied, another key's
# entry) is detected, judged again and rewritten; two runs sharing a cache at once agree with a
# run without one; the directory keeps its size bound. Shards merged give the unsharded
# document byte for byte, in JSON, SARIF, TAP and text, for N = 1, 2 and 7.
. "$(dirname "$0")/lib.sh"
. "$HK_SRCDIR/tests/lint/fixtures.sh"
scratch T
export HK_LINT_TODAY=2027-01-15
lint() { "$HARDENKIT" lint --no-apparmor-parser "$@"; }
P="$T/pool"
U=usr/lib/systemd/system

# a small archive: packages of several sizes, two versions of one, one unreadable, a clean one
i=0
for name in alpha bravo charlie delta echo foxtrot golf hotel; do
	i=$((i + 1))
	printf 'bind 0.0.0.%s\n' "$i" | put "$T/src/$name/tree" etc/redis/redis.conf 0640
	head -c $((i * 20000)) /dev/urandom | put "$T/src/$name/tree" usr/share/$name/blob 0644
	mkpool "$P" "$T/src" $name 1.0 net
done
printf '17 * * * * root curl -fsS https://example.invalid/\n' | put "$T/src/alpha/tree" etc/cron.d/alpha 0644
mkpool "$P" "$T/src" alpha 2.0 net
hardened_unit /usr/sbin/fixtured | put "$T/src/india/tree" $U/fixture.service 0644
profile fixture /usr/sbin/fixtured | put "$T/src/india/tree" etc/apparmor.d/usr.sbin.fixtured 0644
mkpool "$P" "$T/src" india 1.0 net
mkdir -p "$P/j"
printf 'not a package' >"$P/j/junk_1.0_all.deb"
find "$P" -name '*.deb' | sort >"$T/list"
is "$(wc -l <"$T/list" | tr -d ' ')" 11 "eleven archives"
# a distribution waiver used by one package and one that covers nothing: run-wide findings
printf 'waivers = (\n  { rule = "listen-public"; path = "etc/redis/redis.conf"; package = "delta"; reason = "a test"; expires = "2027-06-30"; },\n  { rule = "phone-home"; path = "etc/cron.d/*"; reason = "alpha only"; expires = "2027-06-30"; },\n  { rule = "file-setuid"; path = "nowhere/*"; reason = "covers nothing"; expires = "2027-06-30"; }\n);\n' >"$T/waivers.conf"
W="--waivers $T/waivers.conf --unreadable=fail"

# --- the cache ---
lint -f json $W --files-from "$T/list" >"$T/plain.json" 2>/dev/null
is "$?" 1 "without a cache: exit 1"
is "$(jq -r '[.packages[].status] | join(" ")' "$T/plain.json")" \
	"fail fail fail fail pass fail fail fail fail pass unreadable" "the verdicts every other run is compared with"
C="$T/cache"
lint -f json $W --cache "$C" --files-from "$T/list" >"$T/cold.json" 2>"$T/err"
cmp -s "$T/plain.json" "$T/cold.json"
ok $? "cold cache: the same document as without a cache"
grep -q "cache $C: 0 read, 11 judged and written, 0 corrupt" "$T/err"
ok $? "cold cache: every archive judged and written"
lint -f json $W --cache "$C" --files-from "$T/list" >"$T/warm.json" 2>"$T/err"
cmp -s "$T/plain.json" "$T/warm.json"
ok $? "warm cache: the same document"
grep -q "cache $C: 11 read, 0 judged and written, 0 corrupt" "$T/err"
ok $? "warm cache: every archive read from its entry, none re-read"
entry() { # entry ARCHIVE: its cache entry's file (named by the key, found by the archive's name)
	for f in "$C"/??/*; do grep -q "\"key\"" "$f" 2>/dev/null || continue; done
	grep -l "\"name\": *\"$1\"\|\"name\":\"$1\"" "$C"/??/* | head -1
}
e=$(entry bravo)
[ -n "$e" ] && [ "$(stat -c %a "$e")" = 644 ]
ok $? "an entry per archive, below a two-character directory ($e)"
# corruptions: a flipped byte in the body, an emptied file, another archive's entry in its place
sed -i 's/0\.0\.0\.2/0.0.0.9/' "$e"
lint -f json $W --cache "$C" --files-from "$T/list" >"$T/c1.json" 2>"$T/err"
cmp -s "$T/plain.json" "$T/c1.json"
ok $? "a flipped byte: the document is still the uncached one"
grep -q "cache entry $e is corrupt (its checksum does not match its content): ignored, judged again" "$T/err"
ok $? "... the entry is named corrupt"
grep -q "10 read, 1 judged and written, 1 corrupt" "$T/err"
ok $? "... judged again and rewritten"
lint -f json $W --cache "$C" --files-from "$T/list" >/dev/null 2>"$T/err"
grep -q "11 read, 0 judged and written, 0 corrupt" "$T/err"
ok $? "... and the rewritten entry is good on the next run"
: >"$e"
lint -f json $W --cache "$C" --files-from "$T/list" >"$T/c2.json" 2>"$T/err"
cmp -s "$T/plain.json" "$T/c2.json" && grep -q "is corrupt (no header)" "$T/err"
ok $? "an emptied entry: detected, the document unchanged"
cp "$(entry charlie)" "$(entry delta)"
lint -f json $W --cache "$C" --files-from "$T/list" >"$T/c3.json" 2>"$T/err"
cmp -s "$T/plain.json" "$T/c3.json" && grep -q "is corrupt (its content is not an entry for this key)" "$T/err"
ok $? "another archive's (well-formed) entry in an entry's place: not trusted"
# a policy is applied after the cache: changing it re-reads nothing and still regrades
printf 'policy = (\n  { rule = "listen-public"; level = "warning"; reason = "r"; }\n);\n' >"$T/policy.conf"
lint -f json $W --policy "$T/policy.conf" --cache "$C" --files-from "$T/list" >"$T/pol.json" 2>"$T/err"
grep -q "11 read, 0 judged" "$T/err" && [ "$(jq -r '[.packages[].findings[] | select(.rule == "listen-public") | .level] | unique | join(",")' "$T/pol.json")" = warning ]
ok $? "a policy on a warm cache: nothing re-read, the levels follow the policy"
# the data the rules judge with is part of the key
cp -r "$HARDENKIT_DATADIR" "$T/data"
printf '\n# changed\n' >>"$T/data/lint/commands.conf"
HARDENKIT_DATADIR="$T/data" lint -f json $W --cache "$C" --files-from "$T/list" >"$T/d.json" 2>"$T/err"
grep -q "0 read, 11 judged and written" "$T/err"
ok $? "changed rule data (templates/lint): every archive judged again"
lint -f json $W --threshold 9 --cache "$C" --files-from "$T/list" >/dev/null 2>"$T/err"
grep -q "0 read, 11 judged and written" "$T/err"
ok $? "another --threshold: judged again"
# two runs at once on a fresh cache agree with a run without one
C2="$T/cache2"
lint -f json $W -j 2 --cache "$C2" --files-from "$T/list" >"$T/p1.json" 2>/dev/null &
p1=$!
lint -f json $W -j 2 --cache "$C2" --files-from "$T/list" >"$T/p2.json" 2>/dev/null &
p2=$!
wait $p1
wait $p2
cmp -s "$T/plain.json" "$T/p1.json" && cmp -s "$T/plain.json" "$T/p2.json"
ok $? "two concurrent runs sharing a cache: both documents equal the uncached one"
lint -f json $W --cache "$C2" --files-from "$T/list" >"$T/p3.json" 2>"$T/err"
cmp -s "$T/plain.json" "$T/p3.json" && grep -q "11 read, 0 judged and written, 0 corrupt" "$T/err"
ok $? "... and the cache they left is whole"
[ -z "$(find "$C2" -name '.tmp-*')" ]
ok $? "... with no temporary file left behind"
# the size bound: least recently used entries go, and nothing else in or beside the directory
mkdir -p "$T/small/ab"
printf 'mine' >"$T/small/ab/notes.txt"
printf 'mine' >"$T/small/README"
printf 'mine' >"$T/beside"
lint -f json $W --cache "$T/small" --cache-max 4K --files-from "$T/list" >"$T/s.json" 2>/dev/null
total=$(find "$T/small" -type f -name '????????????????????????????????????????????????????????????????' -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
[ "$total" -le 4096 ] && [ "$total" -gt 0 ]
ok $? "--cache-max 4K: the directory is trimmed to its bound ($total bytes left)"
cmp -s "$T/plain.json" "$T/s.json"
ok $? "... and the document does not depend on it"
[ -f "$T/small/ab/notes.txt" ] && [ -f "$T/small/README" ] && [ -f "$T/beside" ] && [ -f "$T/list" ]
ok $? "... trimming removes entries only: files that are not entries, in the cache or beside it, stay"

# --- shards ---
for fmt in json sarif tap text; do
	NO_COLOR=1 lint -f $fmt $W --files-from "$T/list" >"$T/all.$fmt" 2>/dev/null
done
base_rc=1
for n in 1 2 7; do
	i=1
	docs=""
	while [ $i -le $n ]; do
		lint -f json $W --shard $i/$n --files-from "$T/list" >"$T/shard$i-$n.json" 2>/dev/null
		docs="$docs $T/shard$i-$n.json"
		i=$((i + 1))
	done
	is "$(jq -s '[.[].packages[].path] | length' $docs)" 11 "N=$n: the shards hold every package once"
	is "$(jq -rs '[.[].packages[] | .name] | group_by(.) | map(length) | join(",")' $docs)" \
		"$(jq -r '[.packages[] | .name] | group_by(.) | map(length) | join(",")' "$T/all.json")" "N=$n: ... no package twice"
	for fmt in json sarif tap text; do
		# shards given in reverse order: merge orders by the input's positions
		"$HARDENKIT" lint merge -f $fmt $(printf '%s\n' $docs | sort -r) >"$T/merged.$fmt" 2>"$T/err"
		rc=$?
		cmp -s "$T/all.$fmt" "$T/merged.$fmt"
		ok $? "N=$n: merged $fmt is byte-identical to the unsharded run"
		is "$rc" $base_rc "N=$n: merge ($fmt) exits as the unsharded run"
	done
done
# a package's versions stay in one shard
is "$(for d in "$T"/shard*-7.json; do jq -r '[.packages[] | select(.name == "alpha")] | length' "$d"; done | grep -v '^0$')" 2 \
	"N=7: both versions of alpha are in one shard"
# with a baseline, disappeared findings are merged too
lint -f json --files-from "$T/list" $W >"$T/base.json" 2>/dev/null
grep -v bravo "$T/list" >"$T/list2"
lint -f json $W --baseline "$T/base.json" --files-from "$T/list2" >"$T/b.json" 2>/dev/null
for i in 1 2 3; do lint -f json $W --baseline "$T/base.json" --shard $i/3 --files-from "$T/list2" >"$T/bs$i.json" 2>/dev/null; done
"$HARDENKIT" lint merge "$T/bs1.json" "$T/bs2.json" "$T/bs3.json" >"$T/bm.json" 2>/dev/null
cmp -s "$T/b.json" "$T/bm.json"
ok $? "--baseline: the merged document (disappeared included) equals the unsharded one"
is "$(jq -r '.disappeared | map(.package) | join(",")' "$T/bm.json")" bravo "... bravo's finding disappeared"
# merge refuses what is not one whole run
"$HARDENKIT" lint merge "$T/shard1-2.json" >/dev/null 2>"$T/err"
is "$?" 2 "a missing shard: exit 2"
grep -q "shard 2/2 is missing" "$T/err"
ok $? "... naming it"
"$HARDENKIT" lint merge "$T/shard1-2.json" "$T/shard1-2.json" >/dev/null 2>&1
is "$?" 2 "a shard given twice: exit 2"
"$HARDENKIT" lint merge "$T/shard1-2.json" "$T/shard2-7.json" >/dev/null 2>&1
is "$?" 2 "shards of different runs: exit 2"
"$HARDENKIT" lint merge "$T/all.json" >/dev/null 2>&1
is "$?" 2 "an unsharded document: exit 2"
lint --shard 3/2 "$T/list" >/dev/null 2>&1
is "$?" 2 "--shard 3/2: usage error"

done_testing
