# boot-lib.sh: start, reach and stop a real systemd booted as PID 1 of its own PID, mount, UTS,
# IPC and network namespaces over an overlay of the cached root (../shared/boot-test.md).
# Sourced by tests/boot/boot.t after tests/lib.sh. Every boot, veth and netns made here is
# recorded and undone by boot_cleanup_all, which the test's EXIT trap calls.
#   boot_start NAME LOWER UPPER DIR   boots; sets boot_pid (host PID of the booted systemd)
#   in_boot CMD…                       runs CMD inside the boot (all its namespaces)
#   boot_settle SECONDS                 systemctl is-system-running --wait, bounded
#   boot_stop                           poweroff (bounded), then SIGKILL to its PID 1
# HK_BOOT_INIT names the PID 1 script when it is not $HK_SRCDIR/tools/boot-init (hardenkit observe
# runs this file from its datadir).

boot_pids=          # host PIDs of booted PID 1s still to stop
boot_netns=         # netns names made with `ip netns add`
boot_cg_before=     # file: the cgroup directories that existed before the first boot

_boot_children() { cat "/proc/$1/task/$1/children" 2>/dev/null; }

boot_start() { # NAME LOWER UPPER DIR
	_n=$1 _lower=$2 _upper=$3 _dir=$4
	mkdir -p "$_upper" "$_dir/work" "$_dir/merged"
	if [ -z "$boot_cg_before" ]; then
		boot_cg_before=$_dir/../cgroups-before
		find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort > "$boot_cg_before"
	fi
	# timeout is the last resort: whatever happens to this script, the boot ends.
	timeout -s KILL 900 unshare --pid --fork --mount --uts --ipc --net --propagation private \
		"${HK_BOOT_INIT:-$HK_SRCDIR/tools/boot-init}" "$_lower" "$_upper" "$_dir/work" "$_dir/merged" \
		> "$_dir/console" 2>&1 < /dev/null &
	_tpid=$!
	boot_pid=
	_i=0
	while [ $_i -lt 200 ]; do   # 20 s at most for the chain timeout -> unshare -> systemd
		_u=$(_boot_children "$_tpid")
		for _c in $_u; do
			_p=$(_boot_children "$_c")
			for _q in $_p; do
				[ "$(cat "/proc/$_q/comm" 2>/dev/null)" = systemd ] && boot_pid=$_q
			done
		done
		[ -n "$boot_pid" ] && break
		kill -0 "$_tpid" 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ -z "$boot_pid" ]; then
		note "boot $_n: systemd did not start; console:"
		sed 's/^/#   /' "$_dir/console"
		kill -KILL "$_tpid" 2>/dev/null
		return 1
	fi
	boot_pids="$boot_pids $boot_pid"
	return 0
}

in_boot() { nsenter -t "$boot_pid" -a -- "$@"; }
in_boot_net() { nsenter -t "$boot_pid" -n -- "$@"; }   # host binaries, the boot's network

boot_settle() { # SECONDS: prints the state (running, degraded, …)
	_i=0   # systemctl needs the manager's private socket first: 30 s at most
	while ! nsenter -t "$boot_pid" -a test -S /run/systemd/private 2>/dev/null && [ $_i -lt 300 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	timeout "$1" nsenter -t "$boot_pid" -a systemctl is-system-running --wait 2>/dev/null
	_st=$?
	[ $_st = 124 ] && echo "timeout"
	return 0
}

boot_stop() {
	[ -n "${boot_pid:-}" ] || return 0
	if kill -0 "$boot_pid" 2>/dev/null; then
		timeout 10 nsenter -t "$boot_pid" -a systemctl poweroff --no-block >/dev/null 2>&1
		_i=0
		while kill -0 "$boot_pid" 2>/dev/null && [ $_i -lt 300 ]; do sleep 0.1; _i=$((_i + 1)); done
		kill -KILL "$boot_pid" 2>/dev/null
		_i=0
		while kill -0 "$boot_pid" 2>/dev/null && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	fi
	boot_pids=$(echo "$boot_pids" | tr ' ' '\n' | grep -vx "$boot_pid" | tr '\n' ' ')
	boot_pid=
	_boot_cgroup_cleanup
}

# The booted systemd makes its cgroups (init.scope, system.slice, …) in the host's hierarchies:
# remove those that did not exist before the first boot, deepest first (rmdir only ever removes
# an empty cgroup, so a live one elsewhere is never touched).
_boot_cgroup_cleanup() {
	[ -n "$boot_cg_before" ] && [ -f "$boot_cg_before" ] || return 0
	find /sys/fs/cgroup -mindepth 1 -type d 2>/dev/null | sort > "$boot_cg_before.after"
	comm -13 "$boot_cg_before" "$boot_cg_before.after" | awk '{ print length($0) "\t" $0 }' |
		sort -rn | cut -f2- | while read -r _d; do rmdir "$_d" 2>/dev/null; done
	rm -f "$boot_cg_before.after"
}

boot_cleanup_all() {
	for boot_pid in $boot_pids; do boot_stop; done
	for _ns in $boot_netns; do
		for _p in $(ip netns pids "$_ns" 2>/dev/null); do kill -KILL "$_p" 2>/dev/null; done
		ip netns del "$_ns" 2>/dev/null
	done
	boot_netns=
	_boot_cgroup_cleanup
}

# boot_remote NS ADDR4 BOOTADDR4 ADDR6 BOOTADDR6: a namespace acting as a remote host, joined to
# the boot's network namespace by a veth pair (hkb0 inside the boot, hkb1 in NS).
boot_remote() {
	ip netns add "$1" || return 1
	boot_netns="$boot_netns $1"
	ip link add hkb0 netns "$boot_pid" type veth peer name hkb1 netns "$1" 2>/dev/null ||
	{ ip link add hkb0-$$ type veth peer name hkb1 netns "$1" &&
	  ip link set hkb0-$$ netns "$boot_pid" && in_boot_net ip link set hkb0-$$ name hkb0; } || return 1
	ip -n "$1" addr add "$2/24" dev hkb1 && ip -n "$1" addr add "$4/64" dev hkb1 nodad &&
	ip -n "$1" link set hkb1 up && ip -n "$1" link set lo up &&
	in_boot_net ip addr add "$3/24" dev hkb0 && in_boot_net ip addr add "$5/64" dev hkb0 nodad &&
	in_boot_net ip link set hkb0 up
}
