#!/bin/sh
# lint-output.t: the linter's four output formats against golden files (tests/lint/golden/,
# refresh with HK_UPDATE_GOLDEN=1), the JSON contract of design.md, SARIF 2.1.0's required
# structure, TAP read back by prove, -j giving byte-identical output, and a sanity run on
# hardenkit's own generated tree: units gen writes without relaxations trip no unit-* rule.
. "$(dirname "$0")/lib.sh"
. "$HK_SRCDIR/tests/lint/fixtures.sh"
scratch T
G="$HK_SRCDIR/tests/lint/golden"

# two packages as trees, named relative to $T so the outputs hold no temporary path
printf 'bind 0.0.0.0\nrequirepass foobared\n' | put "$T/bad" etc/redis/redis.conf 0644
printf '[Unit]\nDescription=bare\n[Service]\nExecStart=/usr/sbin/fixtured\n' | put "$T/bad" usr/lib/systemd/system/fixture.service 0644
printf '17 * * * * root curl -fsS https://example.invalid/ping\n' | put "$T/bad" etc/cron.d/fixture 0644
printf '#!/bin/sh\n' | put "$T/bad" usr/bin/fixture-helper 4755
hardened_unit /usr/sbin/fixtured | put "$T/good" usr/lib/systemd/system/fixture.service 0644
profile fixture /usr/sbin/fixtured | put "$T/good" etc/apparmor.d/usr.sbin.fixtured 0644

for fmt in text json sarif tap; do
	(cd "$T" && NO_COLOR=1 "$HARDENKIT" lint --no-apparmor-parser --format=$fmt bad good >"$T/out.$fmt" 2>/dev/null)
	rc=$?
	is "$rc" 1 "$fmt: exit status 1 (error-level findings in bad)"
	if [ -n "${HK_UPDATE_GOLDEN:-}" ]; then
		mkdir -p "$G" && cp "$T/out.$fmt" "$G/lint.$fmt"
	fi
	diff -u "$G/lint.$fmt" "$T/out.$fmt" >"$T/diff" 2>&1
	ok $? "$fmt: matches tests/lint/golden/lint.$fmt"
	[ -s "$T/diff" ] && sed 's/^/# /' "$T/diff" | head -20
done

# JSON: design.md's contract, field by field
j="$T/out.json"
is "$(jq -r '.tool' "$j")" hardenkit "json: tool"
is "$(jq -r '.packages | length' "$j")" 2 "json: one entry per package, in the order given"
is "$(jq -r '.packages[0].path' "$j")" bad "json: path as given"
is "$(jq -r '[.packages[] | has("name") and has("version") and has("units") and has("findings")] | all' "$j")" true \
	"json: every package has name, version, units, findings"
is "$(jq -r '.packages[1].units[0].name' "$j")" fixture.service "json: units[].name"
is "$(jq -r '[.packages[].units[].exposure | type] | unique | join(",")' "$j")" number "json: units[].exposure is a number"
is "$(jq -r '[.packages[0].findings[] | (.rule|type) + (.level|type) + (.file|type) + (.message|type)] | unique | join(",")' "$j")" \
	stringstringstringstring "json: findings[] have rule, level, file, message strings"
is "$(jq -r '.packages[0].findings[] | select(.rule == "listen-public") | .file + ":" + (.line|tostring)' "$j")" \
	etc/redis/redis.conf:1 "json: file is the member's path, line a number"
is "$(jq -r '.packages[1].findings | length' "$j")" 0 "json: the hardened package has no finding"
# the exposure in the JSON is what systemd-analyze prints for the same unit
if command -v systemd-analyze >/dev/null 2>&1; then
	want=$(cd "$T/bad/usr/lib/systemd/system" && systemd-analyze security --offline=true fixture.service 2>/dev/null |
		sed -n 's/.*Overall exposure level for fixture.service: \([0-9.]*\).*/\1/p')
	is "$(jq -r '.packages[0].units[0].exposure' "$j")" "$want" "json: exposure equals systemd-analyze security --offline=true ($want)"
else
	skip "systemd-analyze is not installed"
fi

# SARIF 2.1.0: the properties the specification requires, and ruleIndex pointing at ruleId
s="$T/out.sarif"
is "$(jq -r '.version' "$s")" 2.1.0 "sarif: version 2.1.0"
is "$(jq -r '.runs[0].tool.driver.name' "$s")" hardenkit "sarif: tool.driver.name"
is "$(jq -r '.runs[0] as $r | [$r.results[] | $r.tool.driver.rules[.ruleIndex].id == .ruleId] | all' "$s")" true \
	"sarif: every result's ruleIndex names its ruleId"
is "$(jq -r '[.runs[0].results[] | (.message.text | length > 0) and (.locations[0].physicalLocation.artifactLocation.uri | length > 0)] | all' "$s")" \
	true "sarif: every result has a message and an artifact location"
is "$(jq -r '[.runs[0].results[].level] | unique | join(",")' "$s")" error,warning "sarif: levels are SARIF's"
is "$(jq -r '.runs[0].results | length' "$s")" "$(jq -r '[.packages[].findings[]] | length' "$j")" "sarif: one result per finding"
# and the whole document against the SARIF 2.1.0 schema (OASIS), with Debian's python3-jsonschema
if schema=$(tools/sarif-schema 2> "$T/schema.err"); then
	errors=$(/usr/bin/python3 - "$schema" "$s" <<'PY' 2>&1
import json, sys, jsonschema
schema, doc = (json.load(open(f)) for f in sys.argv[1:3])
for e in jsonschema.Draft4Validator(schema).iter_errors(doc):
    print("/".join(str(p) for p in e.absolute_path) + ": " + e.message[:200])
PY
)
	[ -z "$errors" ]
	ok $? "sarif: valid against the SARIF 2.1.0 schema${errors:+: $(echo "$errors" | head -n 3)}"
else
	skip "sarif: the SARIF 2.1.0 schema could not be fetched: $(cat "$T/schema.err")"
fi

# TAP: prove reads it; the bad package fails, the clean one passes
prove --exec cat "$T/out.tap" >/dev/null 2>&1
is "$?" 1 "tap: prove parses it and sees the failures"
grep -q '^ok [0-9]* - good: unit-exposure$' "$T/out.tap"
ok $? "tap: the hardened package passes unit-exposure"
grep -q '^not ok [0-9]* - bad: listen-public$' "$T/out.tap"
ok $? "tap: the bad package fails listen-public"

# -j: the same bytes whatever the scheduling
(cd "$T" && "$HARDENKIT" lint --no-apparmor-parser -j 4 --format=json bad good bad good >"$T/j4" 2>/dev/null)
(cd "$T" && "$HARDENKIT" lint --no-apparmor-parser -j 1 --format=json bad good bad good >"$T/j1" 2>/dev/null)
cmp -s "$T/j1" "$T/j4"
ok $? "-j 4 and -j 1 print the same document"

# sanity: hardenkit's own generated tree; the units of manifests without relaxations are clean
"$HARDENKIT" gen -o "$T/gen" "$HK_SRCDIR"/packages/*.conf >/dev/null 2>&1
ok $? "gen writes the bundled manifests' tree"
"$HARDENKIT" lint --format=json "$T/gen" >"$T/gen.json" 2>/dev/null
is "$?" 1 "lint on gen's tree exits 1 (declared public listeners and relaxations remain findings)"
for m in "$HK_SRCDIR"/packages/*.conf; do
	grep -q '^relaxations' "$m" && continue
	unit=$(sed -n 's/^ *unit = "\(.*\)";.*/\1/p' "$m" | head -n 1)
	hits=$(jq -r --arg u "$unit" '[.packages[0].findings[] | select((.rule | startswith("unit-")) and (.message | startswith($u + ":")))] | length' "$T/gen.json")
	is "$hits" 0 "gen's $unit (no relaxations) trips no unit-* rule"
done
is "$(jq -r '[.packages[0].units[] | select(.exposure != null and .exposure > 4.9) | .name] | join(" ")' "$T/gen.json")" "" \
	"no unit in gen's tree scores above 4.9"

done_testing
