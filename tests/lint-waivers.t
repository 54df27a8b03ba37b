#!/bin/sh
# lint-waivers.t: waivers. The distribution's file (--waivers) may waive any rule; a package's
# own usr/share/hardenkit/waivers/NAME.conf only warning-tier rules; an expired, unused or
# forbidden waiver is itself an error. The date is pinned with HK_LINT_TODAY.
. "$(dirname "$0")/lib.sh"
. "$HK_SRCDIR/tests/lint/fixtures.sh"
scratch T
export HK_LINT_TODAY=2027-01-15
lint() {
	out=$("$HARDENKIT" lint --no-apparmor-parser "$@" 2>"$T/stderr")
	rc=$?
}
has() { printf '%s\n' "$out" | grep -q -- "$1"; }

printf 'bind 0.0.0.0\n' | put "$T/p" etc/redis/redis.conf 0640
printf '#!/bin/sh\n' | put "$T/p" usr/bin/fixture-helper 4755
lint "$T/p"
is "$rc" 1 "without waivers: listen-public fails the package"

w="$T/waivers.conf"
printf 'waivers = (\n  { rule = "listen-public"; path = "etc/redis/*"; package = "p";\n    reason = "a test: redis on every interface"; expires = "2027-06-30"; }\n);\n' >"$w"
lint --waivers "$w" "$T/p"
is "$rc" 0 "a distribution waiver covers listen-public: exit 0"
has ": listen-public: " && ok 1 "the waived finding is not printed" || ok 0 "the waived finding is not printed"
out=$("$HARDENKIT" lint --no-apparmor-parser --format=json --waivers "$w" "$T/p" 2>/dev/null)
is "$(printf '%s' "$out" | jq -r '.packages[0].waived[0].rule + " " + .packages[0].waived[0].file')" \
	"listen-public etc/redis/redis.conf" "json: the waived finding is listed under waived"

HK_LINT_TODAY=2027-07-01 lint --waivers "$w" "$T/p"
is "$rc" 1 "past its expiry the waiver no longer covers: exit 1"
has ": listen-public: "
ok $? "the expired waiver's finding is reported again"
has "waivers.conf:2: error: waiver-expired: the waiver of listen-public for etc/redis/\* expired on 2027-06-30"
ok $? "waiver-expired names the waiver file and line"

printf 'waivers = (\n  { rule = "phone-home"; path = "etc/cron.d/*"; reason = "nothing to cover"; expires = "2027-06-30"; }\n);\n' >"$T/unused.conf"
lint --waivers "$T/unused.conf" "$T/p"
is "$rc" 1 "an unused distribution waiver: exit 1"
has "unused.conf:2: error: waiver-unused: the waiver of phone-home for etc/cron.d/\* covers no finding"
ok $? "waiver-unused names the waiver"

# the package's own waivers: warnings yes, invariants no
printf 'waivers = (\n  { rule = "file-setuid"; path = "usr/bin/fixture-helper"; reason = "drops privileges first"; expires = "2027-12-31"; },\n  { rule = "listen-public"; path = "etc/redis/*"; reason = "trying"; expires = "2027-12-31"; }\n);\n' |
	put "$T/p" usr/share/hardenkit/waivers/p.conf 0644
lint "$T/p"
has ": file-setuid: " && ok 1 "a package may waive a warning about itself" || ok 0 "a package may waive a warning about itself"
has ": listen-public: "
ok $? "a package cannot waive an invariant: the finding stands"
has "usr/share/hardenkit/waivers/p.conf:3: error: waiver-forbidden: "
ok $? "waiver-forbidden at the package waiver's line"
is "$rc" 1 "exit 1"

printf 'waivers = (\n  { rule = "file-world-writable"; path = "var/*"; reason = "stale"; expires = "2027-12-31"; }\n);\n' |
	put "$T/q" usr/share/hardenkit/waivers/q.conf 0644
lint "$T/q"
has "q.conf:2: error: waiver-unused: "
ok $? "an unused package waiver is an error"
printf 'waivers = ( { rule = "file-setuid"; }\n);\n' | put "$T/r" usr/share/hardenkit/waivers/r.conf 0644
lint "$T/r"
has "r.conf:1: error: waiver-invalid: "
ok $? "a malformed package waiver file is waiver-invalid, at its line"

printf 'waivers = (\n  { rule = "no-such-rule"; path = "x"; reason = "r"; expires = "2027-01-01"; }\n);\n' >"$T/bad1.conf"
lint --waivers "$T/bad1.conf" "$T/p"
is "$rc" 2 "a distribution waiver naming an unknown rule: exit 2"
grep -q "bad1.conf:2: error: waiver for unknown rule 'no-such-rule'" "$T/stderr"
ok $? "... with FILE:LINE"
printf 'waivers = (\n  { rule = "listen-public"; path = "x"; reason = "r"; expires = "2027-13-01"; }\n);\n' >"$T/bad2.conf"
lint --waivers "$T/bad2.conf" "$T/p"
is "$rc" 2 "a waiver with an impossible date: exit 2"
lint --waivers "$T/missing.conf" "$T/p"
is "$rc" 2 "a missing waiver file: exit 2"

done_testing
