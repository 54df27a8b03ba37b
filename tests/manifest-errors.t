#!/bin/sh
# Malformed manifests: each case in tests/manifests/bad/ breaks the valid base manifest
# (tests/manifests/good/tiny-daemon.conf) in one place; tests/manifests/bad.expected gives
# the exact FILE:LINE message hardenkit must print. Every case must exit with status 2.
. "${HK_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
cd "$HK_SRCDIR" || exit 1

out=$("$HARDENKIT" gen --check tests/manifests/good/tiny-daemon.conf 2>&1)
ok $? "the base manifest is valid ($out)"

cases=0
while IFS='|' read -r name expected; do
	case "$name" in ''|'#'*) continue ;; esac
	cases=$((cases + 1))
	file=tests/manifests/bad/$name.conf
	got=$("$HARDENKIT" gen --check "$file" 2>&1 >/dev/null)
	status=$?
	is "$status" 2 "$name: exit status 2"
	is "$got" "$file:$expected" "$name: message"
done < tests/manifests/bad.expected

# every fixture has an expectation, so no case is silently left out
is "$(ls tests/manifests/bad/*.conf | wc -l)" "$cases" "every bad manifest has an expected message"

got=$("$HARDENKIT" gen --check tests/manifests/bad/no-such-file.conf 2>&1)
is "$?" 2 "a missing manifest: exit status 2"
is "$got" "tests/manifests/bad/no-such-file.conf: error: cannot open: No such file or directory" "a missing manifest: message"

# several manifests: every error of every file is reported, not just the first
got=$("$HARDENKIT" gen --check tests/manifests/bad/port-zero.conf tests/manifests/bad/relative-exec.conf 2>&1 | wc -l)
is "$got" 2 "errors of two manifests are both reported"

done_testing
