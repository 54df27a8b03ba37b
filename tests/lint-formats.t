#!/bin/sh
# lint-formats.t: the same package in every format the linter reads (.deb, .rpm built with
# rpmbuild, Arch .pkg.tar.zst and .pkg.tar.xz, Alpine .apk, plain .tar.gz, a tree) gives the
# same finding, the package's name and version from its own metadata, and its install script
# judged.
. "$(dirname "$0")/lib.sh"
. "$HK_SRCDIR/tests/lint/fixtures.sh"
scratch T
finding() { # finding FILE DESCRIPTION: the redis bind 0.0.0.0 finding, at its line
	out=$("$HARDENKIT" lint --no-apparmor-parser "$1" 2>&1)
	printf '%s\n' "$out" | grep -q "etc/redis/redis.conf:1: error: listen-public: bind 0.0.0.0"
	ok $? "$2: listen-public at etc/redis/redis.conf:1"
}
name_version() { # name_version FILE WANT DESCRIPTION
	is "$("$HARDENKIT" lint --no-apparmor-parser --format=json "$1" 2>/dev/null | jq -r '.packages[0] | .name + " " + (.version // "-")')" "$2" "$3"
}

mkdir -p "$T/data/etc/redis" "$T/deb-control" "$T/arch-meta" "$T/apk-meta"
printf 'bind 0.0.0.0\n' >"$T/data/etc/redis/redis.conf"
chmod 0640 "$T/data/etc/redis/redis.conf"

printf 'Package: fixture\nVersion: 1.0-1\n' >"$T/deb-control/control"
mkdeb "$T" "$T/data" "$T/deb-control"
finding "$T/fixture.deb" ".deb"
name_version "$T/fixture.deb" "fixture 1.0-1" ".deb: name and version from DEBIAN/control"

(cd "$T/data" && tar --owner=0 --group=0 -czf "$T/fixture.tar.gz" .)
finding "$T/fixture.tar.gz" ".tar.gz"
finding "$T/data" "a tree"

printf 'pkgname = fixture\npkgver = 1.0-1\narch = any\n' >"$T/arch-meta/.PKGINFO"
printf 'post_install() {\n\tcurl -fsS https://example.invalid/installed\n}\n' >"$T/arch-meta/.INSTALL"
cp -a "$T/data/etc" "$T/arch-meta/"
if command -v zstd >/dev/null 2>&1; then
	(cd "$T/arch-meta" && tar --owner=0 --group=0 --zstd -cf "$T/fixture-1.0-1-any.pkg.tar.zst" .PKGINFO .INSTALL etc)
	finding "$T/fixture-1.0-1-any.pkg.tar.zst" ".pkg.tar.zst"
	name_version "$T/fixture-1.0-1-any.pkg.tar.zst" "fixture 1.0-1" ".pkg.tar.zst: name and version from .PKGINFO"
	"$HARDENKIT" lint --no-apparmor-parser "$T/fixture-1.0-1-any.pkg.tar.zst" 2>&1 | grep -q "\.INSTALL:2: error: phone-home: "
	ok $? ".pkg.tar.zst: the .INSTALL script is judged (phone-home at its line)"
else
	skip "zstd is not installed"
fi
(cd "$T/arch-meta" && tar --owner=0 --group=0 -cJf "$T/fixture-1.0-1-any.pkg.tar.xz" .PKGINFO .INSTALL etc)
finding "$T/fixture-1.0-1-any.pkg.tar.xz" ".pkg.tar.xz"

printf 'pkgname = fixture\npkgver = 1.0-r1\n' >"$T/apk-meta/.PKGINFO"
printf '#!/bin/sh\nwget -q https://example.invalid/x\n' >"$T/apk-meta/.post-install"
/usr/bin/python3 "$HK_SRCDIR/tests/lint/apk.py" "$T/fixture-1.0-r1.apk" "$T/apk-meta" "$T/data"
finding "$T/fixture-1.0-r1.apk" ".apk (concatenated gzip segments)"
name_version "$T/fixture-1.0-r1.apk" "fixture 1.0-r1" ".apk: name and version from .PKGINFO"
"$HARDENKIT" lint --no-apparmor-parser "$T/fixture-1.0-r1.apk" 2>&1 | grep -q "\.post-install:2: error: phone-home: "
ok $? ".apk: the .post-install script is judged"
# apk v3 (ADB): no library here reads it, so a plain refusal rather than libarchive's guess
printf 'ADBd\001\002\003\004' >"$T/fixture-3.apk"
out=$("$HARDENKIT" lint --no-apparmor-parser "$T/fixture-3.apk" 2>&1)
is "$?" 2 ".apk v3 (ADB): exit 2"
printf '%s\n' "$out" | grep -q "^$T/fixture-3.apk: error: an Alpine apk v3 package (ADB format)"
ok $? ".apk v3 (ADB): says which format it is and why it is not read ($out)"

if command -v rpmbuild >/dev/null 2>&1; then
	mkdir -p "$T/rpm/SPECS"
	printf 'Name: fixture\nVersion: 1.0\nRelease: 1\nSummary: f\nLicense: MIT\nBuildArch: noarch\n%%description\nf\n%%install\nmkdir -p %%{buildroot}/etc/redis\nprintf "bind 0.0.0.0\\n" > %%{buildroot}/etc/redis/redis.conf\n%%files\n%%attr(0640,root,root) /etc/redis/redis.conf\n%%post\nsystemctl daemon-reload\ncurl -fsS https://example.invalid/installed\n%%preun\nsystemctl stop fixture.service\n' >"$T/rpm/SPECS/fixture.spec"
	rpmbuild --define "_topdir $T/rpm" -bb "$T/rpm/SPECS/fixture.spec" >/dev/null 2>&1
	rpm=$(ls "$T"/rpm/RPMS/noarch/fixture-*.rpm)
	finding "$rpm" ".rpm (rpmbuild)"
	name_version "$rpm" "fixture 1.0-1" ".rpm: name and version from the rpm header (librpm)"
	out=$("$HARDENKIT" lint --no-apparmor-parser "$rpm" 2>&1)
	printf '%s\n' "$out" | grep -q "RPM/%post:3: error: phone-home: "
	ok $? ".rpm: the %post scriptlet from the header is judged (phone-home at its line, after the #!/bin/sh the reader adds)" ||
		printf '%s\n' "$out" | sed 's/^/# /'
	printf '%s\n' "$out" | grep -q "RPM/%preun"
	ok $((! $?)) ".rpm: the harmless %preun scriptlet gives no finding"
	# the payload still comes after the header, from the same single read of the file
	"$HARDENKIT" lint --no-apparmor-parser --format=json "$rpm" 2>/dev/null | jq -e '.packages[0].findings | map(.file) | index("etc/redis/redis.conf") != null' >/dev/null
	ok $? ".rpm: the payload after the header is read too (etc/redis/redis.conf in the JSON)"
	head -c 2000 "$rpm" > "$T/cut.rpm"
	out=$("$HARDENKIT" lint --no-apparmor-parser "$T/cut.rpm" 2>&1)
	is "$?" 2 ".rpm cut inside its header: exit 2 ($out)"
	# a signature header declaring 1000 entries and 200 MiB of data: refused before librpm reads it
	cp "$rpm" "$T/big.rpm"
	printf '\000\000\003\350\014\200\000\000' | dd of="$T/big.rpm" bs=1 seek=104 conv=notrunc 2>/dev/null
	out=$("$HARDENKIT" lint --no-apparmor-parser "$T/big.rpm" 2>&1)
	is "$?:$out" "2:$T/big.rpm: error: the .rpm's headers declare more than 16 MiB: refused" ".rpm with a 200 MiB header: refused, exit 2"
	# lint -j reads packages in threads; librpm's configuration is global (read once)
	mkdir -p "$T/many"
	for i in 1 2 3 4 5 6; do cp "$rpm" "$T/many/p$i.rpm"; done
	cp "$T/cut.rpm" "$T/many/p7.rpm"
	"$HARDENKIT" lint --no-apparmor-parser -j 1 "$T"/many/*.rpm >"$T/j1" 2>&1
	"$HARDENKIT" lint --no-apparmor-parser -j 4 "$T"/many/*.rpm >"$T/j4" 2>&1
	cmp -s "$T/j1" "$T/j4" && [ "$(grep -c 'RPM/%post:3: error: phone-home' "$T/j4")" = 6 ]
	ok $? ".rpm: -j 4 over seven packages (one corrupt) gives what -j 1 gives"
else
	skip "rpmbuild is not installed (tools/install-deps test installs rpm)"
fi
done_testing
