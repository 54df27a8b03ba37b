# index-lib.sh: what the index tests share: a SoftHSM2 token of their own in a temporary
# directory, secret files, a pool of package archives, the tuf-js client and a throwaway HTTP
# server on 127.0.0.1. Sourced after lib.sh.
HK_BUILD=${HK_BUILD:-$HK_SRCDIR/build}
SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
work=$(mktemp -d)
server_pid=
cleanup() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# a token per test: SOFTHSM2_CONF points at a config whose token directory is ours
mkdir -p "$work/tokens"
printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n' "$work" >"$work/softhsm2.conf"
export SOFTHSM2_CONF="$work/softhsm2.conf"
softhsm2-util --init-token --free --label release --so-pin 87654321 --pin 123456 >/dev/null
( umask 077; printf '123456\n' >"$work/pin"; printf 'correct horse battery staple\n' >"$work/pass" )
TOKEN_A="pkcs11:token=release;object=release-a?module-path=$SOFTHSM_MODULE"
TOKEN_B="pkcs11:token=release;object=release-b?module-path=$SOFTHSM_MODULE"

# under ASan: full stacks at malloc, so that tests/lsan.supp's libsofthsm2.so line can see
# the token module (built without frame pointers) under its own leak
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
hk() { "$HARDENKIT" index "$@"; }

# a pool: two .deb-named archives of random bytes and an .rpm one
make_pool() {
	mkdir -p "$work/pool/main/r" "$work/pool/main/h"
	head -c 200000 /dev/urandom >"$work/pool/main/r/redis-server_7.0.15-1_amd64.deb"
	head -c 3000 /dev/urandom >"$work/pool/main/h/hello_2.10-3_arm64.deb"
	head -c 5000 /dev/urandom >"$work/pool/nginx-1.22.1-9.x86_64.rpm"
}

# state digest: what a client holds, to show a refused update changed nothing
state_sum() { (cd "$1" && find . -type f -o -type l | sort | while read -r f; do
	if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; else echo "$f $(sha256sum <"$f")"; fi; done) | sha256sum; }

TUFJS=$HK_BUILD/tuf-js
tufjs_setup() { "$HK_SRCDIR/tools/tuf-js-install" "$HK_BUILD"; }

# serve DIR on 127.0.0.1, an ephemeral port the server picks; sets $base
serve() {
	[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
	: >"$work/http.log"
	(cd "$1" && exec python3 -u -m http.server --bind 127.0.0.1 0 >"$work/http.log" 2>&1) &
	server_pid=$!
	port=
	for _ in $(seq 100); do
		port=$(sed -n 's/^Serving HTTP on 127.0.0.1 port \([0-9]*\).*/\1/p' "$work/http.log")
		[ -n "$port" ] && break
		sleep 0.1
	done
	base=http://127.0.0.1:$port
}

# tuf-js with only ROOT trusted, in its own metadata dir MDIR: refresh, download TARGET
tufjs() { # tufjs MDIR TARGET
	mkdir -p "$1/tgt"
	node "$TUFJS/client.js" "$base" "$1" "$1/tgt" "$2"
}
