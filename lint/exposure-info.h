/* exposure-info: what systemd-analyze's checks look at (its SecurityInfo), read from a unit the
 * way systemd 252's loader fills ExecContext and CGroupContext. Private to lint/exposure*.c. */
#ifndef HK_EXPOSURE_INFO_H
#define HK_EXPOSURE_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/unitfile.h"
#include "../core/util.h"

struct exposure_info {
	bool default_dependencies;
	uint64_t ambient_capabilities, capability_bounding_set;
	const char *user; /* NULL: root */
	bool dynamic_user, supplementary_groups;
	bool ip_address_deny_all, ip_address_allow_localhost, ip_address_allow_other;
	bool ip_filters_custom;
	const char *keyring_mode, *protect_proc, *proc_subset, *notify_access;
	bool lock_personality, memory_deny_write_execute, no_new_privileges, protect_hostname;
	bool private_devices, private_mounts, private_network, private_tmp, private_users;
	bool protect_control_groups, protect_kernel_modules, protect_kernel_tunables;
	bool protect_kernel_logs, protect_clock;
	const char *protect_home, *protect_system;
	bool remove_ipc;
	/* true: the family is restricted (cannot be allocated) */
	bool af_inet, af_unix, af_netlink, af_packet, af_other;
	uint64_t restrict_namespaces; /* the namespace types still allowed */
	bool restrict_realtime, restrict_suid_sgid;
	const char *root_directory, *root_image;
	bool delegate;
	const char *device_policy;
	bool device_allow_non_empty;
	unsigned n_archs;
	bool arch_native_only;
	bool syscall_allow_list;
	struct strlist syscalls; /* canonical names in the filter (allowed, or denied) */
	unsigned umask;
	char *owned_user; /* storage for a User= built from specifiers or DynamicUser= */
	bool fatal; /* a setting systemd refuses the unit for: it cannot be scored */
};

/* A system call group of lint/exposure-syscalls.h (generated from systemd's own table). */
struct exposure_syscall_group {
	const char *name;
	const char *const *members; /* NULL-terminated; "@x" names another group */
};

/* Replays every assignment of the settings the checks need through systemd's parser for its
 * kind, then applies what unit_patch_contexts() derives (DynamicUser=, PrivateDevices=, …).
 * Strings in OUT may point into U: keep U until exposure_info_free(OUT). */
void exposure_info_read(const struct unitfile *u, struct exposure_info *out);
void exposure_info_free(struct exposure_info *i);

/* A group of lint/exposure-syscalls.h ("@mount"), or NULL. */
const struct exposure_syscall_group *exposure_find_group(const char *name);

#endif
