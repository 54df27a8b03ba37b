#!/bin/sh
# observe-judge.t: what `hardenkit observe` concludes from observe-run's records, through
# --replay (no root, no boot): address scopes, DNS queries joined to the connections made to
# their answers, attempts the peer saw that no socket explains, units that did not start, the
# capability decoding, and the records a run that failed leaves. The boot itself is
# tests/observe/observe.t (make check-observe).
. "${HK_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}/tests/lib.sh"
HK=$HARDENKIT
scratch S
T=$(printf '\t')

rec() { tr '|' "$T"; }   # records written with | for readability
rec > "$S/r1" <<'EOF'
package|demo|1.0-1
unit|demo.service|lib/systemd/system/demo.service|boot|active/running|
unit|demo-web.socket|lib/systemd/system/demo-web.socket|boot|active/listening|
unit|demo-setup.service|lib/systemd/system/demo-setup.service|boot|inactive/dead|Result=success ExecMainStatus=0
unit|demo-needs.service|lib/systemd/system/demo-needs.service|boot|inactive/dead|unmet condition ConditionPathExists=/etc/demo.conf
unit|demo-crash.service|lib/systemd/system/demo-crash.service|boot|failed/failed|Result=exit-code ExecMainStatus=1; demo: no config
unit|demo-extra.service|lib/systemd/system/demo-extra.service|not-enabled|inactive/dead|Result=success ExecMainStatus=0
listen|boot|udp|0.0.0.0:53|demo|101|demo.service
listen|boot|tcp|[::]:80|systemd|1|demo-web.socket
listen|boot|tcp|127.0.0.1:6000|demo|101|demo.service
listen|boot|tcp|[::1]:6000|demo|101|demo.service
listen|boot|tcp|127.0.0.53%lo:5353|demo|101|demo.service
listen|boot|unix|/run/demo/ctl.sock|demo|101|demo.service
listen|shipped|tcp|198.51.100.1:7000|demo-extra|202|demo-extra.service
dns|boot|A|telemetry.demo.example|198.18.0.2|demo.service|demo
dns|boot|AAAA|telemetry.demo.example|-|demo.service|demo
dns|timer:demo-update.timer|A|updates.demo.example|198.18.0.3|?|?
connect|boot|tcp|198.18.0.2:443|demo|101|demo.service
connect|boot|udp|198.51.100.2:53|demo|101|demo.service
connect|boot|tcp|203.0.113.9:8443|demo|101|demo.service
peer|tcp|198.18.0.2|443
peer|udp|203.0.113.50|9999
peer|udp|198.18.0.3|123
process|demo.service|101|demo|demo|0000000000003400
process|demo-extra.service|202|demo-extra|root|000001ffffffffff
process|demo-setup.service|303|demo-setup|nobody|0000000000000000
settled|running
EOF
"$HK" observe --replay -f json "$S/r1" > "$S/j1"
is "$?" 1 "an error-level finding: exit 1"
msgs() { jq -r --arg r "$1" '.packages[0].findings[] | select(.rule == $r) | .file + " " + .message' "$S/j1"; }
is "$(msgs listen-public)" "lib/systemd/system/demo-extra.service observed: tcp 198.51.100.1:7000 by demo-extra (demo-extra.service), a non-loopback address [a unit the package ships but does not enable, started by observe]
lib/systemd/system/demo-web.socket observed: tcp [::]:80 by systemd (demo-web.socket), every interface
lib/systemd/system/demo.service observed: udp 0.0.0.0:53 by demo (demo.service), every interface" \
	"listen-public: the wildcard (v4, v6), a non-loopback address (labelled: a unit observe started), with the unit file"
is "$(msgs observed-listen)" "lib/systemd/system/demo.service observed: tcp 127.0.0.1:6000 by demo (demo.service), loopback
lib/systemd/system/demo.service observed: tcp 127.0.0.53%lo:5353 by demo (demo.service), loopback
lib/systemd/system/demo.service observed: tcp [::1]:6000 by demo (demo.service), loopback
lib/systemd/system/demo.service observed: unix /run/demo/ctl.sock by demo (demo.service), a unix socket" \
	"observed-listen: loopback (127/8 with an interface scope, ::1) and unix sockets are records, not faults"
is "$(msgs phone-home)" " observed: dns A updates.demo.example by a process that was gone before it was seen, then udp 198.18.0.3:123 [after triggering demo-update.timer]
 observed: udp 203.0.113.50:9999 reached the peer, from a socket that was gone before it was seen
lib/systemd/system/demo.service observed: dns A,AAAA telemetry.demo.example by demo (demo.service), then tcp 198.18.0.2:443
lib/systemd/system/demo.service observed: tcp 203.0.113.9:8443 by demo (demo.service)" \
	"phone-home: a name with the attempts made to its answer (seen inside or at the peer), an address without a name, what only the peer saw; never the resolver itself"
is "$(msgs observed-not-started)" "lib/systemd/system/demo-crash.service observed: demo-crash.service did not start (failed/failed): Result=exit-code ExecMainStatus=1; demo: no config
lib/systemd/system/demo-needs.service observed: demo-needs.service did not start (inactive/dead): unmet condition ConditionPathExists=/etc/demo.conf -- it needs configuration; nothing it would do was observed" \
	"observed-not-started: a failed unit and an unmet condition; not a oneshot that ran, nor a unit nobody enabled"
is "$(msgs observed-process | sed 's/^[^ ]* //' | sort)" "observed: demo (demo.service) pid 101 runs as demo, effective capabilities: cap_net_bind_service,cap_net_admin,cap_net_raw
observed: demo-extra (demo-extra.service) pid 202 runs as root, effective capabilities: all
observed: demo-setup (demo-setup.service) pid 303 runs as nobody, effective capabilities: none" \
	"observed-process: CapEff decoded with the kernel's names (0x3400), the full set as all, none"
is "$(jq -r '.packages[0] | .name + " " + .version + " " + (.units | map(.name) | join(","))' "$S/j1")" \
	"demo 1.0-1 demo.service,demo-web.socket,demo-setup.service,demo-needs.service,demo-crash.service,demo-extra.service" \
	"the package's name, version and units come from the records"

# loopback only: exit 0
rec > "$S/r2" <<'EOF'
package|quiet|2
unit|quiet.service|lib/systemd/system/quiet.service|boot|active/running|
listen|boot|tcp|127.0.0.1:11211|quiet|55|quiet.service
EOF
"$HK" observe --replay "$S/r2" > "$S/t2"
is "$?" 0 "loopback only: exit 0"
is "$(cat "$S/t2")" "$S/r2/lib/systemd/system/quiet.service: note: observed-listen: observed: tcp 127.0.0.1:11211 by quiet (quiet.service), loopback" \
	"text: lint's one-line format, the note under observe's rule id"

# a run that could not observe: the error record, exit 2, no findings
rec > "$S/r3" <<'EOF'
package|broken|1
error|apt could not install broken from /debs: E: Unable to correct problems
EOF
"$HK" observe --replay -f json "$S/r3" > "$S/j3" 2> "$S/e3"
is "$?" 2 "a run whose install failed: exit 2"
is "$(jq -r '.packages[0].error + " | " + (.packages[0].findings | length | tostring)' "$S/j3")" \
	"apt could not install broken from /debs: E: Unable to correct problems | 0" "JSON: the error, and no findings"
grep -q "hardenkit observe: $S/r3: apt could not install" "$S/e3"
ok $? "stderr names the records and the reason"

# not a record file
printf 'hello world\n' > "$S/r4"
"$HK" observe --replay "$S/r4" > "$S/o4" 2> "$S/e4"
is "$?" 2 "not records: exit 2"
grep -q "$S/r4:1: not an observe record" "$S/e4"
ok $? "not records: FILE:LINE says so"

# usage
"$HK" observe --window 0 x.deb > /dev/null 2> "$S/e5"
is "$?" 2 "--window 0: usage error"
"$HK" observe x.deb > /dev/null 2> "$S/e6"
is "$?" 2 "no --root: usage error"
grep -q -- '--root DIR is required' "$S/e6"
ok $? "no --root: the message says --root is required"
"$HK" observe --root /nonexistent x.deb > /dev/null 2> "$S/e7"
is "$?" 2 "a root without systemd: exit 2"
grep -q '/nonexistent: not a bootable root' "$S/e7"
ok $? "a root without systemd: named"
done_testing
