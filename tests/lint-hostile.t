#!/bin/sh
# lint-hostile.t: corrupt, truncated and hostile inputs (path traversal, absolute names, symlink
# tricks, device nodes, decompression bombs) get one clear message naming the archive and the
# member, exit status 2, and nothing is written anywhere: the linter runs in an empty working
# directory that must stay empty, and no file appears where a member tried to escape to.
. "$(dirname "$0")/lib.sh"
. "$HK_SRCDIR/tests/lint/fixtures.sh"
scratch T
mkdir -p "$T/cwd" "$T/in/deep/er"
mk() { /usr/bin/python3 "$HK_SRCDIR/tests/lint/hostile.py" "$1" "$2"; }

# hostile KIND FILE PATTERN DESCRIPTION: lint FILE; exit 2, a message matching PATTERN
hostile() {
	err=$(cd "$T/cwd" && "$HARDENKIT" lint "$2" 2>&1 >/dev/null)
	rc=$?
	is "$rc" 2 "$1: exit status 2"
	printf '%s\n' "$err" | grep -q -- "$3"
	ok $? "$1: the message says so"
	[ "$rc" -ne 2 ] || printf '%s\n' "$err" | grep -v '^[A-Z ]*$' | sed 's/^/# /' | head -3
	is "$(ls -A "$T/cwd")" "" "$1: nothing written in the working directory"
}

mk traversal "$T/in/deep/er/traversal.tar.gz"
hostile traversal "$T/in/deep/er/traversal.tar.gz" "traversal.tar.gz: error: etc/../../escaped: member name climbs out of the package root" \
	"path traversal"
ok "$([ ! -e "$T/in/deep/escaped" ] && [ ! -e "$T/in/escaped" ]; echo $?)" "traversal: nothing appeared where the member pointed"
mk absolute "$T/in/absolute.tar.gz"
hostile absolute "$T/in/absolute.tar.gz" "absolute.tar.gz: error: /etc/cron.d/evil: absolute member name" "absolute name"
mk symlink-escape "$T/in/symlink.tar.gz"
hostile symlink "$T/in/symlink.tar.gz" "etc/passwd-link: symlink to '../../../../etc/passwd' points outside the package root" \
	"symlink escaping the root"
mk beneath-symlink "$T/in/beneath.tar.gz"
hostile beneath "$T/in/beneath.tar.gz" "etc/cron.d/evil: lies beneath the symlink 'etc/cron.d'" "a member beneath a symlink"
mk device "$T/in/device.tar.gz"
hostile device "$T/in/device.tar.gz" "device.tar.gz: error: dev/sda: device node" "a device node"
mk bomb "$T/in/bomb.tar.xz"
hostile bomb "$T/in/bomb.tar.xz" "usr/share/fixture/zeros: expands more than 200 times its compressed size" "a decompression bomb"
mk huge-header "$T/in/huge.tar"
hostile huge "$T/in/huge.tar" "usr/share/fixture/huge: declares 17179869184 bytes" "a header declaring 16 GiB"

# a real .deb, then truncated and corrupted copies of it
mkdir -p "$T/d/data/etc/fixture" "$T/d/control"
printf 'x = 1\n' >"$T/d/data/etc/fixture/fixture.conf"
head -c 300000 /dev/urandom >"$T/d/data/etc/fixture/noise"
printf 'Package: fixture\nVersion: 1\n' >"$T/d/control/control"
mkdeb "$T/d" "$T/d/data" "$T/d/control"
(cd "$T/cwd" && "$HARDENKIT" lint "$T/d/fixture.deb" >/dev/null 2>&1)
is "$?" 0 "the intact .deb is read (exit 0)"
size=$(stat -c %s "$T/d/fixture.deb")
head -c $((size / 2)) "$T/d/fixture.deb" >"$T/in/truncated.deb"
hostile truncated "$T/in/truncated.deb" "truncated.deb: " "a truncated .deb"
cp "$T/d/fixture.deb" "$T/in/corrupt.deb"
printf 'garbage garbage garbage garbage' | dd of="$T/in/corrupt.deb" bs=1 seek=200 conv=notrunc 2>/dev/null
hostile corrupt "$T/in/corrupt.deb" "corrupt.deb: " "a corrupted .deb"
printf '!<arch>\nnot really\n' >"$T/in/junk.deb"
hostile junk "$T/in/junk.deb" "junk.deb: " "an ar header and nothing else"
printf '2.0\n' >"$T/in/debian-binary" && (cd "$T/in" && ar rc nodata.deb debian-binary)
hostile nodata "$T/in/nodata.deb" "nodata.deb: error: not a Debian binary package: data.tar is missing" "a .deb without data.tar"

# a tree: symlinks are recorded, never followed; a device node is refused
mkdir -p "$T/tree/etc/redis"
ln -s /etc/shadow "$T/tree/etc/redis/redis.conf"
(cd "$T/cwd" && "$HARDENKIT" lint "$T/tree" >/dev/null 2>"$T/err")
is "$?" 0 "a tree whose config is a symlink to /etc/shadow: read without following it (exit 0)"
mknod "$T/tree/etc/null" c 1 3 2>/dev/null && {
	hostile tree-device "$T/tree" "tree: error: etc/null: device node" "a device node in a tree"
} || skip "mknod is not permitted here (needs root)"

# the memory bound: kept text is cut at 1 MiB a file (with a note) and refused past 32 MiB a package
mkdir -p "$T/big/etc/default" "$T/huge/etc/default"
yes 'OPTS="--verbose"' | head -c 3000000 >"$T/big/etc/default/f0"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19; do ln "$T/big/etc/default/f0" "$T/big/etc/default/f$i"; done
(cd "$T/cwd" && "$HARDENKIT" lint "$T/big" >/dev/null 2>"$T/err")
is "$?" 0 "20 files of 3 MB kept: each cut at 1 MiB, judged (exit 0)"
is "$(grep -c 'longer than 1024 KiB: only its beginning is judged' "$T/err")" 20 "... with a note for each"
if ldd "$HARDENKIT" 2>/dev/null | grep -q libasan; then
	skip "peak RSS is measured on the plain build: AddressSanitizer's shadow memory inflates it"
	skip "peak RSS is measured on the plain build: AddressSanitizer's shadow memory inflates it"
elif [ -x /usr/bin/time ]; then
	kb=$(/usr/bin/time -f %M "$HARDENKIT" lint "$T/big" 2>&1 >/dev/null | tail -n 1)
	ok "$([ "$kb" -lt 65536 ]; echo $?)" "peak RSS on 60 MB of kept text: $kb KiB < 64 MiB"
	kb=$(/usr/bin/time -f %M "$HARDENKIT" lint "$T/in/bomb.tar.xz" 2>&1 >/dev/null | tail -n 1)
	ok "$([ "$kb" -lt 65536 ]; echo $?)" "peak RSS on the bomb: $kb KiB < 64 MiB"
else
	skip "/usr/bin/time is not installed (the bench package list has it)"
	skip "/usr/bin/time is not installed (the bench package list has it)"
fi
for i in $(seq 0 39); do ln "$T/big/etc/default/f0" "$T/huge/etc/default/f$i"; done
hostile keep-cap "$T/huge" "more than 32 MiB of text to judge in one package" "past the 32 MiB keep cap"

# XML entities (libxml2 reads icecast.xml): a billion laughs and an external entity stay unexpanded
mkdir -p "$T/xml/etc/icecast2"
{
	printf '<?xml version="1.0"?>\n<!DOCTYPE icecast [\n<!ENTITY a0 "lollollollollollollollollollol">\n'
	for i in 1 2 3 4 5 6 7 8 9; do
		printf '<!ENTITY a%d "%s">\n' "$i" "$(for k in 1 2 3 4 5 6 7 8 9 10; do printf '&a%d;' $((i - 1)); done)"
	done
	printf '<!ENTITY leak SYSTEM "file:///etc/passwd">\n]>\n<icecast>'
	printf '<listen-socket><port>8000</port><bind-address>&leak;</bind-address></listen-socket>'
	printf '<authentication><admin-password>&a9;</admin-password></authentication></icecast>\n'
} >"$T/xml/etc/icecast2/icecast.xml"
(cd "$T/cwd" && "$HARDENKIT" lint --format=json "$T/xml" >"$T/xml.json" 2>/dev/null)
is "$?" 1 "XML billion laughs: judged like any config (exit 1: no listen address)"
if ldd "$HARDENKIT" 2>/dev/null | grep -q libasan; then
	skip "peak RSS is measured on the plain build: AddressSanitizer's shadow memory inflates it"
else
	kb=$(/usr/bin/time -f %M "$HARDENKIT" lint "$T/xml" 2>&1 >/dev/null | tail -n 1)
	ok "$([ "$kb" -lt 65536 ]; echo $?)" "XML billion laughs: peak RSS $kb KiB < 64 MiB"
fi
grep -q "root:" "$T/xml.json"
ok $((!$?)) "XML external entity: /etc/passwd is not read into the findings"
is "$(ls -A "$T/cwd")" "" "XML entities: nothing written in the working directory"

"$HARDENKIT" lint "$T/does-not-exist" >/dev/null 2>"$T/err"
is "$?" 2 "a missing input exits 2"
grep -q "does-not-exist: error: cannot open" "$T/err"
ok $? "a missing input: FILE: error: cannot open"
# one unreadable input among good ones: 2, and the good ones are still reported
out=$("$HARDENKIT" lint --format=json "$T/d/fixture.deb" "$T/in/junk.deb" 2>/dev/null)
is "$?" 2 "one unreadable input among several exits 2"
is "$(printf '%s' "$out" | jq -r '.packages | map(.error != null) | join(",")')" "false,true" \
	"JSON: the readable package has no error, the unreadable one says why"

done_testing
