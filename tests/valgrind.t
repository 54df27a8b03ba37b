#!/bin/sh
# The manifest and dialect loaders free everything they allocate: valgrind over all manifests.
. "${HK_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
cd "$HK_SRCDIR" || exit 1

if nm -a "$HARDENKIT" 2>/dev/null | grep -q __asan_init; then
	skip "this is the ASan build; valgrind runs on the plain build"
	done_testing
	exit
fi
scratch logdir
log=$logdir/valgrind.log
valgrind --quiet --suppressions=tests/valgrind.supp --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
	--error-exitcode=99 --log-file="$log" "$HARDENKIT" gen --check packages/*.conf tests/manifests/good/*.conf >/dev/null
is "$?" 0 "gen --check over every manifest: no leak, no invalid access"
[ -s "$log" ] && sed 's/^/# /' "$log"

valgrind --quiet --suppressions=tests/valgrind.supp --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
	--error-exitcode=99 --log-file="$log" "$HARDENKIT" gen --check tests/manifests/bad/*.conf 2>/dev/null
is "$?" 2 "gen --check over every malformed manifest: exit 2, no leak, no invalid access"
[ -s "$log" ] && sed 's/^/# /' "$log"

done_testing
