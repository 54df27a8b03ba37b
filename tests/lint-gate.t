#!/bin/sh
# lint-gate.t: the linter as a distribution's gate over an archive: paths from a list file,
# standard input (newline or NUL) and a pool; 100,000 paths in one run with bounded memory
# (peak RSS from /usr/bin/time -v); per-package verdicts; --unreadable; the bomb limits as
# options naming the limit and its figures in the refusal.
. "$(dirname "$0")/lib.sh"
. "$HK_SRCDIR/tests/lint/fixtures.sh"
scratch T
H="$HARDENKIT"
lint() { "$H" lint --no-apparmor-parser "$@"; }

# three packages: one clean, one failing, one that is not a package at all
mkpkg() { mkpool "$T/pool" "$T/src" "$1" 1.0 "$2"; }
hardened_unit /usr/sbin/fixtured | put "$T/src/good/tree" usr/lib/systemd/system/fixture.service 0644
profile fixture /usr/sbin/fixtured | put "$T/src/good/tree" etc/apparmor.d/usr.sbin.fixtured 0644
mkpkg good net
printf 'bind 0.0.0.0\n' | put "$T/src/bad/tree" etc/redis/redis.conf 0640
mkpkg bad database
GOOD="$T/pool/g/good/good_1.0_all.deb"
BAD="$T/pool/b/bad/bad_1.0_all.deb"
printf 'not an archive\n' >"$T/junk.deb"
printf 'Source: bad\n' >"$T/pool/b/bad/bad_1.0.dsc" # a pool holds more than packages
printf 'x' >"$T/pool/README"

# --- input at any scale ---
lint -f json "$GOOD" "$BAD" >"$T/args.json" 2>/dev/null
is "$?" 1 "two packages as arguments: exit 1 (bad fails)"
printf '%s\n' "$GOOD" "" "$BAD" >"$T/list"
lint -f json --files-from "$T/list" >"$T/list.json" 2>/dev/null
is "$?" 1 "--files-from FILE: exit 1"
cmp -s "$T/args.json" "$T/list.json"
ok $? "--files-from gives the document the same paths as arguments give (empty lines name nothing)"
printf '%s\0%s\0' "$GOOD" "$BAD" | lint -f json -0 --files-from - >"$T/nul.json" 2>/dev/null
cmp -s "$T/args.json" "$T/nul.json"
ok $? "--files-from - -0: NUL-separated paths on standard input, the same document"
printf '%s\n%s\n' "$GOOD" "$BAD" | lint -f json --files-from - >"$T/stdin.json" 2>/dev/null
cmp -s "$T/args.json" "$T/stdin.json"
ok $? "--files-from -: one path a line on standard input, the same document"
lint -f json --pool "$T/pool" >"$T/pool.json" 2>/dev/null
is "$(jq -r '[.packages[].name] | join(" ")' "$T/pool.json")" "bad good" \
	"--pool: every package archive below the directory, in byte order, nothing else (.dsc, README)"
lint --files-from "$T/missing" "$GOOD" >"$T/out" 2>"$T/err"
is "$?" 2 "a --files-from list that cannot be opened: exit 2"
grep -q "missing: cannot open" "$T/err"
ok $? "... naming the list"
[ ! -s "$T/out" ]
ok $? "... and nothing on standard output"
lint --pool "$T/nowhere" >/dev/null 2>&1
is "$?" 2 "a --pool that is not a directory: exit 2"
printf 'a\0b\n' >"$T/nullist"
lint --files-from "$T/nullist" >/dev/null 2>"$T/err"
grep -q "nullist:1: a path holds a NUL byte" "$T/err"
ok $? "a NUL byte in a newline-separated list: FILE:LINE names it"

if [ "${HK_BUILD%/sanitize}" != "$HK_BUILD" ]; then
	# under ASan the peak RSS measures the sanitizer's shadow memory and quarantine, not the
	# linter, and 100,000 runs of it take most of CI's budget: the plain build measures it
	skip "100,000 paths: peak RSS is the plain build's measure (this is the ASan build)"
else
# 100,000 paths in one run: the archives repeat, memory does not grow with the list. The
# clean one is a small package with one file, so that the run costs what reading costs.
mkdir -p "$T/src/tiny/tree/usr/share/doc/tiny"
printf 'tiny\n' >"$T/src/tiny/tree/usr/share/doc/tiny/README"
mkpkg tiny doc
TINY="$T/pool/t/tiny/tiny_1.0_all.deb"
i=0
: >"$T/list1k"
while [ $i -lt 500 ]; do printf '%s\n%s\n' "$TINY" "$BAD"; i=$((i + 1)); done >"$T/list1k"
i=0
while [ $i -lt 100 ]; do cat "$T/list1k"; i=$((i + 1)); done >"$T/list100k"
is "$(wc -l <"$T/list100k")" 100000 "the list holds 100,000 paths"
rss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }
/usr/bin/time -v -o "$T/time1k" "$H" lint --no-apparmor-parser -j 2 -f json --files-from "$T/list1k" >/dev/null 2>"$T/err1k"
/usr/bin/time -v -o "$T/time100k" "$H" lint --no-apparmor-parser -j 2 -f json --files-from "$T/list100k" 2>"$T/err100k" |
	grep -o '"status": "[a-z]*"' | sort | uniq -c | awk '{ printf "%s %s,", $1, $3 }' >"$T/n100k"
is "$(cat "$T/n100k")" '50000 "fail",50000 "pass",' "100,000 paths: one JSON document, 100,000 verdicts, 50,000 fail and 50,000 pass"
is "$(tail -1 "$T/err100k")" "hardenkit lint: 100000 packages: 50000 pass, 50000 fail, 0 unreadable" \
	"... and the summary on standard error counts them"
r1=$(rss "$T/time1k")
r100=$(rss "$T/time100k")
note "peak RSS: 1,000 paths $r1 KiB, 100,000 paths $r100 KiB"
[ "$r100" -lt 65536 ]
ok $? "100,000 paths: peak RSS below 64 MiB ($r100 KiB)"
[ "$r100" -lt $((r1 + 8192)) ]
ok $? "100,000 paths need at most 8 MiB more than 1,000 ($r1 KiB): memory does not grow with the list"
fi

# --- per-package verdicts ---
lint -f json "$GOOD" "$T/junk.deb" "$BAD" >"$T/v.json" 2>"$T/err"
is "$?" 2 "an unreadable package among others: exit 2 by default (--unreadable=error)"
is "$(jq -r '[.packages[].status] | join(" ")' "$T/v.json")" "pass unreadable fail" "json: status pass, unreadable, fail"
is "$(jq -r '.packages[1].error' "$T/v.json")" "$(sed -n "s|^$T/junk.deb: error: ||p" "$T/err")" \
	"json: the unreadable package says why, as standard error does"
lint -f json --unreadable=fail "$GOOD" "$T/junk.deb" >"$T/v2.json" 2>/dev/null
is "$?" 1 "--unreadable=fail: the unreadable package is that package's failure: exit 1"
is "$(jq -r '.unreadable + " " + .packages[1].status' "$T/v2.json")" "fail unreadable" \
	"json: the mode and the package's status"
lint --unreadable=fail "$GOOD" "$T/junk.deb" >"$T/v2.txt" 2>/dev/null
grep -q "junk.deb: error: unreadable: Unrecognized archive format" "$T/v2.txt"
ok $? "text, --unreadable=fail: the failure is in the output itself"
lint -f tap --unreadable=fail "$GOOD" "$T/junk.deb" >"$T/v2.tap" 2>/dev/null
grep -q "^not ok .* - .*junk.deb: could not be read" "$T/v2.tap"
ok $? "tap: the unreadable package is a failing test"
lint -f sarif "$GOOD" >/dev/null 2>&1
is "$?" 0 "a clean package alone: exit 0"
lint --unreadable=maybe "$GOOD" >/dev/null 2>&1
is "$?" 2 "--unreadable wants error or fail"

# the limits that refuse a package are options, and the refusal names the limit and figures
mkdir -p "$T/bomb/usr/share/fixture"
head -c 4194304 /dev/zero >"$T/bomb/usr/share/fixture/zeros"
(cd "$T/bomb" && tar --owner=0 --group=0 -cJf "$T/bomb.tar.xz" usr)
lint -f json --ratio-floor 1M --max-ratio 10 --unreadable=fail "$T/bomb.tar.xz" "$GOOD" >"$T/b.json" 2>"$T/err"
is "$?" 1 "--max-ratio 10 --ratio-floor 1M: a 4 MiB file of zeros is refused (its package fails)"
is "$(jq -r '.packages[0].limit | .option + " " + (.value|tostring)' "$T/b.json")" "max-ratio 10" \
	"json: the refusal names the limit and its bound"
[ "$(jq -r '.packages[0].limit.seen' "$T/b.json")" -gt 10 ] && [ "$(jq -r '.packages[0].limit.archive_bytes' "$T/b.json")" -eq "$(stat -c %s "$T/bomb.tar.xz")" ]
ok $? "json: ... the ratio seen and the archive's size"
grep -q "expands more than 10 times its compressed size (.* past --ratio-floor 1048576; --max-ratio 10)" "$T/err"
ok $? "the message names the options and their figures"
is "$(jq -r '.packages[1].status' "$T/b.json")" pass "the next package is judged as usual"
lint -f json --max-bytes 1M "$T/bomb.tar.xz" >"$T/b2.json" 2>/dev/null
is "$(jq -r '.packages[0].limit | .option + " " + (.value|tostring)' "$T/b2.json")" "max-bytes 1048576" \
	"--max-bytes 1M: refused by max-bytes"
lint "$T/bomb.tar.xz" >/dev/null 2>&1
is "$?" 0 "with the default limits (200x past 64 MiB) the same archive is judged: exit 0"
lint --max-ratio 0 "$GOOD" >/dev/null 2>&1
is "$?" 2 "--max-ratio 0: usage error"
lint --max-bytes 12Q "$GOOD" >/dev/null 2>&1
is "$?" 2 "--max-bytes 12Q: usage error"

done_testing
