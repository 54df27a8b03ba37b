#!/bin/sh
# The command line and its documentation agree: every command `hardenkit --help` lists has its
# own --help, an entry in hardenkit(1) and a line in the README; usage errors exit 2; both
# manual pages render without a groff warning.
. "${HK_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
cd "$HK_SRCDIR" || exit 1
scratch tmp

"$HARDENKIT" --help > "$tmp/help"
ok $? "hardenkit --help exits 0"
commands=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p' "$tmp/help")
[ "$(echo "$commands" | wc -w)" -ge 4 ]
ok $? "--help lists the commands: $(echo $commands)"
for c in $commands; do
	out=$("$HARDENKIT" "$c" --help 2>&1)
	st=$?
	[ $st = 0 ] && echo "$out" | grep -q "^Usage: hardenkit $c"
	ok $? "hardenkit $c --help: exit 0 and a Usage line (exit $st)"
	grep -Eq "^\.B (hardenkit )?$c( |$)" doc/hardenkit.1
	ok $? "hardenkit(1) has an entry for $c"
	grep -q "hardenkit $c" README.md
	ok $? "README.md shows hardenkit $c"
done

"$HARDENKIT" no-such-command > /dev/null 2>&1
is $? 2 "an unknown command exits 2"
"$HARDENKIT" --no-such-option > /dev/null 2>&1
is $? 2 "an unknown option exits 2"
version=$(sed -n 's/^VERSION = //p' Makefile)
is "$("$HARDENKIT" --version)" "hardenkit $version" "--version prints the Makefile's version"

for page in doc/hardenkit.1 doc/hardenkit-manifest.5; do
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	[ -z "$warnings" ]
	ok $? "$page renders without warnings${warnings:+: $warnings}"
done

done_testing
