/* exposure-settings: a unit's sandboxing settings as systemd 252 reads them; see exposure-info.h.
 *
 * Each setting the checks need is a row: section, key, the parser for its kind (a port of the
 * load-fragment.c parser systemd uses for it) and where the result goes. Every assignment is
 * replayed in order, empty ones included, because systemd's parsers differ on what an empty
 * value means: a boolean or an enum ignores it, CapabilityBoundingSet= empties the set, most
 * lists reset. System call names resolve through libseccomp, as systemd's own do, so a name this
 * architecture lacks counts the same way in both. */
#include "exposure-info.h"
#include "exposure-syscalls.h"

#include <arpa/inet.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* ---- names systemd knows ---- */

#define NAMED(x) { #x, x }
struct named {
	const char *name;
	int value;
};

/* cap-list.c: the capabilities of <linux/capability.h>, looked up without regard to case */
static const struct named capabilities[] = {
	NAMED(CAP_CHOWN), NAMED(CAP_DAC_OVERRIDE), NAMED(CAP_DAC_READ_SEARCH), NAMED(CAP_FOWNER),
	NAMED(CAP_FSETID), NAMED(CAP_KILL), NAMED(CAP_SETGID), NAMED(CAP_SETUID), NAMED(CAP_SETPCAP),
	NAMED(CAP_LINUX_IMMUTABLE), NAMED(CAP_NET_BIND_SERVICE), NAMED(CAP_NET_BROADCAST),
	NAMED(CAP_NET_ADMIN), NAMED(CAP_NET_RAW), NAMED(CAP_IPC_LOCK), NAMED(CAP_IPC_OWNER),
	NAMED(CAP_SYS_MODULE), NAMED(CAP_SYS_RAWIO), NAMED(CAP_SYS_CHROOT), NAMED(CAP_SYS_PTRACE),
	NAMED(CAP_SYS_PACCT), NAMED(CAP_SYS_ADMIN), NAMED(CAP_SYS_BOOT), NAMED(CAP_SYS_NICE),
	NAMED(CAP_SYS_RESOURCE), NAMED(CAP_SYS_TIME), NAMED(CAP_SYS_TTY_CONFIG), NAMED(CAP_MKNOD),
	NAMED(CAP_LEASE), NAMED(CAP_AUDIT_WRITE), NAMED(CAP_AUDIT_CONTROL), NAMED(CAP_SETFCAP),
	NAMED(CAP_MAC_OVERRIDE), NAMED(CAP_MAC_ADMIN), NAMED(CAP_SYSLOG), NAMED(CAP_WAKE_ALARM),
	NAMED(CAP_BLOCK_SUSPEND), NAMED(CAP_AUDIT_READ), NAMED(CAP_PERFMON), NAMED(CAP_BPF),
	NAMED(CAP_CHECKPOINT_RESTORE),
};

/* af-list.c: every AF_ name of <sys/socket.h> but AF_UNSPEC and AF_MAX (case-sensitive) */
static const struct named families[] = {
	NAMED(AF_UNIX), NAMED(AF_LOCAL), NAMED(AF_FILE), NAMED(AF_INET), NAMED(AF_AX25), NAMED(AF_IPX),
	NAMED(AF_APPLETALK), NAMED(AF_NETROM), NAMED(AF_BRIDGE), NAMED(AF_ATMPVC), NAMED(AF_X25),
	NAMED(AF_INET6), NAMED(AF_ROSE), NAMED(AF_DECnet), NAMED(AF_NETBEUI), NAMED(AF_SECURITY),
	NAMED(AF_KEY), NAMED(AF_NETLINK), NAMED(AF_ROUTE), NAMED(AF_PACKET), NAMED(AF_ASH),
	NAMED(AF_ECONET), NAMED(AF_ATMSVC), NAMED(AF_RDS), NAMED(AF_SNA), NAMED(AF_IRDA), NAMED(AF_PPPOX),
	NAMED(AF_WANPIPE), NAMED(AF_LLC), NAMED(AF_IB), NAMED(AF_MPLS), NAMED(AF_CAN), NAMED(AF_TIPC),
	NAMED(AF_BLUETOOTH), NAMED(AF_IUCV), NAMED(AF_RXRPC), NAMED(AF_ISDN), NAMED(AF_PHONET),
	NAMED(AF_IEEE802154), NAMED(AF_CAIF), NAMED(AF_ALG), NAMED(AF_NFC), NAMED(AF_VSOCK), NAMED(AF_KCM),
	NAMED(AF_QIPCRTR), NAMED(AF_SMC), NAMED(AF_XDP), NAMED(AF_MCTP),
};

/* namespace-util.c's namespace_flag_map */
static const struct named namespaces[] = {
	{ "cgroup", CLONE_NEWCGROUP }, { "ipc", CLONE_NEWIPC }, { "net", CLONE_NEWNET }, { "mnt", CLONE_NEWNS },
	{ "pid", CLONE_NEWPID }, { "user", CLONE_NEWUSER }, { "uts", CLONE_NEWUTS },
};
#define NAMESPACE_FLAGS_ALL \
	((uint64_t)(CLONE_NEWCGROUP | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUSER | CLONE_NEWUTS))
#define NAMESPACE_FLAGS_INITIAL UINT64_MAX

/* seccomp-util.c's seccomp_arch_from_string() */
static const char *const architectures[] = {
	"native", "x86", "x86-64", "x32", "arm", "arm64", "mips", "mips64", "mips64-n32", "mipsel",
	"mips64-le", "mips64-le-n32", "ppc", "ppc64", "ppc64-le", "s390", "s390x", "riscv64",
};

static int lookup_named(const struct named *t, size_t n, const char *name, bool nocase)
{
	for (size_t i = 0; i < n; i++)
		if ((nocase ? strcasecmp : strcmp)(t[i].name, name) == 0)
			return t[i].value;
	return -1;
}
#define LOOKUP(t, name, nocase) lookup_named((t), sizeof(t) / sizeof *(t), (name), (nocase))

/* ---- words: extract_first_word() with quotes removed ---- */

/* Next whitespace-separated word of *P into W (quotes dropped); false at the end. */
static bool next_word(const char **p, struct buf *w)
{
	const char *s = *p + strspn(*p, " \t\n\r");
	if (!*s)
		return false;
	buf_free(w);
	buf_puts(w, "");
	char quote = 0;
	for (; *s && (quote || !strchr(" \t\n\r", *s)); s++) {
		if (quote && *s == quote)
			quote = 0;
		else if (!quote && (*s == '"' || *s == '\''))
			quote = *s;
		else if (*s == '\\' && s[1])
			buf_append(w, ++s, 1);
		else
			buf_append(w, s, 1);
	}
	*p = s;
	return true;
}

/* ---- the setting parsers (load-fragment.c), one per kind ---- */

struct ctx {
	const struct unitfile *u;
	struct exposure_info *info;
};

typedef void parse_fn(struct ctx *c, const char *v, void *field, const void *arg);

/* enum: ARG lists the accepted values, and whether a boolean is one ("yes"/"no"). systemd 252
 * ignores an empty or unknown value, keeping the earlier one (tests/exposure.t checks this). */
struct choices {
	bool boolean;
	const char *const *values;
};

static void parse_enum(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c;
	const struct choices *ch = arg;
	const char **out = field;
	int b = ch->boolean ? unit_parse_boolean(v) : -1;
	if (b >= 0) {
		*out = b ? "yes" : "no";
		return;
	}
	for (const char *const *x = ch->values; *x; x++)
		if (strcmp(*x, v) == 0) {
			*out = *x;
			return;
		}
}

static void parse_bool(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c, (void)arg;
	int b = unit_parse_boolean(v);
	if (b >= 0) /* an empty or invalid value is ignored, keeping the earlier one */
		*(bool *)field = b;
}

/* A path such as RootDirectory=: empty resets; a relative one is a fatal error for systemd,
 * which then refuses the whole unit. */
static void parse_path(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)arg;
	if (*v && *v != '/' && *v != '%')
		c->info->fatal = true;
	*(const char **)field = *v ? v : NULL;
}

/* A list where only "is it empty" matters (SupplementaryGroups=, DeviceAllow=, IP*FilterPath=). */
static void parse_nonempty(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c, (void)arg;
	*(bool *)field = *v != '\0';
}

/* config_parse_capability_set(): ARG non-NULL for the bounding set, whose initial value is all. */
static void parse_caps(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c;
	uint64_t *set = field, initial = arg ? UINT64_MAX : 0, sum = 0;
	bool invert = *v == '~';
	if (invert)
		v++;
	struct buf w = { 0 };
	while (next_word(&v, &w)) {
		char *end;
		long n = strtol(w.data, &end, 10);
		int cap = *w.data && !*end ? (n >= 0 && n < 64 ? (int)n : -1) : LOOKUP(capabilities, w.data, true);
		if (cap >= 0)
			sum |= UINT64_C(1) << cap;
	}
	buf_free(&w);
	if (sum == 0 || *set == initial) /* "", "~" or still the initial value: replace */
		*set = invert ? ~sum : sum;
	else if (invert)
		*set &= ~sum;
	else
		*set |= sum;
}

static void parse_umask(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c, (void)arg;
	char *end;
	unsigned long m = strtoul(v, &end, 8);
	if (*v && !*end && m <= 07777 && !strchr(v, '-'))
		*(unsigned *)field = (unsigned)m;
}

static void parse_namespaces(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c, (void)arg;
	uint64_t *ns = field, flags = 0;
	if (!*v) {
		*ns = NAMESPACE_FLAGS_INITIAL;
		return;
	}
	int b = unit_parse_boolean(v);
	if (b >= 0) { /* yes: none allowed; no: all allowed; earlier settings do not matter */
		*ns = b ? 0 : NAMESPACE_FLAGS_ALL;
		return;
	}
	bool invert = *v == '~';
	if (invert)
		v++;
	struct buf w = { 0 };
	while (next_word(&v, &w)) {
		int f = LOOKUP(namespaces, w.data, false);
		if (f < 0) { /* one unknown name and the whole assignment is ignored */
			buf_free(&w);
			return;
		}
		flags |= (uint64_t)f;
	}
	buf_free(&w);
	if (*ns == NAMESPACE_FLAGS_INITIAL)
		*ns = invert ? ~flags & NAMESPACE_FLAGS_ALL : flags;
	else if (invert)
		*ns &= ~flags;
	else
		*ns |= flags;
}

/* RestrictAddressFamilies=: a set of family numbers plus whether it is an allow list. */
struct families_state {
	bool allocated, allow_list;
	bool present[AF_MAX + 1];
};

static void parse_families(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c, (void)arg;
	struct families_state *s = field;
	if (!*v || strcmp(v, "none") == 0) {
		/* empty: no restriction; "none": an allow list of nothing */
		memset(s, 0, sizeof *s);
		s->allow_list = *v != '\0';
		return;
	}
	bool invert = *v == '~';
	if (invert)
		v++;
	if (!s->allocated) {
		s->allocated = true;
		s->allow_list = !invert;
	}
	struct buf w = { 0 };
	while (next_word(&v, &w)) {
		int af = LOOKUP(families, w.data, false);
		if (af > 0 && af <= AF_MAX)
			s->present[af] = !invert == s->allow_list; /* add, or take back an earlier entry */
	}
	buf_free(&w);
}

struct archs_state {
	bool present[sizeof architectures / sizeof *architectures];
};

static void parse_archs(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c, (void)arg;
	struct archs_state *s = field;
	if (!*v) {
		memset(s, 0, sizeof *s);
		return;
	}
	struct buf w = { 0 };
	while (next_word(&v, &w))
		for (size_t i = 0; i < sizeof architectures / sizeof *architectures; i++)
			if (strcmp(architectures[i], w.data) == 0)
				s->present[i] = true;
	buf_free(&w);
}

/* SystemCallFilter=: syscall number → errno (-1: none), and whether it is an allow list. */
struct syscalls_state {
	bool allocated, allow_list;
	int *nr, *err;
	size_t n;
};

static void syscalls_put(struct syscalls_state *s, int nr, int err)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->nr[i] == nr) {
			s->err[i] = err;
			return;
		}
	s->nr = xreallocarray(s->nr, s->n + 1, sizeof *s->nr);
	s->err = xreallocarray(s->err, s->n + 1, sizeof *s->err);
	s->nr[s->n] = nr;
	s->err[s->n++] = err;
}

static void syscalls_remove(struct syscalls_state *s, int nr)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->nr[i] == nr) {
			s->nr[i] = s->nr[--s->n];
			s->err[i] = s->err[s->n];
			return;
		}
}

const struct exposure_syscall_group *exposure_find_group(const char *name)
{
	for (size_t i = 0; i < sizeof exposure_syscall_groups / sizeof *exposure_syscall_groups; i++)
		if (strcmp(exposure_syscall_groups[i].name, name) == 0)
			return &exposure_syscall_groups[i];
	return NULL;
}

/* seccomp_parse_syscall_filter(): a name or @group, put into or taken out of the filter. */
static void syscall_filter_add(struct syscalls_state *s, const char *name, int err, bool invert, unsigned depth)
{
	if (name[0] == '@') {
		const struct exposure_syscall_group *g = exposure_find_group(name);
		for (size_t i = 0; g && depth < 8 && g->members[i]; i++)
			syscall_filter_add(s, g->members[i], err, invert, depth + 1);
		return;
	}
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return;
	if (!invert == s->allow_list || (invert && s->allow_list && err >= 0))
		syscalls_put(s, nr, err);
	else
		syscalls_remove(s, nr);
}

static void parse_syscalls(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c, (void)arg;
	struct syscalls_state *s = field;
	if (!*v) {
		s->allocated = s->allow_list = false;
		s->n = 0;
		return;
	}
	bool invert = *v == '~';
	if (invert)
		v++;
	if (!s->allocated) {
		s->allocated = true;
		s->allow_list = !invert;
		if (s->allow_list) /* an allow list always lets @default through */
			syscall_filter_add(s, "@default", -1, false, 0);
	}
	struct buf w = { 0 };
	while (next_word(&v, &w)) {
		/* "name:errno": any errno (a name, a number, "kill") makes a non-negative action */
		char *colon = strchr(w.data, ':');
		int err = -1;
		if (colon) {
			*colon = '\0';
			if (!colon[1])
				continue;
			err = 1;
		}
		syscall_filter_add(s, w.data, err, invert, 0);
	}
	buf_free(&w);
}

/* IPAddressAllow=/IPAddressDeny= (config_parse_in_addr_prefixes): what the checks need of the set. */
struct prefixes_state {
	bool any4, any6; /* a /0 prefix of the family */
	bool localhost, other; /* addresses (masked by their prefix) in 127/8 or ::1, and any other */
};

static void add_prefix(struct prefixes_state *s, int family, const unsigned char *addr, unsigned len)
{
	unsigned char a[16] = { 0 };
	unsigned bytes = family == AF_INET ? 4 : 16;
	for (unsigned i = 0; i < bytes; i++) { /* in_addr_mask(): keep only the prefix bits */
		unsigned keep = len >= (i + 1) * 8 ? 8 : len > i * 8 ? len - i * 8 : 0;
		a[i] = addr[i] & (unsigned char)(0xff00 >> keep);
	}
	if (len == 0)
		*(family == AF_INET ? &s->any4 : &s->any6) = true;
	static const unsigned char loop6[16] = { [15] = 1 };
	bool local = family == AF_INET ? a[0] == 127 : memcmp(a, loop6, 16) == 0;
	*(local ? &s->localhost : &s->other) = true;
}

static bool is_localhost_name(const char *w)
{
	static const char *const names[] = { "localhost", "localhost.", "localhost.localdomain", "localhost.localdomain." };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (strcasecmp(w, names[i]) == 0)
			return true;
	return str_has_suffix(w, ".localhost") || str_has_suffix(w, ".localhost.") ||
	       str_has_suffix(w, ".localhost.localdomain") || str_has_suffix(w, ".localhost.localdomain.");
}

static void parse_prefixes(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c, (void)arg;
	struct prefixes_state *s = field;
	if (!*v) {
		memset(s, 0, sizeof *s);
		return;
	}
	/* the shortcuts, as pairs of IPv4 and IPv6 prefixes */
	static const struct {
		const char *name, *v4, *v6;
		unsigned l4, l6;
	} shortcuts[] = {
		{ "any", "0.0.0.0", "::", 0, 0 },
		{ "localhost", "127.0.0.0", "::1", 8, 128 },
		{ "link-local", "169.254.0.0", "fe80::", 16, 64 },
		{ "multicast", "224.0.0.0", "ff00::", 4, 8 },
	};
	struct buf w = { 0 };
	while (next_word(&v, &w)) {
		unsigned char a4[4], a6[16];
		size_t k = 0;
		const char *name = is_localhost_name(w.data) ? "localhost" : w.data;
		while (k < sizeof shortcuts / sizeof *shortcuts && strcmp(shortcuts[k].name, name) != 0)
			k++;
		if (k < sizeof shortcuts / sizeof *shortcuts) {
			inet_pton(AF_INET, shortcuts[k].v4, a4);
			inet_pton(AF_INET6, shortcuts[k].v6, a6);
			add_prefix(s, AF_INET, a4, shortcuts[k].l4);
			add_prefix(s, AF_INET6, a6, shortcuts[k].l6);
			continue;
		}
		char *slash = strchr(w.data, '/');
		unsigned long len = 0;
		char *end = NULL;
		if (slash) {
			*slash = '\0';
			len = strtoul(slash + 1, &end, 10);
			if (!slash[1] || *end)
				continue;
		}
		if (inet_pton(AF_INET, w.data, a4) == 1 && (!slash || len <= 32))
			add_prefix(s, AF_INET, a4, slash ? (unsigned)len : 32);
		else if (inet_pton(AF_INET6, w.data, a6) == 1 && (!slash || len <= 128))
			add_prefix(s, AF_INET6, a6, slash ? (unsigned)len : 128);
	}
	buf_free(&w);
}

/* DeviceAllow= (config_parse_device_allow): an entry counts when its device is "char-…",
 * "block-…" or a normalized path below /dev/ (or /run/systemd/inaccessible/), and its access
 * letters are r, w, m; systemd ignores other entries. Empty resets. */
static void parse_device_allow(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c, (void)arg;
	bool *non_empty = field;
	if (!*v) {
		*non_empty = false;
		return;
	}
	struct buf w = { 0 };
	if (!next_word(&v, &w))
		return;
	const char *d = w.data;
	bool valid = str_has_prefix(d, "char-") || str_has_prefix(d, "block-");
	if (!valid && (str_has_prefix(d, "/dev/") || str_has_prefix(d, "/run/systemd/inaccessible/")))
		valid = !str_has_suffix(d, "/") && !strstr(d, "//") && !strstr(d, "/./") && !strstr(d, "/../") &&
			!str_has_suffix(d, "/.") && !str_has_suffix(d, "/..");
	buf_free(&w);
	const char *rights = v + strspn(v, " \t");
	if (valid && rights[strspn(rights, "rwm")] == '\0')
		*non_empty = true;
}

/* Delegate=: a boolean or a list of controllers (which means yes); empty means yes too. */
static void parse_delegate(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)c, (void)arg;
	int b = unit_parse_boolean(v);
	*(bool *)field = b != 0;
}

/* User=: specifiers expanded (the ones a User= line can sensibly use), empty resets. */
static void parse_user(struct ctx *c, const char *v, void *field, const void *arg)
{
	(void)arg;
	const char **out = field;
	if (!*v) {
		*out = NULL;
		return;
	}
	const char *name = c->u->name, *at = strchr(name, '@'), *dot = strrchr(name, '.');
	size_t plen = (size_t)((at ? at : dot) - name);
	struct buf b = { 0 };
	buf_puts(&b, "");
	for (const char *p = v; *p; p++) {
		if (*p != '%' || !p[1]) {
			buf_append(&b, p, 1);
			continue;
		}
		switch (*++p) {
		case 'i':
		case 'I':
			/* systemd-analyze scores a template as its instance "i" (verify_prepare_filename) */
			if (at && at + 1 == dot)
				buf_puts(&b, "i");
			else if (at)
				buf_append(&b, at + 1, (size_t)(dot - at - 1));
			break;
		case 'p':
		case 'P':
			buf_append(&b, name, plen);
			break;
		case 'n':
			buf_puts(&b, name);
			break;
		case 'N':
			buf_append(&b, name, (size_t)(dot - name));
			break;
		default:
			buf_append(&b, p - 1, 2);
		}
	}
	free(c->info->owned_user);
	c->info->owned_user = b.data;
	*out = b.data;
}

/* Only what systemd-analyze's checks read, in load-fragment.c's terms. */
static const char *const v_protect_home[] = { "read-only", "tmpfs", NULL };
static const char *const v_protect_system[] = { "full", "strict", NULL };
static const char *const v_keyring[] = { "inherit", "private", "shared", NULL };
static const char *const v_protect_proc[] = { "default", "noaccess", "invisible", "ptraceable", NULL };
static const char *const v_proc_subset[] = { "all", "pid", NULL };
static const char *const v_notify[] = { "none", "main", "exec", "all", NULL };
static const char *const v_device_policy[] = { "auto", "closed", "strict", NULL };
static const struct choices c_protect_home = { true, v_protect_home };
static const struct choices c_protect_system = { true, v_protect_system };
static const struct choices c_keyring = { false, v_keyring };
static const struct choices c_protect_proc = { false, v_protect_proc };
static const struct choices c_proc_subset = { false, v_proc_subset };
static const struct choices c_notify = { false, v_notify };
static const struct choices c_device_policy = { false, v_device_policy };

struct state {
	struct exposure_info info;
	struct families_state families;
	struct archs_state archs;
	struct syscalls_state syscalls;
	struct prefixes_state ip_allow, ip_deny;
	bool device_allow;
};

#define F(field) offsetof(struct state, field)
static const struct setting {
	const char *section, *key;
	parse_fn *parse;
	size_t offset;
	const void *arg;
} settings[] = {
	{ "Unit", "DefaultDependencies", parse_bool, F(info.default_dependencies), NULL },
	{ "Service", "User", parse_user, F(info.user), NULL },
	{ "Service", "DynamicUser", parse_bool, F(info.dynamic_user), NULL },
	{ "Service", "SupplementaryGroups", parse_nonempty, F(info.supplementary_groups), NULL },
	{ "Service", "CapabilityBoundingSet", parse_caps, F(info.capability_bounding_set), "bounding" },
	{ "Service", "AmbientCapabilities", parse_caps, F(info.ambient_capabilities), NULL },
	{ "Service", "KeyringMode", parse_enum, F(info.keyring_mode), &c_keyring },
	{ "Service", "ProtectProc", parse_enum, F(info.protect_proc), &c_protect_proc },
	{ "Service", "ProcSubset", parse_enum, F(info.proc_subset), &c_proc_subset },
	{ "Service", "NotifyAccess", parse_enum, F(info.notify_access), &c_notify },
	{ "Service", "LockPersonality", parse_bool, F(info.lock_personality), NULL },
	{ "Service", "MemoryDenyWriteExecute", parse_bool, F(info.memory_deny_write_execute), NULL },
	{ "Service", "NoNewPrivileges", parse_bool, F(info.no_new_privileges), NULL },
	{ "Service", "ProtectHostname", parse_bool, F(info.protect_hostname), NULL },
	{ "Service", "PrivateDevices", parse_bool, F(info.private_devices), NULL },
	{ "Service", "PrivateMounts", parse_bool, F(info.private_mounts), NULL },
	{ "Service", "PrivateNetwork", parse_bool, F(info.private_network), NULL },
	{ "Service", "PrivateTmp", parse_bool, F(info.private_tmp), NULL },
	{ "Service", "PrivateUsers", parse_bool, F(info.private_users), NULL },
	{ "Service", "ProtectControlGroups", parse_bool, F(info.protect_control_groups), NULL },
	{ "Service", "ProtectKernelModules", parse_bool, F(info.protect_kernel_modules), NULL },
	{ "Service", "ProtectKernelTunables", parse_bool, F(info.protect_kernel_tunables), NULL },
	{ "Service", "ProtectKernelLogs", parse_bool, F(info.protect_kernel_logs), NULL },
	{ "Service", "ProtectClock", parse_bool, F(info.protect_clock), NULL },
	{ "Service", "ProtectHome", parse_enum, F(info.protect_home), &c_protect_home },
	{ "Service", "ProtectSystem", parse_enum, F(info.protect_system), &c_protect_system },
	{ "Service", "RemoveIPC", parse_bool, F(info.remove_ipc), NULL },
	{ "Service", "RestrictAddressFamilies", parse_families, F(families), NULL },
	{ "Service", "RestrictNamespaces", parse_namespaces, F(info.restrict_namespaces), NULL },
	{ "Service", "RestrictRealtime", parse_bool, F(info.restrict_realtime), NULL },
	{ "Service", "RestrictSUIDSGID", parse_bool, F(info.restrict_suid_sgid), NULL },
	{ "Service", "RootDirectory", parse_path, F(info.root_directory), NULL },
	{ "Service", "RootImage", parse_path, F(info.root_image), NULL },
	{ "Service", "UMask", parse_umask, F(info.umask), NULL },
	{ "Service", "SystemCallArchitectures", parse_archs, F(archs), NULL },
	{ "Service", "SystemCallFilter", parse_syscalls, F(syscalls), NULL },
	{ "Service", "Delegate", parse_delegate, F(info.delegate), NULL },
	{ "Service", "DevicePolicy", parse_enum, F(info.device_policy), &c_device_policy },
	{ "Service", "DeviceAllow", parse_device_allow, F(device_allow), NULL },
	{ "Service", "IPAddressAllow", parse_prefixes, F(ip_allow), NULL },
	{ "Service", "IPAddressDeny", parse_prefixes, F(ip_deny), NULL },
	{ "Service", "IPIngressFilterPath", parse_nonempty, F(info.ip_filters_custom), NULL },
	{ "Service", "IPEgressFilterPath", parse_nonempty, F(info.ip_filters_custom), NULL },
};

/* exec_context_init(), service_init() and cgroup_context_init() defaults */
static void state_init(struct state *s)
{
	memset(s, 0, sizeof *s);
	s->info.default_dependencies = true;
	s->info.capability_bounding_set = UINT64_MAX;
	s->info.restrict_namespaces = NAMESPACE_FLAGS_INITIAL;
	s->info.umask = 0022;
	s->info.keyring_mode = "private";
	s->info.protect_proc = "default";
	s->info.proc_subset = "all";
	s->info.notify_access = "none";
	s->info.protect_home = "no";
	s->info.protect_system = "no";
	s->info.device_policy = "auto";
}

/* unit_patch_contexts(): what the loader derives once every file is read, then what
 * get_security_info() makes of the contexts. */
static void finish(struct state *s, const char *unit_name)
{
	struct exposure_info *i = &s->info;
	if (i->private_devices)
		i->capability_bounding_set &= ~(UINT64_C(1) << CAP_MKNOD | UINT64_C(1) << CAP_SYS_RAWIO);
	if (i->protect_kernel_modules)
		i->capability_bounding_set &= ~(UINT64_C(1) << CAP_SYS_MODULE);
	if (i->protect_kernel_logs)
		i->capability_bounding_set &= ~(UINT64_C(1) << CAP_SYSLOG);
	if (i->protect_clock)
		i->capability_bounding_set &= ~(UINT64_C(1) << CAP_SYS_TIME | UINT64_C(1) << CAP_WAKE_ALARM);
	if (i->dynamic_user) {
		if (!i->user) { /* user_from_unit_name(): the unit's prefix, if it is a valid user name */
			const char *at = strchr(unit_name, '@'), *dot = strrchr(unit_name, '.');
			char *prefix = xasprintf("%.*s", (int)((at ? at : dot) - unit_name), unit_name);
			if (prefix[strspn(prefix, "0123456789")] == '\0') { /* numeric: systemd hashes it */
				free(prefix);
				prefix = xstrdup("_du-hashed");
			}
			free(i->owned_user);
			i->user = i->owned_user = prefix;
		}
		i->private_tmp = true;
		i->remove_ipc = true;
		i->protect_system = "strict";
		if (strcmp(i->protect_home, "no") == 0)
			i->protect_home = "read-only";
		i->no_new_privileges = true;
		i->restrict_suid_sgid = true;
	}
	if (i->private_devices && strcmp(i->device_policy, "auto") == 0)
		i->device_policy = "closed";
	i->device_allow_non_empty = s->device_allow;
	if (i->root_image && (strcmp(i->device_policy, "auto") != 0 || s->device_allow))
		i->device_allow_non_empty = true; /* the loop and device-mapper nodes a RootImage= needs */
	if (i->protect_clock)
		i->device_allow_non_empty = true; /* char-rtc r */

	i->af_inet = i->af_unix = i->af_netlink = i->af_packet = i->af_other = s->families.allow_list;
	for (int af = 1; af <= AF_MAX; af++) {
		if (!s->families.present[af])
			continue;
		bool *slot = af == AF_INET || af == AF_INET6 ? &i->af_inet
			     : af == AF_UNIX			 ? &i->af_unix
			     : af == AF_NETLINK			 ? &i->af_netlink
			     : af == AF_PACKET			 ? &i->af_packet
								 : &i->af_other;
		*slot = !s->families.allow_list;
	}

	for (size_t k = 0; k < sizeof architectures / sizeof *architectures; k++)
		i->n_archs += s->archs.present[k];
	i->arch_native_only = i->n_archs == 1 && s->archs.present[0];

	i->syscall_allow_list = s->syscalls.allow_list;
	for (size_t k = 0; k < s->syscalls.n; k++) {
		if (i->syscall_allow_list && s->syscalls.err[k] >= 0)
			continue; /* allowed only to fail with an errno: not allowed */
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, s->syscalls.nr[k]);
		if (name && !strlist_contains(&i->syscalls, name))
			strlist_push(&i->syscalls, name);
		free(name);
	}

	i->ip_address_deny_all = s->ip_deny.any4 && s->ip_deny.any6;
	i->ip_address_allow_localhost = s->ip_allow.localhost;
	i->ip_address_allow_other = s->ip_allow.other;
}

void exposure_info_read(const struct unitfile *u, struct exposure_info *out)
{
	struct state *s = xmalloc(sizeof *s);
	state_init(s);
	struct ctx c = { .u = u, .info = &s->info };
	for (size_t k = 0; k < sizeof settings / sizeof *settings; k++) {
		const struct unit_entry *e = unitfile_get(u, settings[k].section, settings[k].key);
		for (size_t h = 0; e && h < e->n_history; h++)
			settings[k].parse(&c, e->history[h].text, (char *)s + settings[k].offset, settings[k].arg);
	}
	finish(s, u->name);
	*out = s->info;
	free(s->syscalls.nr);
	free(s->syscalls.err);
	free(s);
}

void exposure_info_free(struct exposure_info *i)
{
	strlist_free(&i->syscalls);
	free(i->owned_user);
	i->owned_user = NULL;
}
