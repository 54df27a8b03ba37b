/* exposure: systemd-analyze security's exposure score; see exposure.h.
 *
 * A port of the check table of systemd 252's src/analyze/analyze-security.c as Debian 12 ships
 * it (252.x stable, whose offline path compares system call names and architectures correctly,
 * and which has a CAP_BPF row): each row is an id, a weight, a range and a check function,
 * generic functions serving many rows; the score sums badness × weight / range over the rows
 * that apply, as systemd does, rounding up to tenths. The unit's settings come from
 * exposure-settings.c. */
#include "exposure.h"
#include "exposure-info.h"

#include <linux/capability.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#define NAMED(x) { #x, x }
struct named {
	const char *name;
	int value;
};
static int lookup_named(const struct named *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].value;
	return -1;
}
#define LOOKUP(t, name) lookup_named((t), sizeof(t) / sizeof *(t), (name))

/* ---- the checks (security_assessor_table) ---- */

#define NA UINT64_MAX

static bool runs_privileged(const struct exposure_info *i)
{
	if (i->user && (strcmp(i->user, "0") == 0 || strcmp(i->user, "root") == 0))
		return true;
	return !i->dynamic_user && (!i->user || !*i->user);
}

struct check;
typedef uint64_t assess_fn(const struct check *c, const struct exposure_info *i);

struct check {
	const char *id;
	uint64_t weight, range;
	assess_fn *assess;
	size_t offset; /* of the field a generic check reads */
	uint64_t parameter;
	bool default_dependencies_only;
};

static uint64_t assess_bool(const struct check *c, const struct exposure_info *i)
{
	bool b = *(const bool *)((const char *)i + c->offset);
	return c->parameter ? b : !b; /* parameter: the setting is bad when true (Delegate=) */
}

static uint64_t assess_user(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	if (i->user && strcmp(i->user, "nobody") == 0)
		return 9;
	bool root = i->user && (strcmp(i->user, "0") == 0 || strcmp(i->user, "root") == 0);
	if (i->dynamic_user && !root)
		return 0;
	return i->user && *i->user && !root ? 0 : 10;
}

static uint64_t assess_protect_home(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	static const struct named levels[] = { { "yes", 0 }, { "read-only", 5 }, { "tmpfs", 1 } };
	int b = LOOKUP(levels, i->protect_home);
	return b >= 0 ? (uint64_t)b : 10;
}

static uint64_t assess_protect_system(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	static const struct named levels[] = { { "yes", 5 }, { "full", 3 }, { "strict", 0 } };
	int b = LOOKUP(levels, i->protect_system);
	return b >= 0 ? (uint64_t)b : 10;
}

static bool empty_or_root(const char *p)
{
	return !p || !*p || p[strspn(p, "/")] == '\0';
}

static uint64_t assess_root_directory(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	return empty_or_root(i->root_directory) && empty_or_root(i->root_image);
}

static uint64_t assess_capability(const struct check *c, const struct exposure_info *i)
{
	return (i->capability_bounding_set & c->parameter) != 0;
}

static uint64_t assess_umask(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	static const struct {
		unsigned bit;
		uint64_t badness;
	} steps[] = { { 0002, 10 }, { 0004, 5 }, { 0020, 2 }, { 0040, 1 } };
	for (size_t k = 0; k < sizeof steps / sizeof *steps; k++)
		if (!(i->umask & steps[k].bit))
			return steps[k].badness;
	return 0;
}

static uint64_t assess_keyring_mode(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	return strcmp(i->keyring_mode, "private") != 0;
}

static uint64_t assess_protect_proc(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	static const struct named levels[] = { { "noaccess", 1 }, { "invisible", 0 }, { "ptraceable", 0 } };
	int b = LOOKUP(levels, i->protect_proc);
	return b >= 0 ? (uint64_t)b : 3;
}

static uint64_t assess_proc_subset(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	return strcmp(i->proc_subset, "pid") != 0;
}

static uint64_t assess_notify_access(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	return strcmp(i->notify_access, "all") == 0;
}

static uint64_t assess_remove_ipc(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	return runs_privileged(i) ? NA : !i->remove_ipc;
}

static uint64_t assess_supplementary_groups(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	return runs_privileged(i) ? NA : i->supplementary_groups;
}

static uint64_t assess_namespace(const struct check *c, const struct exposure_info *i)
{
	return (i->restrict_namespaces & c->parameter) != 0;
}

static uint64_t assess_architectures(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	return i->n_archs == 0 ? 10 : i->arch_native_only ? 0 : 8;
}

/* the groups the SystemCallFilter= rows check, by index */
enum { G_SWAP, G_OBSOLETE, G_CLOCK, G_CPU_EMULATION, G_DEBUG, G_MOUNT, G_MODULE, G_RAW_IO, G_REBOOT, G_PRIVILEGED, G_RESOURCES };
static const char *const syscall_check_groups[] = {
	"@swap", "@obsolete", "@clock", "@cpu-emulation", "@debug", "@mount", "@module", "@raw-io", "@reboot", "@privileged", "@resources",
};

/* syscall_names_in_filter(): is some system call of the group (that exists on this
 * architecture) allowed? */
static bool group_escapes_filter(const struct exposure_info *i, const char *group, unsigned depth)
{
	const struct exposure_syscall_group *g = exposure_find_group(group);
	for (size_t k = 0; g && depth < 8 && g->members[k]; k++) {
		const char *m = g->members[k];
		if (m[0] == '@') {
			if (group_escapes_filter(i, m, depth + 1))
				return true;
			continue;
		}
		if (seccomp_syscall_resolve_name(m) < 0)
			continue;
		if (strlist_contains(&i->syscalls, m) == i->syscall_allow_list)
			return true;
	}
	return false;
}

static uint64_t assess_syscall_group(const struct check *c, const struct exposure_info *i)
{
	if (!i->syscall_allow_list && i->syscalls.n == 0)
		return 10; /* no filter at all */
	bool bad = group_escapes_filter(i, syscall_check_groups[c->parameter], 0);
	return !bad ? 0 : i->syscall_allow_list ? 9 : 10;
}

static uint64_t assess_ip_address(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	if (i->ip_filters_custom)
		return 0;
	if (!i->ip_address_deny_all)
		return 10;
	return i->ip_address_allow_other ? 5 : i->ip_address_allow_localhost ? 2 : 0;
}

static uint64_t assess_device_allow(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	if (strcmp(i->device_policy, "strict") != 0 && strcmp(i->device_policy, "closed") != 0)
		return 10;
	return i->device_allow_non_empty ? 5 : 0;
}

static uint64_t assess_ambient(const struct check *c, const struct exposure_info *i)
{
	(void)c;
	return i->ambient_capabilities != 0;
}

#define CAP(x) (UINT64_C(1) << (x))
#define I(field) offsetof(struct exposure_info, field)

/* systemd 252's security_assessor_table, in its order: id, weight, range, check, field, parameter, default-dependencies-only */
static const struct check checks[] = {
	{ "User=/DynamicUser=", 2000, 10, assess_user, 0, 0, false },
	{ "SupplementaryGroups=", 200, 1, assess_supplementary_groups, 0, 0, false },
	{ "PrivateDevices=", 1000, 1, assess_bool, I(private_devices), 0, false },
	{ "PrivateMounts=", 1000, 1, assess_bool, I(private_mounts), 0, false },
	{ "PrivateNetwork=", 2500, 1, assess_bool, I(private_network), 0, false },
	{ "PrivateTmp=", 1000, 1, assess_bool, I(private_tmp), 0, true },
	{ "PrivateUsers=", 1000, 1, assess_bool, I(private_users), 0, false },
	{ "ProtectControlGroups=", 1000, 1, assess_bool, I(protect_control_groups), 0, false },
	{ "ProtectKernelModules=", 1000, 1, assess_bool, I(protect_kernel_modules), 0, false },
	{ "ProtectKernelTunables=", 1000, 1, assess_bool, I(protect_kernel_tunables), 0, false },
	{ "ProtectKernelLogs=", 1000, 1, assess_bool, I(protect_kernel_logs), 0, false },
	{ "ProtectClock=", 1000, 1, assess_bool, I(protect_clock), 0, false },
	{ "ProtectHome=", 1000, 10, assess_protect_home, 0, 0, true },
	{ "ProtectHostname=", 50, 1, assess_bool, I(protect_hostname), 0, false },
	{ "ProtectSystem=", 1000, 10, assess_protect_system, 0, 0, true },
	{ "RootDirectory=/RootImage=", 200, 1, assess_root_directory, 0, 0, true },
	{ "LockPersonality=", 100, 1, assess_bool, I(lock_personality), 0, false },
	{ "MemoryDenyWriteExecute=", 100, 1, assess_bool, I(memory_deny_write_execute), 0, false },
	{ "NoNewPrivileges=", 1000, 1, assess_bool, I(no_new_privileges), 0, false },
	{ "CapabilityBoundingSet=~CAP_SYS_ADMIN", 1500, 1, assess_capability, 0, CAP(CAP_SYS_ADMIN), false },
	{ "CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)", 1500, 1, assess_capability, 0,
	  CAP(CAP_SETUID) | CAP(CAP_SETGID) | CAP(CAP_SETPCAP), false },
	{ "CapabilityBoundingSet=~CAP_SYS_PTRACE", 1500, 1, assess_capability, 0, CAP(CAP_SYS_PTRACE), false },
	{ "CapabilityBoundingSet=~CAP_SYS_TIME", 1000, 1, assess_capability, 0, CAP(CAP_SYS_TIME), false },
	{ "CapabilityBoundingSet=~CAP_NET_ADMIN", 1000, 1, assess_capability, 0, CAP(CAP_NET_ADMIN), false },
	{ "CapabilityBoundingSet=~CAP_SYS_RAWIO", 1000, 1, assess_capability, 0, CAP(CAP_SYS_RAWIO), false },
	{ "CapabilityBoundingSet=~CAP_SYS_MODULE", 1000, 1, assess_capability, 0, CAP(CAP_SYS_MODULE), false },
	{ "CapabilityBoundingSet=~CAP_AUDIT_*", 500, 1, assess_capability, 0,
	  CAP(CAP_AUDIT_CONTROL) | CAP(CAP_AUDIT_READ) | CAP(CAP_AUDIT_WRITE), false },
	{ "CapabilityBoundingSet=~CAP_SYSLOG", 500, 1, assess_capability, 0, CAP(CAP_SYSLOG), false },
	{ "CapabilityBoundingSet=~CAP_SYS_(NICE|RESOURCE)", 500, 1, assess_capability, 0,
	  CAP(CAP_SYS_NICE) | CAP(CAP_SYS_RESOURCE), false },
	{ "CapabilityBoundingSet=~CAP_MKNOD", 500, 1, assess_capability, 0, CAP(CAP_MKNOD), false },
	{ "CapabilityBoundingSet=~CAP_(CHOWN|FSETID|SETFCAP)", 1000, 1, assess_capability, 0,
	  CAP(CAP_CHOWN) | CAP(CAP_FSETID) | CAP(CAP_SETFCAP), false },
	{ "CapabilityBoundingSet=~CAP_(DAC_*|FOWNER|IPC_OWNER)", 1000, 1, assess_capability, 0,
	  CAP(CAP_DAC_OVERRIDE) | CAP(CAP_DAC_READ_SEARCH) | CAP(CAP_FOWNER) | CAP(CAP_IPC_OWNER), false },
	{ "CapabilityBoundingSet=~CAP_KILL", 500, 1, assess_capability, 0, CAP(CAP_KILL), false },
	{ "CapabilityBoundingSet=~CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", 500, 1, assess_capability, 0,
	  CAP(CAP_NET_BIND_SERVICE) | CAP(CAP_NET_BROADCAST) | CAP(CAP_NET_RAW), false },
	{ "CapabilityBoundingSet=~CAP_SYS_BOOT", 100, 1, assess_capability, 0, CAP(CAP_SYS_BOOT), false },
	{ "CapabilityBoundingSet=~CAP_MAC_*", 100, 1, assess_capability, 0, CAP(CAP_MAC_ADMIN) | CAP(CAP_MAC_OVERRIDE), false },
	{ "CapabilityBoundingSet=~CAP_LINUX_IMMUTABLE", 75, 1, assess_capability, 0, CAP(CAP_LINUX_IMMUTABLE), false },
	{ "CapabilityBoundingSet=~CAP_IPC_LOCK", 50, 1, assess_capability, 0, CAP(CAP_IPC_LOCK), false },
	{ "CapabilityBoundingSet=~CAP_SYS_CHROOT", 50, 1, assess_capability, 0, CAP(CAP_SYS_CHROOT), false },
	{ "CapabilityBoundingSet=~CAP_BLOCK_SUSPEND", 25, 1, assess_capability, 0, CAP(CAP_BLOCK_SUSPEND), false },
	{ "CapabilityBoundingSet=~CAP_WAKE_ALARM", 25, 1, assess_capability, 0, CAP(CAP_WAKE_ALARM), false },
	{ "CapabilityBoundingSet=~CAP_LEASE", 25, 1, assess_capability, 0, CAP(CAP_LEASE), false },
	{ "CapabilityBoundingSet=~CAP_SYS_TTY_CONFIG", 25, 1, assess_capability, 0, CAP(CAP_SYS_TTY_CONFIG), false },
	{ "CapabilityBoundingSet=~CAP_SYS_PACCT", 25, 1, assess_capability, 0, CAP(CAP_SYS_PACCT), false },
	/* Debian's 252 stable build has this row too */
	{ "CapabilityBoundingSet=~CAP_BPF", 25, 1, assess_capability, 0, CAP(CAP_BPF), false },
	{ "UMask=", 100, 10, assess_umask, 0, 0, false },
	{ "KeyringMode=", 1000, 1, assess_keyring_mode, 0, 0, false },
	{ "ProtectProc=", 1000, 3, assess_protect_proc, 0, 0, false },
	{ "ProcSubset=", 10, 1, assess_proc_subset, 0, 0, false },
	{ "NotifyAccess=", 1000, 1, assess_notify_access, 0, 0, false },
	{ "RemoveIPC=", 100, 1, assess_remove_ipc, 0, 0, false },
	{ "Delegate=", 100, 1, assess_bool, I(delegate), 1, false },
	{ "RestrictRealtime=", 500, 1, assess_bool, I(restrict_realtime), 0, false },
	{ "RestrictSUIDSGID=", 1000, 1, assess_bool, I(restrict_suid_sgid), 0, false },
	{ "RestrictNamespaces=~user", 1500, 1, assess_namespace, 0, CLONE_NEWUSER, false },
	{ "RestrictNamespaces=~mnt", 500, 1, assess_namespace, 0, CLONE_NEWNS, false },
	{ "RestrictNamespaces=~ipc", 500, 1, assess_namespace, 0, CLONE_NEWIPC, false },
	{ "RestrictNamespaces=~pid", 500, 1, assess_namespace, 0, CLONE_NEWPID, false },
	{ "RestrictNamespaces=~cgroup", 500, 1, assess_namespace, 0, CLONE_NEWCGROUP, false },
	{ "RestrictNamespaces=~net", 500, 1, assess_namespace, 0, CLONE_NEWNET, false },
	{ "RestrictNamespaces=~uts", 100, 1, assess_namespace, 0, CLONE_NEWUTS, false },
	{ "RestrictAddressFamilies=~AF_(INET|INET6)", 1500, 1, assess_bool, I(af_inet), 0, false },
	{ "RestrictAddressFamilies=~AF_UNIX", 25, 1, assess_bool, I(af_unix), 0, false },
	{ "RestrictAddressFamilies=~AF_NETLINK", 200, 1, assess_bool, I(af_netlink), 0, false },
	{ "RestrictAddressFamilies=~AF_PACKET", 1000, 1, assess_bool, I(af_packet), 0, false },
	{ "RestrictAddressFamilies=~…", 1250, 1, assess_bool, I(af_other), 0, false },
	{ "SystemCallArchitectures=", 1000, 10, assess_architectures, 0, 0, false },
	{ "SystemCallFilter=~@swap", 1000, 10, assess_syscall_group, 0, G_SWAP, false },
	{ "SystemCallFilter=~@obsolete", 250, 10, assess_syscall_group, 0, G_OBSOLETE, false },
	{ "SystemCallFilter=~@clock", 1000, 10, assess_syscall_group, 0, G_CLOCK, false },
	{ "SystemCallFilter=~@cpu-emulation", 250, 10, assess_syscall_group, 0, G_CPU_EMULATION, false },
	{ "SystemCallFilter=~@debug", 1000, 10, assess_syscall_group, 0, G_DEBUG, false },
	{ "SystemCallFilter=~@mount", 1000, 10, assess_syscall_group, 0, G_MOUNT, false },
	{ "SystemCallFilter=~@module", 1000, 10, assess_syscall_group, 0, G_MODULE, false },
	{ "SystemCallFilter=~@raw-io", 1000, 10, assess_syscall_group, 0, G_RAW_IO, false },
	{ "SystemCallFilter=~@reboot", 1000, 10, assess_syscall_group, 0, G_REBOOT, false },
	{ "SystemCallFilter=~@privileged", 700, 10, assess_syscall_group, 0, G_PRIVILEGED, false },
	{ "SystemCallFilter=~@resources", 700, 10, assess_syscall_group, 0, G_RESOURCES, false },
	{ "IPAddressDeny=", 1000, 10, assess_ip_address, 0, 0, false },
	{ "DeviceAllow=", 1000, 10, assess_device_allow, 0, 0, false },
	{ "AmbientCapabilities=", 500, 1, assess_ambient, 0, 0, false },
};
#define N_CHECKS (sizeof checks / sizeof *checks)

size_t exposure_n_checks(void)
{
	return N_CHECKS;
}

int exposure_assess(const struct unitfile *u, struct exposure_row *rows, unsigned *tenths)
{
	if (!u || u->masked || !str_has_suffix(u->name, ".service"))
		return -1;
	struct exposure_info info;
	exposure_info_read(u, &info);
	if (info.fatal) {
		exposure_info_free(&info);
		return -1;
	}
	uint64_t badness_sum = 0, weight_sum = 0;
	for (size_t k = 0; k < N_CHECKS; k++) {
		const struct check *ck = &checks[k];
		uint64_t b = ck->default_dependencies_only && !info.default_dependencies ? NA : ck->assess(ck, &info);
		if (b != NA) {
			badness_sum += (b * ck->weight + ck->range - 1) / ck->range; /* DIV_ROUND_UP */
			weight_sum += ck->weight;
		}
		if (rows)
			rows[k] = (struct exposure_row){ ck->id, ck->weight, ck->range, b == NA ? 0 : b, b == NA };
	}
	*tenths = (unsigned)((badness_sum * 100 + weight_sum - 1) / weight_sum);
	exposure_info_free(&info);
	return 0;
}

int exposure_score(const struct unitfile *u, double *score)
{
	unsigned tenths;
	if (exposure_assess(u, NULL, &tenths) < 0)
		return -1;
	*score = tenths / 10.0;
	return 0;
}
