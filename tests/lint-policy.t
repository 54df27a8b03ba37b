#!/bin/sh
# lint-policy.t: the distribution's policy file (--policy) and baselines (--baseline). A policy
# entry changes the level of exactly the findings it selects (rule, package glob, section,
# priority, essential, unit kind), never fails as unused, stops applying when expired; a
# baseline made from a run makes the same run exit 0, a new finding fails naming only itself,
# a moved line stays matched, and what is gone is listed.
. "$(dirname "$0")/lib.sh"
. "$HK_SRCDIR/tests/lint/fixtures.sh"
scratch T
export HK_LINT_TODAY=2027-01-15
lint() { "$HARDENKIT" lint --no-apparmor-parser "$@"; }
P="$T/pool"
bare() { printf '[Unit]\nDescription=%s\n%s\n[Service]\nExecStart=/usr/sbin/%s\n%s\n' "$1" "${3:-}" "$1" "${2:-}"; }
U=usr/lib/systemd/system

# "svc": one unit of each kind, none hardened; "bad": a public listener, section database;
# "game": the same listener in section games; "core": essential
S="$T/src/svc/tree/$U"
bare daemond | put "$T/src/svc/tree" $U/daemond.service 0644
bare oneshotd 'Type=oneshot' | put "$T/src/svc/tree" $U/oneshotd.service 0644
bare jobd 'Type=oneshot' | put "$T/src/svc/tree" $U/jobd.service 0644
printf '[Timer]\nOnCalendar=daily\n' | put "$T/src/svc/tree" $U/jobd.timer 0644
bare sockd | put "$T/src/svc/tree" $U/sockd.service 0644
printf '[Socket]\nListenStream=/run/sockd.sock\n' | put "$T/src/svc/tree" $U/sockd.socket 0644
bare bootd '' 'DefaultDependencies=no' | put "$T/src/svc/tree" $U/bootd.service 0644
mkpool "$P" "$T/src" svc 1.0 admin
printf 'bind 0.0.0.0\n' | put "$T/src/bad/tree" etc/redis/redis.conf 0640
mkpool "$P" "$T/src" bad 1.0 database
printf 'bind 0.0.0.0\n' | put "$T/src/game/tree" etc/redis/redis.conf 0640
mkpool "$P" "$T/src" game 1.0 games
printf 'bind 0.0.0.0\n' | put "$T/src/core/tree" etc/redis/redis.conf 0640
mkpool "$P" "$T/src" core 1.0 admin 'Essential: yes\n'
SVC="$P/s/svc/svc_1.0_all.deb" BAD="$P/b/bad/bad_1.0_all.deb" GAME="$P/g/game/game_1.0_all.deb" CORE="$P/c/core/core_1.0_all.deb"

lint -f json "$SVC" "$BAD" "$GAME" "$CORE" >"$T/plain.json" 2>/dev/null
is "$?" 1 "without a policy: exit 1"
levels() { # levels DOC PACKAGE FILE-GLOB: the levels of that package's findings on those files
	jq -r --arg p "$2" --arg f "$3" '[.packages[] | select(.name == $p) | .findings[] | select(.file | test($f)) | .level] | unique | join(",")' "$1"
}
is "$(levels "$T/plain.json" svc oneshotd.service)" error "the oneshot's unit findings are errors by default"

# unit kinds: each selector takes exactly its unit's findings
for kind in daemon:daemond oneshot:oneshotd timer-job:jobd socket-activated:sockd boot-plumbing:bootd; do
	k=${kind%%:*} unit=${kind#*:}
	printf 'policy = (\n  { rule = "unit-*"; unit_kind = "%s"; level = "note"; reason = "graded by kind"; }\n);\n' "$k" >"$T/kind.conf"
	lint -f json --policy "$T/kind.conf" "$SVC" >"$T/kind.json" 2>/dev/null
	is "$(jq -r '[.packages[0].findings[] | select(.level == "note") | .file | capture("(?<u>[a-z]+)\\.(service|socket|timer)$").u] | unique | join(",")' "$T/kind.json")" \
		"$unit" "unit_kind = \"$k\": exactly $unit's unit-* findings become notes"
	n_other=$(jq -r '[.packages[0].findings[] | select(.level != "note") | .level] | unique | join(",")' "$T/kind.json")
	is "$n_other" error "... and every other finding of the package keeps its level"
done
jq -r '.packages[0].findings[] | select(.level == "note") | .policy' "$T/kind.json" | head -1 >"$T/why"
is "$(cat "$T/why")" "$T/kind.conf:2: graded by kind" "json: a regraded finding carries the entry's file, line and reason"

# selectors on the package: section, name glob, essential, priority
printf 'policy = (\n  { rule = "listen-public"; section = "games"; level = "warning"; reason = "games are not servers"; }\n);\n' >"$T/sec.conf"
lint -f json --policy "$T/sec.conf" "$BAD" "$GAME" "$CORE" >"$T/sec.json" 2>/dev/null
is "$(jq -r '[.packages[] | .name + ":" + (.findings[] | select(.rule == "listen-public") | .level)] | join(" ")' "$T/sec.json")" \
	"bad:error game:warning core:error" "section = \"games\": only game's listen-public becomes a warning"
printf 'policy = (\n  { rule = "listen-public"; package = "c*"; level = "warning"; reason = "r"; }\n);\n' >"$T/glob.conf"
lint -f json --policy "$T/glob.conf" "$BAD" "$GAME" "$CORE" >"$T/glob.json" 2>/dev/null
is "$(jq -r '[.packages[] | .name + ":" + (.findings[] | select(.rule == "listen-public") | .level)] | join(" ")' "$T/glob.json")" \
	"bad:error game:error core:warning" "package = \"c*\": only core"
printf 'policy = (\n  { rule = "listen-public"; essential = true; level = "warning"; reason = "r"; }\n);\n' >"$T/ess.conf"
lint -f json --policy "$T/ess.conf" "$BAD" "$CORE" >"$T/ess.json" 2>/dev/null
is "$(jq -r '[.packages[] | .name + ":" + (.findings[] | select(.rule == "listen-public") | .level)] | join(" ")' "$T/ess.json")" \
	"bad:error core:warning" "essential = true: only the essential package"
printf 'policy = (\n  { rule = "listen-public"; priority = "required"; level = "warning"; reason = "r"; }\n);\n' >"$T/prio.conf"
lint --policy "$T/prio.conf" "$BAD" >/dev/null 2>&1
is "$?" 1 "priority = \"required\" selects nothing in a priority optional package: it still fails"
lint --policy "$T/prio.conf" "$T/src/svc/tree" >/dev/null 2>"$T/err"
grep -q "policy.*unused\|prio.conf.*unused" "$T/err" && ok 1 "an entry that selects nothing is never 'unused'" || ok 0 "an entry that selects nothing is never 'unused'"

# an invariant rule downgraded by the policy: the run passes
printf 'policy = (\n  { rule = "listen-public"; level = "warning"; reason = "the archive grandfathers it"; }\n);\n' >"$T/inv.conf"
lint --policy "$T/inv.conf" "$BAD" >"$T/out" 2>/dev/null
is "$?" 0 "an invariant rule downgraded by --policy: exit 0"
grep -q "warning: listen-public:" "$T/out"
ok $? "... the finding is shown as a warning"
# expiry: past it, the entry no longer applies and a note says so
printf 'policy = (\n  { rule = "listen-public"; level = "warning"; reason = "until the fix lands"; expires = "2027-01-01"; }\n);\n' >"$T/old.conf"
lint --policy "$T/old.conf" "$BAD" >/dev/null 2>"$T/err"
is "$?" 1 "an expired entry no longer applies: exit 1"
grep -q "old.conf:2: note: the entry for listen-public expired on 2027-01-01" "$T/err"
ok $? "... and a note names it"
# malformed policies: FILE:LINE and exit 2
printf 'policy = (\n  { rule = "no-such-*"; level = "warning"; reason = "r"; }\n);\n' >"$T/bad1.conf"
lint --policy "$T/bad1.conf" "$BAD" >"$T/out" 2>"$T/err"
is "$?" 2 "a rule glob naming no rule: exit 2"
grep -q "bad1.conf:2: error: rule 'no-such-\*' names no rule" "$T/err"
ok $? "... at its line"
[ ! -s "$T/out" ]
ok $? "... nothing on standard output"
printf 'policy = (\n  { rule = "unit-*"; unit_kind = "cronjob"; level = "warning"; reason = "r"; }\n);\n' >"$T/bad2.conf"
lint --policy "$T/bad2.conf" "$BAD" >/dev/null 2>"$T/err"
is "$?" 2 "an unknown unit kind: exit 2"
printf 'policy = (\n  { rule = "unit-*"; level = "off"; reason = "r"; }\n);\n' >"$T/bad3.conf"
lint --policy "$T/bad3.conf" "$BAD" >/dev/null 2>&1
is "$?" 2 "a level other than error, warning, note: exit 2 (a policy regrades, it does not hide)"

# --- baselines ---
lint -f json "$BAD" "$GAME" >"$T/base.json" 2>/dev/null
is "$?" 1 "the archive fails today"
lint -f json --baseline "$T/base.json" "$BAD" "$GAME" >"$T/again.json" 2>/dev/null
is "$?" 0 "the same run against its own baseline: exit 0"
is "$(jq -r '[.packages[].findings | length] | add' "$T/again.json"),$(jq -r '[.packages[].baselined | length] | add' "$T/again.json"),$(jq -r '.disappeared | length' "$T/again.json")" \
	"0,2,0" "json: no finding counts, both are under baselined, nothing disappeared"
# a line moves (an edit above it), a new finding appears in the same package
printf '# a comment\n# another\nbind 0.0.0.0\n' | put "$T/src/bad/tree" etc/redis/redis.conf 0640
printf '17 * * * * root curl -fsS https://example.invalid/ping\n' | put "$T/src/bad/tree" etc/cron.d/ping 0644
mkpool "$P" "$T/src" bad 1.1 database
BAD2="$P/b/bad/bad_1.1_all.deb"
lint --baseline "$T/base.json" "$BAD2" "$GAME" >"$T/new.txt" 2>/dev/null
is "$?" 1 "one new finding: exit 1"
is "$(wc -l <"$T/new.txt" | tr -d ' ')" 1 "... and the output holds one finding"
grep -q "etc/cron.d/ping:1: error: phone-home:" "$T/new.txt"
ok $? "... the new one (the moved listen-public line stays matched by its fingerprint)"
# a finding goes away
printf 'bind 127.0.0.1\n' | put "$T/src/game/tree" etc/redis/redis.conf 0640
mkpool "$P" "$T/src" game 1.1 games
lint -f json --baseline "$T/base.json" "$BAD" "$P/g/game/game_1.1_all.deb" >"$T/gone.json" 2>"$T/err"
is "$?" 0 "a finding fixed: exit 0"
is "$(jq -r '.disappeared | map(.package + " " + .rule + " " + .file) | join(",")' "$T/gone.json")" \
	"game listen-public etc/redis/redis.conf" "json: disappeared lists the fixed finding"
grep -q "baseline: gone: game: etc/redis/redis.conf: listen-public:" "$T/err"
ok $? "... and standard error says it"
printf 'junk' >"$T/notjson"
lint --baseline "$T/notjson" "$BAD" >/dev/null 2>"$T/err"
is "$?" 2 "a baseline that is not a JSON document: exit 2"
grep -q "notjson:.*error: not a JSON document" "$T/err"
ok $? "... naming it"

done_testing
