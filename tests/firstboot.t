#!/bin/sh
# First-boot credentials, end to end below an image root: what gen emits (spec, oneshot unit,
# service drop-in; the units checked by systemd-analyze), what `hardenkit firstboot` makes
# (lengths, alphabets, owners, modes), that a second run changes nothing, the exit statuses,
# the lock, that the secret reaches no argv, environment, output or readable file, and that a
# full disk or a read-only root gives one clear error and leaves nothing partial.
. "${HK_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$HK_SRCDIR/tests/firstboot-lib.sh"
fb_private_mounts "$@"
cd "$HK_SRCDIR" || exit 1

fb_scratch
tmp=$fb_tmp
root=$tmp/root
m=tests/manifests/firstboot/fb-redis.conf
fb_accounts "$root"
"$HARDENKIT" gen -o "$root" $m > "$tmp/gen.out" 2>&1
ok $? "gen writes the fb-redis manifest's files$(sed 's/^/: /' "$tmp/gen.out" | head -n 3)"

# --- what gen emits -----------------------------------------------------------------------
spec=$root/usr/lib/hardenkit/firstboot/fb-redis.conf
oneshot=$root/usr/lib/systemd/system/hardenkit-firstboot-fb-redis.service
dropin=$root/usr/lib/systemd/system/fb-redis.service.d/60-hardenkit-credentials.conf
for f in "$spec" "$oneshot" "$dropin"; do
	[ -f "$f" ]
	ok $? "gen staged ${f#"$root"}"
done
for c in requirepass:hex:256:include api-token:base64url:384:credential admin-password:alnum:128:credential; do
	IFS=: read -r name enc bits delivery <<EOF
$c
EOF
	awk -v n="$name" -v e="$enc" -v b="$bits" -v d="$delivery" '
			$0 ~ "name = \"" n "\";" { on = 1 }
			on && /strength = / { s = ($3 == b ";") }
			on && /encoding = / { en = ($3 == "\"" e "\";") }
			on && /delivery = / { de = ($3 == "\"" d "\";"); exit }
			END { exit !(s && en && de) }' "$spec"
	ok $? "the spec has $name: $bits bits, $enc, delivered by $delivery"
	grep -q "path = \"/etc/credstore/fb-redis.$name\";" "$spec"
	ok $? "the spec keeps $name in /etc/credstore/fb-redis.$name"
done
grep -q '^Requires=hardenkit-firstboot-fb-redis.service$' "$dropin" && grep -q '^After=hardenkit-firstboot-fb-redis.service$' "$dropin"
ok $? "the service requires the oneshot and starts after it"
is "$(grep '^LoadCredential=' "$dropin" | tr '\n' ' ')" \
	"LoadCredential=api-token:/etc/credstore/fb-redis.api-token LoadCredential=admin-password:/etc/credstore/fb-redis.admin-password " \
	"LoadCredential= for the two file-capable credentials, from the root-only store"
! grep -q '^\[Service\]' "$root/usr/lib/systemd/system/fb-redis.service.d/50-hardenkit.conf" 2>/dev/null
ok $? "the credentials drop-in is its own file, beside (not inside) the sandbox"
for want in 'Type=oneshot' 'RemainAfterExit=yes' 'Before=fb-redis.service' 'ExecStart=/usr/bin/hardenkit firstboot fb-redis' \
	'ConditionPathExists=|!/etc/credstore/fb-redis.requirepass' \
	'ConditionPathExists=|!/etc/redis/conf.d/60-hardenkit-requirepass.conf' \
	'ConditionPathExists=|!/etc/credstore/fb-redis.api-token' \
	'ConditionPathExists=|!/etc/credstore/fb-redis.admin-password' \
	'ReadWritePaths=-/etc/redis/conf.d' 'ConfigurationDirectory=credstore' 'ConfigurationDirectoryMode=0700'; do
	grep -qxF "$want" "$oneshot"
	ok $? "the oneshot unit has $want"
done

# The real checker as the oracle, over the test manifest and every bundled manifest with
# credentials. verify needs systemd's own units in the root and the manual page on MANPATH.
units=$tmp/units
fb_accounts "$units"
bundled=$(grep -l '^credentials' packages/*.conf 2>/dev/null)
# shellcheck disable=SC2086
"$HARDENKIT" gen -o "$units" $m $bundled > "$tmp/gen2.out" 2>&1
ok $? "gen writes the firstboot files of fb-redis and the $(echo $bundled | wc -w) bundled manifests with credentials$(head -n 3 "$tmp/gen2.out" | sed 's/^/: /')"
is "$(cat "$tmp/gen2.out")" "" "gen says nothing: every credential found its delivery template row"
for b in $bundled; do
	n=$(basename "$b" .conf)
	[ -f "$units/usr/lib/systemd/system/hardenkit-firstboot-$n.service" ] && [ -f "$units/usr/lib/hardenkit/firstboot/$n.conf" ]
	ok $? "$n: its spec and oneshot unit were written"
done
mkdir -p "$units/usr/bin" "$units/usr/share/man/man1"
cp "$HARDENKIT" "$units/usr/bin/hardenkit"
cp doc/hardenkit.1 "$units/usr/share/man/man1/"
if tools/debian-root "$units" systemd 2> "$tmp/download.log"; then
	for u in "$units"/usr/lib/systemd/system/hardenkit-firstboot-*.service; do
		u=$(basename "$u")
		score=$(systemd-analyze security --offline=true --root="$units" "$u" 2>/dev/null |
			sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
		awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 1.5) }'
		ok $? "$u: exposure ${score:-none} <= 1.5"
		msg=$(MANPATH=$units/usr/share/man systemd-analyze verify --root="$units" "$u" 2>&1)
		ok $? "$u: systemd-analyze verify accepts it${msg:+: $msg}"
	done
else
	sed 's/^/# /' "$tmp/download.log"
	ok 1 "Debian's systemd package could be fetched for systemd-analyze verify (see above)"
fi

# --- the runtime -------------------------------------------------------------------------
secret() { cat "$root/etc/credstore/fb-redis.$1"; }
snapshot() { (cd "$root" && find etc -type f ! -name '.hardenkit-firstboot.lock' -exec stat -c '%n %i %s %Y %a %U:%G' {} + && find etc -type f -exec sha256sum {} +) | sort; }

"$HARDENKIT" firstboot --root "$root" fb-redis > "$tmp/out1" 2> "$tmp/err1"
ok $? "firstboot makes fb-redis's credentials: exit 0$(sed 's/^/: /' "$tmp/err1" | head -n 3)"
is "$(wc -l < "$tmp/out1")" 4 "one line per secret made or file written"
grep -q '^hardenkit firstboot: fb-redis: requirepass: generated a 256-bit hex secret in /etc/credstore/fb-redis.requirepass$' "$tmp/out1"
ok $? "the message names the credential and where it is"
for c in requirepass:64:'^[0-9a-f]*$' api-token:64:'^[A-Za-z0-9_-]*$' admin-password:22:'^[A-Za-z0-9]*$'; do
	name=${c%%:*} rest=${c#*:} len=${rest%%:*} re=${rest#*:}
	f=$root/etc/credstore/fb-redis.$name
	is "$(stat -c '%a %U:%G' "$f")" "400 root:root" "$name: mode 0400, owned by root"
	is "$(wc -c < "$f")" "$len" "$name: $len characters (its strength in its encoding, no newline)"
	secret "$name" | grep -Eq "$re"
	ok $? "$name: only characters of its alphabet"
done
secret admin-password | grep '[A-Z]' | grep '[a-z]' | grep -q '[0-9]'
ok $? "admin-password satisfies the alnum policy: upper, lower and digit"
is "$(stat -c '%a %U:%G' "$root/etc/credstore")" "700 root:root" "the store is root-only (0700)"
inc=$root/etc/redis/conf.d/60-hardenkit-requirepass.conf
is "$(stat -c '%a %u:%g' "$inc")" "400 4901:4901" "the include file is the daemon user's (uid from the root's passwd), 0400"
is "$(tail -n 1 "$inc")" "requirepass $(secret requirepass)" "the include file holds the secret in the dialect's syntax"
head -n 1 "$inc" | grep -q '^# Generated by hardenkit firstboot from the fb-redis manifest'
ok $? "the include file says where it comes from"

for f in "$root"/etc/credstore/fb-redis.*; do printf '%s\n' "$(cat "$f")"; done > "$tmp/secrets"
chmod 600 "$tmp/secrets"
! grep -q -F -f "$tmp/secrets" "$tmp/out1" "$tmp/err1"
ok $? "no secret in the output"
bad=$(fb_files_holding "$root" "$tmp/secrets" | grep -v '^[0-7]00 ')
is "$bad" "" "every file holding a secret has no group or other bits"

before=$(snapshot)
"$HARDENKIT" firstboot --root "$root" > "$tmp/out2" 2>&1
ok $? "a second run (every spec): exit 0"
is "$(grep -c 'already present in /etc/credstore/fb-redis\..*; nothing to do$' "$tmp/out2")" 3 "it says each credential is already there"
is "$(snapshot)" "$before" "and changes nothing (same files, inodes, times, modes, contents)"
[ ! -e "$root/etc/credstore/.fb-redis.requirepass.hardenkit-new" ] && ! ls -a "$root"/etc/credstore "$root"/etc/redis/conf.d | grep -q hardenkit-new
ok $? "no temporary file is left"

# --- never replaced, never used when it may have leaked ----------------------------------------
cp -p "$root/etc/credstore/fb-redis.api-token" "$tmp/api-token"
chmod 0440 "$root/etc/credstore/fb-redis.api-token"
"$HARDENKIT" firstboot --root "$root" fb-redis > "$tmp/out" 2> "$tmp/err"
is "$?" 1 "a secret with group permissions: exit 1"
grep -q 'fb-redis: api-token: /etc/credstore/fb-redis.api-token has group or other permissions (0440)' "$tmp/err"
ok $? "the error names the credential and the file ($(head -n 1 "$tmp/err"))"
grep -q 'admin-password: already present' "$tmp/out"
ok $? "the other credentials are still handled"
chmod 0400 "$root/etc/credstore/fb-redis.api-token"
cmp -s "$root/etc/credstore/fb-redis.api-token" "$tmp/api-token"
ok $? "the secret was not replaced"

printf 'tooshort' > "$tmp/short"
mv "$root/etc/credstore/fb-redis.admin-password" "$tmp/admin-password"
install -m 0400 "$tmp/short" "$root/etc/credstore/fb-redis.admin-password"
"$HARDENKIT" firstboot --root "$root" fb-redis > "$tmp/out" 2> "$tmp/err"
is "$?" 1 "an existing file that is no valid secret: exit 1"
grep -q 'does not hold a valid alnum secret; it is kept as it is' "$tmp/err"
ok $? "it is kept, and the error says how to make a new one"
is "$(cat "$root/etc/credstore/fb-redis.admin-password")" tooshort "the file is untouched"
mv "$tmp/admin-password" "$root/etc/credstore/fb-redis.admin-password"

# --- one credential fails, the others are still made ------------------------------------------
rm -f "$root"/etc/credstore/fb-redis.* "$inc"
sed -i '/^fbredis:/d' "$root/etc/passwd"
"$HARDENKIT" firstboot --root "$root" fb-redis > "$tmp/out" 2> "$tmp/err"
is "$?" 1 "the include file's owner is not in the root's passwd: exit 1"
grep -q 'fb-redis: requirepass: user "fbredis" is not in /etc/passwd' "$tmp/err"
ok $? "the error names the credential and the missing user"
[ -f "$root/etc/credstore/fb-redis.api-token" ] && [ -f "$root/etc/credstore/fb-redis.admin-password" ]
ok $? "the other two credentials were made anyway"
kept=$(secret requirepass)
fb_accounts "$root"
"$HARDENKIT" firstboot --root "$root" fb-redis > "$tmp/out" 2>&1
ok $? "with the user back, the next run completes"
is "$(tail -n 1 "$inc")" "requirepass $kept" "the include file holds the secret the failed run stored"

# --- usage and spec errors: exit 2, nothing done -------------------------------------------
"$HARDENKIT" firstboot --bogus > /dev/null 2>&1
is "$?" 2 "an unknown option: exit 2"
"$HARDENKIT" firstboot --root "$root" no-such-package > /dev/null 2> "$tmp/err"
is "$?" 2 "a NAME without a spec: exit 2"
grep -q 'no first-boot spec for no-such-package (/usr/lib/hardenkit/firstboot/no-such-package.conf)' "$tmp/err"
ok $? "the error names the spec it looked for"
"$HARDENKIT" firstboot --root "$root" ../etc > /dev/null 2>&1
is "$?" 2 "a NAME that is not a package name: exit 2"
"$HARDENKIT" firstboot --root "$tmp/nonexistent" > /dev/null 2>&1
is "$?" 2 "a root that does not exist: exit 2"
bad=$tmp/bad
fb_accounts "$bad"
"$HARDENKIT" gen -o "$bad" $m > /dev/null 2>&1
badspec=$bad/usr/lib/hardenkit/firstboot/fb-redis.conf
sed -i 's|path = "/etc/redis/conf.d/60-hardenkit-requirepass.conf"|path = "/etc/redis/@SECRET@.conf"|' "$badspec"
"$HARDENKIT" firstboot --root "$bad" > /dev/null 2> "$tmp/err"
is "$?" 2 "a spec that puts the secret into a path: exit 2"
grep -q '^/usr/lib/hardenkit/firstboot/fb-redis.conf:[0-9]*: error: credentials\[0\].include.path: @SECRET@ may not appear here' "$tmp/err"
ok $? "FILE:LINE names the problem ($(head -n 1 "$tmp/err"))"
[ ! -e "$bad/etc/credstore" ]
ok $? "nothing was done: not even the store exists"
sed -i 's|^unit = |unit = = |' "$badspec"
"$HARDENKIT" firstboot --root "$bad" fb-redis > /dev/null 2> "$tmp/err"
is "$?" 2 "a spec with a syntax error: exit 2 ($(head -n 1 "$tmp/err"))"

# --- --root keeps everything inside the root ------------------------------------------------
host_before=$(ls -la /etc/credstore /usr/lib/hardenkit 2>&1)
r2=$tmp/r2
fb_accounts "$r2"
"$HARDENKIT" gen -o "$r2" $m > /dev/null 2>&1 && "$HARDENKIT" firstboot --root "$r2" > /dev/null 2>&1
ok $? "firstboot --root on a fresh image root"
is "$(ls -la /etc/credstore /usr/lib/hardenkit 2>&1)" "$host_before" "the host's /etc/credstore and spec directory are as they were"

# A symlink inside the root is never followed, even to a place inside it.
r3=$tmp/r3
fb_accounts "$r3"
"$HARDENKIT" gen -o "$r3" $m > /dev/null 2>&1
mkdir -p "$tmp/elsewhere"
ln -s "$tmp/elsewhere" "$r3/etc/credstore"
"$HARDENKIT" firstboot --root "$r3" > /dev/null 2> "$tmp/err"
is "$?" 1 "/etc/credstore is a symlink: exit 1 ($(head -n 1 "$tmp/err"))"
is "$(ls -A "$tmp/elsewhere")" "" "nothing was written where the symlink points"

# --- the lock keeps two runs apart ----------------------------------------------------------
r4=$tmp/r4
fb_accounts "$r4"
"$HARDENKIT" gen -o "$r4" $m > /dev/null 2>&1
fifo=$tmp/fifo
mkfifo "$fifo"
HK_FIRSTBOOT_TEST_PAUSE="locked:$fifo" "$HARDENKIT" firstboot --root "$r4" > "$tmp/outA" 2>&1 &
a=$!
fb_until 10 test -e "$r4/etc/credstore/.hardenkit-firstboot.lock"
sleep 0.3
"$HARDENKIT" firstboot --root "$r4" > "$tmp/outB" 2>&1 &
b=$!
sleep 1
kill -0 "$b" 2>/dev/null && [ -z "$(ls "$r4/etc/credstore")" ]
ok $? "a second run waits while the first holds the lock, and writes nothing"
fb_release "$fifo"
fb_wait "$a" 30
is "$fb_status" 0 "the first run completes"
fb_wait "$b" 30
is "$fb_status" 0 "then the second one does"
is "$(grep -c 'generated' "$tmp/outA") $(grep -c 'generated' "$tmp/outB") $(grep -c 'already present' "$tmp/outB")" "3 0 3" \
	"the first made the secrets; the second found them all and made none"

# --- no leak while a run works ---------------------------------------------------------------
r5=$tmp/r5
fb_accounts "$r5"
"$HARDENKIT" gen -o "$r5" $m > /dev/null 2>&1
HK_FIRSTBOOT_TEST_PAUSE="synced:$fifo" "$HARDENKIT" firstboot --root "$r5" > "$tmp/outL" 2> "$tmp/errL" &
a=$!
pending=$r5/etc/credstore/.fb-redis.requirepass.hardenkit-new
fb_until 10 test -s "$pending"
ok $? "the run stops with the first secret written to its temporary file"
is "$(stat -c '%a %U' "$pending" 2>/dev/null)" "400 root" "the temporary file was 0400 before its first byte (owner and mode first)"
cat "$pending" > "$tmp/pattern"
chmod 600 "$tmp/pattern"
is "$(wc -c < "$tmp/pattern")" 64 "the test read the secret the run holds in memory"
tr '\0' '\n' < "/proc/$a/cmdline" | grep -qx firstboot && tr '\0' '\n' < "/proc/$a/environ" | grep -q '^HARDENKIT_DATADIR='
ok $? "the scan can read the paused run's own command line and environment"
is "$(fb_scan_procs "$tmp/pattern")" "" "no process's cmdline or environment holds it (scanned every /proc/PID)"
while kill -0 "$a" 2>/dev/null; do fb_release "$fifo"; done
fb_wait "$a" 30
is "$fb_status" 0 "the run completes"
cmp -s "$tmp/pattern" "$r5/etc/credstore/fb-redis.requirepass"
ok $? "the stored secret is the one that was being written"
for f in "$r5"/etc/credstore/fb-redis.*; do printf '%s\n' "$(cat "$f")"; done > "$tmp/pattern"
! grep -q -F -f "$tmp/pattern" "$tmp/outL" "$tmp/errL"
ok $? "the captured output holds none of the secrets"
is "$(fb_files_holding "$r5" "$tmp/pattern" | grep -v '^[0-7]00 ')" "" "no file with group or other bits holds one"

# --- a full disk and a read-only root: one clear error, nothing partial ------------------------
if [ "$(id -u)" = 0 ]; then
	full=$tmp/full
	mkdir -p "$full"
	mount -t tmpfs -o size=512k tmpfs "$full"
	fb_accounts "$full"
	"$HARDENKIT" gen -o "$full" $m > /dev/null 2>&1
	mkdir -p "$full/etc/credstore" && chmod 700 "$full/etc/credstore"
	: > "$full/etc/credstore/.hardenkit-firstboot.lock"
	dd if=/dev/zero of="$full/filler" bs=1k count=2048 2>/dev/null
	"$HARDENKIT" firstboot --root "$full" > "$tmp/out" 2> "$tmp/err"
	is "$?" 1 "a full disk: exit 1"
	is "$(wc -l < "$tmp/err")" 1 "one error, not one per credential ($(cat "$tmp/err"))"
	grep -q 'No space left on device' "$tmp/err"
	ok $? "the error says the disk is full and names the file"
	is "$(ls -A "$full/etc/credstore" "$full/etc/redis/conf.d" | grep -v -e '^$' -e ':$' -e '^\.hardenkit-firstboot.lock$' -e '^50-hardenkit-listen.conf$')" "" \
		"nothing partial is left: no secret, no temporary file"
	rm -f "$full/filler"
	"$HARDENKIT" firstboot --root "$full" > /dev/null 2>&1
	ok $? "with space again, the next run completes"
	umount "$full"

	ro=$tmp/ro
	fb_accounts "$ro"
	"$HARDENKIT" gen -o "$ro" $m > /dev/null 2>&1
	find "$ro" | sort > "$tmp/ro.before"
	mount --bind "$ro" "$ro" && mount -o remount,bind,ro "$ro"
	"$HARDENKIT" firstboot --root "$ro" > "$tmp/out" 2> "$tmp/err"
	is "$?" 1 "a read-only root: exit 1"
	is "$(wc -l < "$tmp/err")" 1 "one error ($(cat "$tmp/err"))"
	grep -q 'Read-only file system' "$tmp/err"
	ok $? "the error says the file system is read-only"
	umount "$ro"
	find "$ro" | sort > "$tmp/ro.after"
	cmp -s "$tmp/ro.before" "$tmp/ro.after"
	ok $? "nothing was created"
else
	skip "full-disk test needs root for a tmpfs mount"
	skip "read-only test needs root for a read-only bind mount"
fi

# --- no leak, no invalid access: valgrind on a run that makes everything ---------------------------
if nm -a "$HARDENKIT" 2>/dev/null | grep -q __asan_init; then
	skip "valgrind cannot run an ASan build (the sanitizers check this run instead)"
elif ! command -v valgrind > /dev/null; then
	ok 1 "valgrind is installed (tools/debian-deps.txt lists it)"
else
	r6=$tmp/r6
	fb_accounts "$r6"
	"$HARDENKIT" gen -o "$r6" $m > /dev/null 2>&1
	valgrind --quiet --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99 \
		--log-file="$tmp/vg.log" "$HARDENKIT" firstboot --root "$r6" > /dev/null 2>&1
	is "$?" 0 "valgrind: a run that makes every credential has no leak and no invalid access"
	[ -s "$tmp/vg.log" ] && sed 's/^/# /' "$tmp/vg.log" | head -n 40
	valgrind --quiet --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99 \
		--log-file="$tmp/vg.log" "$HARDENKIT" firstboot --root "$r6" > /dev/null 2>&1
	is "$?" 0 "valgrind: a second run, that reads them back, neither"
	[ -s "$tmp/vg.log" ] && sed 's/^/# /' "$tmp/vg.log" | head -n 40
	# shellcheck disable=SC2086
	valgrind --quiet --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all --error-exitcode=99 \
		--log-file="$tmp/vg.log" "$HARDENKIT" gen -o "$tmp/vg-gen" $m $bundled > /dev/null 2>&1
	is "$?" 0 "valgrind: gen writing every firstboot file (specs, oneshots, drop-ins) neither"
	[ -s "$tmp/vg.log" ] && sed 's/^/# /' "$tmp/vg.log" | head -n 40
fi

done_testing
