# lib.sh: TAP helpers for the shell tests, sourced by tests/*.t.
# Each check prints one "ok N - …" line; done_testing prints the plan and sets the exit status.
# The Makefile exports HARDENKIT (binary), HARDENKIT_DATADIR, HK_SRCDIR and HK_BUILD.
set -u
: "${HK_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${HARDENKIT:=$HK_SRCDIR/build/hardenkit}"
: "${HARDENKIT_DATADIR:=$HK_SRCDIR/templates}"
export HARDENKIT_DATADIR
tap_n=0
tap_failed=0

ok() { # ok COND-EXIT-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		# a "# TODO" test is a known, visible gap: TAP reports it and does not fail the suite
		case $2 in *"# TODO"*) ;; *) tap_failed=$((tap_failed + 1)) ;; esac
	fi
}

is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"
		printf '# got:      %s\n# expected: %s\n' "$1" "$2" | sed '2,$s/^\([^#]\)/#   \1/'
	fi
}

skip() { # skip REASON: an explicit, visible skip
	tap_n=$((tap_n + 1))
	echo "ok $tap_n # SKIP $1"
}

note() { echo "# $*"; }

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

# scratch VAR: sets VAR to a fresh temporary directory, removed when the test exits. It assigns
# rather than prints, because under $(…) the EXIT trap would belong to the subshell and fire at once.
scratch() {
	_scratch_dir=$(mktemp -d "${TMPDIR:-/tmp}/hk-test.XXXXXX") || exit 1
	tap_scratch="${tap_scratch:-} $_scratch_dir"
	trap 'rm -rf $tap_scratch' EXIT
	eval "$1=\$_scratch_dir"
}
