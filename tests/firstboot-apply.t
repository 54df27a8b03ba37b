#!/bin/sh
# First-boot apply steps and config rewrites, in an image root a command can be chrooted into
# (the host's /usr under an overlay). The delivery template is the test's own: its command
# records what it was given, so the test sees that the secret arrives on stdin only, as the
# daemon's user, once per stamp, and never in argv, the environment or an error message.
. "${HK_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
. "$HK_SRCDIR/tests/firstboot-lib.sh"
fb_private_mounts "$@"
cd "$HK_SRCDIR" || exit 1

if [ "$(id -u)" != 0 ] || [ -z "${HK_FB_UNSHARED:-}" ]; then
	skip "apply steps chroot into an image root: needs root and a private mount namespace (unshare)"
	done_testing
	exit
fi

fb_scratch
tmp=$fb_tmp
chmod 755 "$tmp"
data=$tmp/data
cp -rL "$HARDENKIT_DATADIR" "$data"
cat > "$data/credentials/memcached.conf" <<'EOF'
# tests/firstboot-apply.t: a delivery template whose apply command reports what it was given.
dialect = "memcached";
description = "test deliveries: an apply command that records its input, a rewrite";
sources = ["tests/firstboot-apply.t"];
credentials = (
  { name = "token";
    delivery = "apply";
    apply = {
      command = ["/bin/sh", "/var/lib/fbtest/apply", "@NAME@"];
      input = ["token=@SECRET@", "native=@MYSQL_NATIVE_PASSWORD@", "scram=@SCRAM_SHA_256@", "ssha=@SSHA@"];
      writes = ["/var/lib/fbtest"];
      timeout = 3;
    };
  },
  { name = "key";
    delivery = "include";
    include = { path = "/etc/fb-apply.d/60-key.conf"; lines = ["key @SECRET@"]; };
    rewrite = {
      file = "/etc/fb-apply.conf";
      match = ["key changeme*", "key2 changeme*"];
      replace = "key @SECRET@ # was: @LINE@";
    };
  }
);
EOF
export HARDENKIT_DATADIR="$data"

root=$tmp/root
fb_image_root "$root"
ok $? "an image root over the host's /usr (overlay), chroot-able"
mkdir -p "$root/var/lib/fbtest"
cat > "$root/var/lib/fbtest/apply" <<'EOF'
#!/bin/sh
# Records its input, who it runs as, its argv and environment; fails or hangs when told to.
d=/var/lib/fbtest
umask 077
cat >> $d/inputs
id -u > $d/uid
id -G > $d/groups
echo "$0 $*" > $d/argv
env > $d/env
[ -e $d/pause ] && read -r _ < $d/pause
if [ -e $d/fail ]; then tail -n 4 $d/inputs >&2; echo "fbtest: refused" >&2; exit 3; fi
[ -e $d/hang ] && sleep 60
exit 0
EOF
chmod 755 "$root/var/lib/fbtest/apply"
chown -R 4902:4902 "$root/var/lib/fbtest"
printf '# fb-apply test config\nkey   changeme  # the default\nport 11299\n\tkey2 changeme\n' > "$root/etc/fb-apply.conf"
chown 4902:4902 "$root/etc/fb-apply.conf"
chmod 0600 "$root/etc/fb-apply.conf"
"$HARDENKIT" gen -o "$root" tests/manifests/firstboot/fb-apply.conf > "$tmp/gen.out" 2>&1
ok $? "gen writes fb-apply's files with the test's delivery template$(head -n 3 "$tmp/gen.out" | sed 's/^/: /')"
spec=$root/usr/lib/hardenkit/firstboot/fb-apply.conf
grep -q '"fb-apply"' "$spec" && grep -q 'user = "fbapply";' "$spec"
ok $? "the apply command gets the manifest's name (@NAME@ in argv) and runs as the daemon's user"
oneshot=$root/usr/lib/systemd/system/hardenkit-firstboot-fb-apply.service
grep -qx 'CapabilityBoundingSet=CAP_CHOWN CAP_SETGID CAP_SETUID' "$oneshot"
ok $? "the oneshot keeps only the capabilities it needs: chown (include owner), setuid/setgid (apply user)"
grep -qx 'StateDirectory=hardenkit/firstboot' "$oneshot" && grep -qx 'ReadWritePaths=-/var/lib/fbtest' "$oneshot" &&
	grep -qx 'ReadWritePaths=-/etc' "$oneshot" && grep -qx 'ConditionPathExists=|!/var/lib/hardenkit/firstboot/fb-apply.token.applied' "$oneshot"
ok $? "the oneshot may write the stamp directory and what the apply and the rewrite write, and runs while the stamp is missing"

d=$root/var/lib/fbtest
fifo=$d/pause
mkfifo "$fifo"
chown 4902:4902 "$fifo"
"$HARDENKIT" firstboot --root "$root" > "$tmp/out" 2> "$tmp/err" &
pid=$!
fb_until 10 test -s "$d/inputs"
ok $? "the apply command runs and reads its input"
secret=$(cat "$root/etc/credstore/fb-apply.token")
printf '%s\n' "$secret" > "$tmp/pattern"
chmod 600 "$tmp/pattern"
is "$(fb_scan_procs "$tmp/pattern")" "" "while it runs, no process's cmdline or environment holds the secret"
fb_release "$fifo"
fb_wait "$pid" 30
rm -f "$fifo"
is "$fb_status" 0 "firstboot: exit 0$(head -n 3 "$tmp/err" | sed 's/^/: /')"
is "$(grep -c "^token=$secret\$" "$d/inputs")" 1 "the command got the secret on its standard input, once"
native="*$(printf '%s' "$secret" | openssl sha1 -binary | openssl sha1 | sed 's/.*= //' | tr a-f A-F)"
is "$(sed -n 's/^native=//p' "$d/inputs")" "$native" "@MYSQL_NATIVE_PASSWORD@ is '*' and HEX(SHA1(SHA1(secret)))"
ssha=$(sed -n 's/^ssha={SSHA}//p' "$d/inputs" | openssl base64 -d -A | od -An -v -tx1 | tr -d ' \n')
salt=${ssha#????????????????????????????????????????}
digest=$( (printf '%s' "$secret"; printf '%s' "$salt" | sed 's/../\\x&/g' | xargs -0 printf) | openssl sha1 | sed 's/.*= //')
is "${ssha%"$salt"}" "$digest" "@SSHA@ is base64(SHA1(secret salt) salt)"
grep -Eq '^scram=SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}:[A-Za-z0-9+/=]{44}$' "$d/inputs"
ok $? "@SCRAM_SHA_256@ has PostgreSQL's verifier format (the postgresql test logs in with it)"
is "$(cat "$d/uid") $(cat "$d/groups")" "4902 4902" "it ran as fbapply (uid and gid from the root's passwd), no other group"
is "$(cat "$d/argv")" "/var/lib/fbtest/apply fb-apply" "its argv is the template's, nothing else"
is "$(sort "$d/env" | grep -v '^PWD=' | tr '\n' ' ')" "HOME=/ LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin " \
	"its environment is its own: nothing inherited"
! grep -q -F -f "$tmp/pattern" "$d/argv" "$d/env" "$tmp/out" "$tmp/err"
ok $? "the secret is not in its argv, its environment, or firstboot's output"
[ -f "$root/var/lib/hardenkit/firstboot/fb-apply.token.applied" ]
ok $? "a stamp records that the apply step succeeded"
grep -q 'fb-apply: token: applied with /bin/sh as fbapply (stamp /var/lib/hardenkit/firstboot/fb-apply.token.applied)' "$tmp/out"
ok $? "the message says what was applied, as whom"

# The rewrite and the include file of the second credential.
key=$(cat "$root/etc/credstore/fb-apply.key")
is "$(stat -c '%a %u:%g' "$root/etc/fb-apply.conf")" "600 4902:4902" "the rewritten config keeps its mode and owner"
is "$(sed -n 2p "$root/etc/fb-apply.conf")" "key $key # was: key   changeme  # the default" "a matching line became the replacement"
is "$(sed -n 4p "$root/etc/fb-apply.conf")" "key $key # was: 	key2 changeme" "lines match with blanks squeezed"
is "$(sed -n '1p;3p' "$root/etc/fb-apply.conf" | tr '\n' '|')" "# fb-apply test config|port 11299|" "other lines are untouched"
grep -q 'fb-apply: key: rewrote 2 lines of /etc/fb-apply.conf (mode 0600 and owner kept)' "$tmp/out"
ok $? "the message says what was rewritten"
is "$(stat -c '%a %u:%g' "$root/etc/fb-apply.d/60-key.conf") $(tail -n 1 "$root/etc/fb-apply.d/60-key.conf")" \
	"400 4902:4902 key $key" "the include file is the daemon's, 0400, in a directory firstboot made"

cp "$root/etc/fb-apply.conf" "$tmp/conf.before"
"$HARDENKIT" firstboot --root "$root" > "$tmp/out" 2>&1
ok $? "a second run: exit 0"
is "$(grep -c '^token=' "$d/inputs")" 1 "the stamp keeps the apply step from running again"
cmp -s "$tmp/conf.before" "$root/etc/fb-apply.conf"
ok $? "nothing is rewritten twice"
is "$(grep -c 'nothing to do' "$tmp/out")" 2 "both credentials say there is nothing to do"

# A failing apply: the error shows the command's output with the secret cut out, no stamp.
rm -f "$root/var/lib/hardenkit/firstboot/fb-apply.token.applied"
touch "$d/fail"
"$HARDENKIT" firstboot --root "$root" fb-apply > "$tmp/out" 2> "$tmp/err"
is "$?" 1 "an apply command that fails: exit 1"
grep -q 'fb-apply: token: /bin/sh failed with exit status 3; the secret is kept and the next run applies it again' "$tmp/err"
ok $? "the error names the credential, the command and its status"
grep -q '  | token=(secret)$' "$tmp/err" && grep -q '  | fbtest: refused$' "$tmp/err"
ok $? "the command's output is shown with the secret cut out"
grep -q '  | native=(secret)$' "$tmp/err" && grep -q '  | ssha=(secret)$' "$tmp/err"
ok $? "its hashes are cut out too"
! grep -q -F -f "$tmp/pattern" "$tmp/out" "$tmp/err"
ok $? "the secret itself appears nowhere in the output"
[ ! -e "$root/var/lib/hardenkit/firstboot/fb-apply.token.applied" ]
ok $? "no stamp"
rm -f "$d/fail"
"$HARDENKIT" firstboot --root "$root" fb-apply > /dev/null 2>&1
ok $? "the next run applies it"
is "$(sed -n 's/^token=//p' "$d/inputs" | sort -u)" "$secret" "with the same secret every time"

# A hanging apply is killed after its timeout.
rm -f "$root/var/lib/hardenkit/firstboot/fb-apply.token.applied"
touch "$d/hang"
start=$(date +%s)
"$HARDENKIT" firstboot --root "$root" fb-apply > /dev/null 2> "$tmp/err"
is "$?" 1 "an apply command that hangs: exit 1"
grep -q 'did not finish within 3 seconds and was killed' "$tmp/err"
ok $? "after its timeout ($(($(date +%s) - start)) s) it is killed, and the error says so"
rm -f "$d/hang"
"$HARDENKIT" firstboot --root "$root" fb-apply > /dev/null 2>&1
ok $? "the next run applies it"

# The rewrite refuses to put a secret into a file others may read.
r2=$tmp/r2
fb_image_root "$r2"
printf 'key changeme\n' > "$r2/etc/fb-apply.conf"
chmod 0644 "$r2/etc/fb-apply.conf"
mkdir -p "$r2/var/lib/fbtest" && cp -p "$d/apply" "$r2/var/lib/fbtest/" && chown -R 4902:4902 "$r2/var/lib/fbtest"
"$HARDENKIT" gen -o "$r2" tests/manifests/firstboot/fb-apply.conf > /dev/null 2>&1
"$HARDENKIT" firstboot --root "$r2" > "$tmp/out" 2> "$tmp/err"
is "$?" 1 "a rewrite of a world-readable file with the secret: exit 1"
grep -q 'fb-apply: key: /etc/fb-apply.conf is readable by group or others (0644): the secret cannot go into it' "$tmp/err"
ok $? "the error says why ($(head -n 1 "$tmp/err"))"
is "$(cat "$r2/etc/fb-apply.conf")" "key changeme" "the file is untouched"
grep -q 'fb-apply: token: applied' "$tmp/out"
ok $? "the other credential is still applied"

# Killed at every crash point, apply and rewrite included: the secret never changes, every
# apply got that same secret, and the next run completes.
r3=$tmp/r3
fb_image_root "$r3"
mkdir -p "$r3/var/lib/fbtest" && cp -p "$d/apply" "$r3/var/lib/fbtest/" && chown -R 4902:4902 "$r3/var/lib/fbtest"
"$HARDENKIT" gen -o "$r3" tests/manifests/firstboot/fb-apply.conf > /dev/null 2>&1
n=0 bad=
while [ $n -lt 200 ]; do
	n=$((n + 1))
	rm -rf "$r3/etc/credstore" "$r3/etc/fb-apply.d" "$r3/var/lib/hardenkit" "$r3/var/lib/fbtest/inputs"
	printf 'key changeme\n' > "$r3/etc/fb-apply.conf" && chmod 600 "$r3/etc/fb-apply.conf"
	HK_FIRSTBOOT_TEST_KILL_AT=$n "$HARDENKIT" firstboot --root "$r3" > /dev/null 2>&1
	rc=$?
	[ $rc = 0 ] && break
	[ $rc = 137 ] || bad="$bad $n:exit=$rc"
	t=$(cat "$r3/etc/credstore/fb-apply.token" 2>/dev/null)
	k=$(cat "$r3/etc/credstore/fb-apply.key" 2>/dev/null)
	[ -z "$t" ] || [ ${#t} = 64 ] || bad="$bad $n:partial-token"
	[ -z "$k" ] || [ ${#k} = 43 ] || bad="$bad $n:partial-key"
	[ ! -e "$r3/var/lib/hardenkit/firstboot/fb-apply.token.applied" ] || grep -q "^token=$t\$" "$r3/var/lib/fbtest/inputs" || bad="$bad $n:stamp-without-apply"
	grep -q '^key changeme$' "$r3/etc/fb-apply.conf" || [ "$(cat "$r3/etc/fb-apply.conf")" = "key $k # was: key changeme" ] || bad="$bad $n:rewrite"
	"$HARDENKIT" firstboot --root "$r3" > /dev/null 2>&1 || bad="$bad $n:next-run"
	[ "$(cat "$r3/etc/credstore/fb-apply.token")" = "${t:-$(cat "$r3/etc/credstore/fb-apply.token")}" ] || bad="$bad $n:token-changed"
	[ "$(cat "$r3/etc/credstore/fb-apply.key")" = "${k:-$(cat "$r3/etc/credstore/fb-apply.key")}" ] || bad="$bad $n:key-changed"
	t=$(cat "$r3/etc/credstore/fb-apply.token")
	[ "$(sed -n 's/^token=//p' "$r3/var/lib/fbtest/inputs" | sort -u)" = "$t" ] || bad="$bad $n:apply-got-another"
	[ -e "$r3/var/lib/hardenkit/firstboot/fb-apply.token.applied" ] || bad="$bad $n:no-stamp"
	[ "$(cat "$r3/etc/fb-apply.conf")" = "key $(cat "$r3/etc/credstore/fb-apply.key") # was: key changeme" ] || bad="$bad $n:not-rewritten"
done
is "$(echo "$bad" | cut -c1-400)" "" "killed at each of the $((n - 1)) crash points of an apply and a rewrite: nothing partial, the next run completes"
[ $n -gt 20 ] && [ $n -lt 200 ]
ok $? "the crash points cover the apply and the rewrite ($((n - 1)) points)"

umount "$root/dev" "$root/usr" "$r2/dev" "$r2/usr" "$r3/dev" "$r3/usr" 2>/dev/null
done_testing
