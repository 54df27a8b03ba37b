# firstboot-lib.sh: what the firstboot tests share, sourced after lib.sh: a scratch directory,
# image roots with their own accounts, bounded waits, and a scan of every process for a secret.

# fb_scratch: sets fb_tmp to a fresh directory, removed at exit with every mount below it
# unmounted first (lib.sh's scratch runs in a $(…) subshell, whose EXIT trap fires at once in
# dash; and rm -rf must never reach into a bind-mounted /dev).
fb_scratch() {
	fb_tmp=$(mktemp -d "${TMPDIR:-/tmp}/hk-firstboot.XXXXXX") || exit 1
	chmod 755 "$fb_tmp"
	trap fb_cleanup EXIT
}
fb_cleanup() {
	awk -v t="$fb_tmp" 'index($2, t) == 1 { print $2 }' /proc/self/mounts | sort -r |
		while read -r mnt; do umount -l "$mnt"; done
	rm -rf --one-file-system "$fb_tmp"
}

# fb_accounts ROOT: the root's /etc/passwd and /etc/group: the host's, plus the test daemons'
# users (the ids are arbitrary: firstboot must take them from the root, not from the host).
fb_accounts() {
	mkdir -p "$1/etc"
	cp /etc/passwd "$1/etc/passwd"
	cp /etc/group "$1/etc/group"
	echo 'fbredis:x:4901:4901:firstboot test:/nonexistent:/usr/sbin/nologin' >> "$1/etc/passwd"
	echo 'fbapply:x:4902:4902:firstboot test:/nonexistent:/usr/sbin/nologin' >> "$1/etc/passwd"
	echo 'fbredis:x:4901:' >> "$1/etc/group"
	echo 'fbapply:x:4902:' >> "$1/etc/group"
}

# fb_wait PID SECONDS: waits for a background job, at most SECONDS; kills it after that.
# Sets fb_status to its exit status (or 124 when it had to be killed).
fb_wait() {
	fb_i=0
	while kill -0 "$1" 2>/dev/null && [ "$fb_i" -lt $(($2 * 20)) ]; do
		sleep 0.05
		fb_i=$((fb_i + 1))
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -9 "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		fb_status=124
	else
		wait "$1"
		fb_status=$?
	fi
}

# fb_until SECONDS COMMAND…: runs COMMAND every 50 ms until it succeeds, at most SECONDS.
fb_until() {
	fb_n=$(($1 * 20))
	shift
	while ! "$@" > /dev/null 2>&1; do
		fb_n=$((fb_n - 1))
		[ "$fb_n" -gt 0 ] || return 1
		sleep 0.05
	done
}

# fb_release FIFO: lets a run paused on FIFO go on (bounded: a run that is gone is not waited for).
fb_release() {
	timeout 5 sh -c 'echo go > "$1"' sh "$1" 2>/dev/null
}

# fb_scan_procs PATTERNFILE: prints the pids whose cmdline or environment holds the secret in
# PATTERNFILE. The secret is never put on a command line here: grep reads it from the file.
fb_scan_procs() {
	if ! grep -q . "$1"; then
		echo "(no secret to look for: $1 is empty)"
		return
	fi
	for p in /proc/[0-9]*; do
		for f in "$p/cmdline" "$p/environ"; do
			if { tr '\0' '\n' < "$f"; } 2>/dev/null | grep -q -F -f "$1"; then
				echo "${p#/proc/} ($(tr '\0' ' ' < "$p/cmdline" 2>/dev/null | cut -c1-60)) in $(basename "$f")"
			fi
		done
	done
}

# fb_files_holding ROOT PATTERNFILE: every file below ROOT that holds the secret, with its mode.
fb_files_holding() {
	grep -r -l -F -f "$2" "$1" 2>/dev/null | while read -r f; do
		echo "$(stat -c '%a %U:%G' "$f") $f"
	done
}

# fb_private_mounts "$@": re-runs the test in a mount namespace of its own (once), so every
# mount it makes disappears with it, even when it dies.
fb_private_mounts() {
	if [ -z "${HK_FB_UNSHARED:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
		HK_FB_UNSHARED=1 exec unshare --mount --propagation private "$0" "$@"
	fi
}

# fb_image_root ROOT: an image root a command can be chrooted into: the host's /usr under an
# overlay (so gen's files land in ROOT and the binaries are there), Debian's merged-/usr links,
# /dev, and the accounts. Needs fb_private_mounts first.
fb_image_root() {
	mkdir -p "$1/usr" "$1.upper" "$1.work" "$1/dev" "$1/tmp" "$1/var/lib" "$1/run" "$1/etc"
	mount -t overlay overlay -o "lowerdir=/usr,upperdir=$1.upper,workdir=$1.work" "$1/usr" || return 1
	for l in bin sbin lib lib64; do
		[ -L "/$l" ] && ln -s "usr/$l" "$1/$l"
	done
	mount --rbind /dev "$1/dev" || return 1
	cp /etc/ld.so.cache "$1/etc/" 2>/dev/null
	fb_accounts "$1"
	chmod 1777 "$1/tmp"
}
