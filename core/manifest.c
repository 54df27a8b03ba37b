/* manifest: loads and validates package manifests; see manifest.h. The schema tables below are
 * the authority for the manifest format (hardenkit-manifest(5) describes them). */
#include "manifest.h"
#include "schema.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const proto_names[] = { "tcp", "udp", "unix", NULL };
static const char *const egress_proto_names[] = { "tcp", "udp", NULL };
static const char *const scope_names[] = { "loopback", "unix", "public", NULL };
static const char *const encoding_names[] = { "hex", "base64url", "alnum", NULL };
static const char *const delivery_names[] = { "credential", "include", "apply", NULL };
static const char *const service_types[] = { "simple", "exec", "forking", "notify", "oneshot", "dbus", NULL };

/* Address families a daemon may keep without a RestrictAddressFamilies relaxation. */
static const char *const default_address_families[] = { "AF_UNIX", "AF_INET", "AF_INET6", NULL };
static const char *const address_families[] = { "AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK",
						"AF_PACKET", "AF_BLUETOOTH", "AF_CAN", NULL };

/* capabilities(7) as of Linux 6.1 */
static const char *const capability_names[] = {
	"CAP_AUDIT_CONTROL", "CAP_AUDIT_READ", "CAP_AUDIT_WRITE", "CAP_BLOCK_SUSPEND", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_KILL", "CAP_LEASE", "CAP_LINUX_IMMUTABLE",
	"CAP_MAC_ADMIN", "CAP_MAC_OVERRIDE", "CAP_MKNOD", "CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_RAW", "CAP_PERFMON", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP",
	"CAP_SETUID", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_CHROOT", "CAP_SYS_MODULE", "CAP_SYS_NICE",
	"CAP_SYS_PACCT", "CAP_SYS_PTRACE", "CAP_SYS_RAWIO", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_SYSLOG", "CAP_WAKE_ALARM", NULL,
};

const char *const manifest_relaxable_directives[] = {
	"NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices",
	"ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups",
	"ProtectClock", "ProtectHostname", "ProtectProc", "ProcSubset", "LockPersonality",
	"RestrictRealtime", "RestrictSUIDSGID", "MemoryDenyWriteExecute", "RestrictNamespaces",
	"RestrictAddressFamilies", "SystemCallFilter", "SystemCallArchitectures", "CapabilityBoundingSet",
	"AmbientCapabilities", "PrivateUsers", "PrivateNetwork", "IPAddressDeny", "User", "UMask",
	"DevicePolicy", "DeviceAllow", "RemoveIPC", "KeyringMode", "Delegate", "PrivateMounts", NULL,
};

bool manifest_own_user(const struct manifest *m) { return strcmp(m->daemon.user, "root") != 0; }
const char *proto_name(enum proto p) { return proto_names[p]; }
const char *scope_name(enum scope s) { return scope_names[s]; }
const char *encoding_name(enum encoding e) { return encoding_names[e]; }
const char *delivery_name(enum delivery d) { return delivery_names[d]; }

enum { REQ = SCHEMA_REQUIRED, ABS = SCHEMA_ABSPATH, NONEMPTY = SCHEMA_NONEMPTY };

static const struct schema_field daemon_fields[] = {
	{ "unit", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "upstream_unit", SCHEMA_BOOL, REQ, NULL, 0, 0, NULL },
	{ "exec", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "user", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "group", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "type", SCHEMA_STRING, REQ, service_types, 0, 0, NULL },
	{ "pidfile", SCHEMA_STRING, ABS, NULL, 0, 0, NULL },
	{ "exec_start", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ "exec_start_reason", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ "exec_start_pre", SCHEMA_STRINGS, 0, NULL, 0, 0, NULL },
	{ "exec_start_pre_reason", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ "environment", SCHEMA_STRINGS, 0, NULL, 0, 0, NULL },
	{ "socket_activation", SCHEMA_BOOL, 0, NULL, 0, 0, NULL },
	{ "capabilities", SCHEMA_STRINGS, 0, capability_names, 0, 0, NULL },
	{ "address_families", SCHEMA_STRINGS, NONEMPTY, address_families, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field listen_fields[] = {
	{ "proto", SCHEMA_STRING, REQ, proto_names, 0, 0, NULL },
	{ "port", SCHEMA_INT, 0, NULL, 1, 65535, NULL },
	{ "path", SCHEMA_STRING, ABS, NULL, 0, 0, NULL },
	{ "scope", SCHEMA_STRING, REQ, scope_names, 0, 0, NULL },
	{ "reason", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field config_fields[] = {
	{ "dialect", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "files", SCHEMA_STRINGS, REQ | NONEMPTY | ABS, NULL, 0, 0, NULL },
	{ "bind_file", SCHEMA_STRING, ABS, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field path_fields[] = {
	{ "read", SCHEMA_STRINGS, ABS, NULL, 0, 0, NULL },
	{ "write", SCHEMA_STRINGS, ABS, NULL, 0, 0, NULL },
	{ "state", SCHEMA_STRINGS, ABS, NULL, 0, 0, NULL },
	{ "logs", SCHEMA_STRINGS, ABS, NULL, 0, 0, NULL },
	{ "runtime", SCHEMA_STRINGS, ABS, NULL, 0, 0, NULL },
	{ "owned", SCHEMA_STRINGS, ABS, NULL, 0, 0, NULL },
	{ "cache", SCHEMA_STRINGS, ABS, NULL, 0, 0, NULL },
	{ "exec", SCHEMA_STRINGS, ABS, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field credential_fields[] = {
	{ "name", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "description", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "strength", SCHEMA_INT, 0, NULL, 128, 1024, NULL },
	{ "encoding", SCHEMA_STRING, 0, encoding_names, 0, 0, NULL },
	{ "delivery", SCHEMA_STRING, REQ, delivery_names, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field egress_fields[] = {
	{ "to", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "proto", SCHEMA_STRING, REQ, egress_proto_names, 0, 0, NULL },
	{ "port", SCHEMA_INT, REQ, NULL, 1, 65535, NULL },
	{ "reason", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field relaxation_fields[] = {
	{ "directive", SCHEMA_STRING, REQ, manifest_relaxable_directives, 0, 0, NULL },
	{ "value", SCHEMA_STRING, REQ, NULL, 0, 0, NULL },
	{ "reason", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field manifest_fields[] = {
	{ "name", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "packages", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "description", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "daemon", SCHEMA_GROUP, REQ, NULL, 0, 0, daemon_fields },
	{ "listen", SCHEMA_GROUPS, REQ, NULL, 0, 0, listen_fields },
	{ "config", SCHEMA_GROUP, REQ, NULL, 0, 0, config_fields },
	{ "paths", SCHEMA_GROUP, 0, NULL, 0, 0, path_fields },
	{ "credentials", SCHEMA_GROUPS, 0, NULL, 0, 0, credential_fields },
	{ "egress", SCHEMA_GROUPS, 0, NULL, 0, 0, egress_fields },
	{ "relaxations", SCHEMA_GROUPS, 0, NULL, 0, 0, relaxation_fields },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

/* Where systemd's StateDirectory= and friends live: a path outside its base cannot be one. */
static const struct {
	const char *key, *base;
} managed_dirs[] = {
	{ "state", "/var/lib/" },
	{ "logs", "/var/log/" },
	{ "runtime", "/run/" },
	{ "cache", "/var/cache/" },
	{ "owned", "/run/" },
};

static bool in_list(const char *const *names, const char *value)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], value) == 0)
			return true;
	return false;
}

static int index_of(const char *const *names, const char *value)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], value) == 0)
			return i;
	return 0; /* unreachable for values schema_check accepted */
}


#define LOWER_DIGITS "abcdefghijklmnopqrstuvwxyz0123456789"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS "0123456789"

static bool is_ip_prefix(const char *s)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	if (len >= sizeof addr)
		return false;
	memcpy(addr, s, len);
	addr[len] = '\0';
	unsigned char bin[16];
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(family, addr, bin) != 1)
		return false;
	if (!slash)
		return true;
	char *end;
	long bits = strtol(slash + 1, &end, 10);
	return slash[1] && !*end && bits >= 0 && bits <= (family == AF_INET6 ? 128 : 32);
}

struct checker {
	const char *file;
	struct diag *d;
	unsigned errors;
};

static void fail(struct checker *c, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void fail(struct checker *c, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(c->d, DIAG_ERROR, c->file, schema_line(s), fmt, ap);
	va_end(ap);
	c->errors++;
}

static const char *member_string(const config_setting_t *g, const char *key)
{
	return schema_string(g, key, NULL);
}

static void check_identity(struct checker *c, const config_setting_t *root)
{
	const config_setting_t *name = config_setting_get_member(root, "name");
	const char *value = config_setting_get_string(name);
	char *stem = path_stem(c->file, ".conf");
	if (!str_in_charset(value, LOWER_DIGITS, LOWER_DIGITS ".+-"))
		fail(c, name, "name: \"%s\" must be a package name: lower-case letters, digits, '.', '+', '-'", value);
	else if (strcmp(value, stem) != 0)
		fail(c, name, "name: \"%s\" must equal the file's basename \"%s\"", value, stem);
	free(stem);
}

static bool has_relaxation(const config_setting_t *root, const char *directive)
{
	const config_setting_t *list = config_setting_get_member(root, "relaxations");
	for (int i = 0; list && i < config_setting_length(list); i++)
		if (strcmp(member_string(config_setting_get_elem(list, (unsigned)i), "directive"), directive) == 0)
			return true;
	return false;
}

static void check_daemon(struct checker *c, const config_setting_t *root)
{
	const config_setting_t *daemon = config_setting_get_member(root, "daemon");
	const config_setting_t *unit = config_setting_get_member(daemon, "unit");
	const char *unit_name = config_setting_get_string(unit);
	if (!str_has_suffix(unit_name, ".service") || strchr(unit_name, '/'))
		fail(c, unit, "daemon.unit: \"%s\" must be a service unit name ending in .service", unit_name);

	const config_setting_t *exec = config_setting_get_member(daemon, "exec");
	if (config_setting_get_string(exec)[0] != '/')
		fail(c, exec, "daemon.exec: must start with the absolute path of the daemon's binary");

	/* replacing the package's ExecStart= is a visible change: it carries its reason */
	const config_setting_t *start = config_setting_get_member(daemon, "exec_start");
	const config_setting_t *start_reason = config_setting_get_member(daemon, "exec_start_reason");
	if (start && config_setting_get_string(start)[0] != '/')
		fail(c, start, "daemon.exec_start: must start with an absolute path");
	if (start && !start_reason)
		fail(c, start, "daemon.exec_start: needs exec_start_reason, why the package's ExecStart= is replaced");
	if (start_reason && !start)
		fail(c, start_reason, "daemon.exec_start_reason: without exec_start");
	const config_setting_t *pre = config_setting_get_member(daemon, "exec_start_pre");
	const config_setting_t *pre_reason = config_setting_get_member(daemon, "exec_start_pre_reason");
	if (pre && !pre_reason)
		fail(c, pre, "daemon.exec_start_pre: needs exec_start_pre_reason, why the package's ExecStartPre= lines are replaced");
	if (pre_reason && !pre)
		fail(c, pre_reason, "daemon.exec_start_pre_reason: without exec_start_pre");
	for (int i = 0; pre && i < config_setting_length(pre); i++) {
		const config_setting_t *e = config_setting_get_elem(pre, (unsigned)i);
		const char *line = config_setting_get_string(e);
		/* systemd's prefixes (- @ : + !), then the absolute path of the program */
		if (line[strspn(line, "-@:+!")] != '/')
			fail(c, e, "daemon.exec_start_pre[%d]: must start with an absolute path (after systemd's - @ : + ! prefixes)", i);
	}

	/* NAME=VALUE, written inside systemd's double quotes: no character there needs escaping */
	const config_setting_t *env = config_setting_get_member(daemon, "environment");
	for (int i = 0; env && i < config_setting_length(env); i++) {
		const config_setting_t *e = config_setting_get_elem(env, (unsigned)i);
		const char *assignment = config_setting_get_string(e);
		const char *eq = strchr(assignment, '=');
		char *name = eq ? strndup(assignment, (size_t)(eq - assignment)) : NULL;
		if (!name || !str_in_charset(name, UPPER "_", UPPER DIGITS "_"))
			fail(c, e, "daemon.environment: \"%s\" is not NAME=VALUE with NAME in [A-Z_][A-Z0-9_]*", assignment);
		else if (strpbrk(eq + 1, "\"\\$%\n"))
			fail(c, e, "daemon.environment: \"%s\": the value may not hold \", \\, $, %% or a newline", assignment);
		free(name);
	}

	/* Debian's own system accounts include capitals (Debian-snmp, Debian-exim) */
	static const char *const account_keys[] = { "user", "group" };
	for (size_t i = 0; i < 2; i++) {
		const config_setting_t *s = config_setting_get_member(daemon, account_keys[i]);
		if (!str_in_charset(config_setting_get_string(s), "abcdefghijklmnopqrstuvwxyz" UPPER "_",
				     LOWER_DIGITS UPPER "_-"))
			fail(c, s, "daemon.%s: \"%s\" is not a valid account name", account_keys[i],
			     config_setting_get_string(s));
	}

	const config_setting_t *families = config_setting_get_member(daemon, "address_families");
	for (int i = 0; families && i < config_setting_length(families); i++) {
		const config_setting_t *f = config_setting_get_elem(families, (unsigned)i);
		if (!in_list(default_address_families, config_setting_get_string(f)) &&
		    !has_relaxation(root, "RestrictAddressFamilies"))
			fail(c, f, "daemon.address_families: %s needs a RestrictAddressFamilies relaxation with a reason",
			     config_setting_get_string(f));
	}
}

static void check_listeners(struct checker *c, const config_setting_t *root)
{
	const config_setting_t *list = config_setting_get_member(root, "listen");
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *l = config_setting_get_elem(list, (unsigned)i);
		const char *proto = member_string(l, "proto");
		const char *scope = member_string(l, "scope");
		const config_setting_t *port = config_setting_get_member(l, "port");
		const config_setting_t *path = config_setting_get_member(l, "path");
		bool is_unix = strcmp(proto, "unix") == 0;
		if (is_unix) {
			if (!path)
				fail(c, l, "listen[%d]: a unix listener needs a path", i);
			if (port)
				fail(c, port, "listen[%d].port: a unix listener has no port", i);
			if (strcmp(scope, "unix") != 0)
				fail(c, l, "listen[%d].scope: a unix listener has scope unix, not %s", i, scope);
		} else {
			if (!port)
				fail(c, l, "listen[%d]: a %s listener needs a port", i, proto);
			if (path)
				fail(c, path, "listen[%d].path: only a unix listener has a path", i);
			if (strcmp(scope, "unix") == 0)
				fail(c, l, "listen[%d].scope: a %s listener has scope loopback or public, not unix", i,
				     proto);
		}
		if (strcmp(scope, "public") == 0 && !config_setting_get_member(l, "reason"))
			fail(c, l, "listen[%d]: scope public needs a reason: why must this port be reachable from other hosts?",
			     i);
		for (int j = 0; j < i && port; j++) {
			const config_setting_t *o = config_setting_get_elem(list, (unsigned)j);
			if (strcmp(member_string(o, "proto"), proto) == 0 &&
			    schema_int(o, "port", -1) == config_setting_get_int64(port))
				fail(c, port, "listen[%d]: %s port %lld is already declared by listen[%d]", i, proto,
				     config_setting_get_int64(port), j);
		}
	}
}

static void check_paths(struct checker *c, const config_setting_t *root)
{
	const config_setting_t *paths = config_setting_get_member(root, "paths");
	for (size_t k = 0; paths && k < sizeof managed_dirs / sizeof *managed_dirs; k++) {
		const config_setting_t *list = config_setting_get_member(paths, managed_dirs[k].key);
		for (int i = 0; list && i < config_setting_length(list); i++) {
			const config_setting_t *p = config_setting_get_elem(list, (unsigned)i);
			if (!str_has_prefix(config_setting_get_string(p), managed_dirs[k].base))
				fail(c, p, "paths.%s[%d]: \"%s\" must be below %s", managed_dirs[k].key, i,
				     config_setting_get_string(p), managed_dirs[k].base);
		}
	}
}

static void check_unique_names(struct checker *c, const config_setting_t *root, const char *list_key,
			       const char *name_key)
{
	const config_setting_t *list = config_setting_get_member(root, list_key);
	for (int i = 0; list && i < config_setting_length(list); i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		for (int j = 0; j < i; j++)
			if (strcmp(member_string(config_setting_get_elem(list, (unsigned)j), name_key),
				   member_string(e, name_key)) == 0)
				fail(c, e, "%s[%d].%s: \"%s\" is already declared by %s[%d]", list_key, i, name_key,
				     member_string(e, name_key), list_key, j);
	}
}

static void check_credentials(struct checker *c, const config_setting_t *root)
{
	const config_setting_t *list = config_setting_get_member(root, "credentials");
	for (int i = 0; list && i < config_setting_length(list); i++) {
		const config_setting_t *name = config_setting_get_member(config_setting_get_elem(list, (unsigned)i), "name");
		if (!str_in_charset(config_setting_get_string(name), LOWER_DIGITS, LOWER_DIGITS "_-"))
			fail(c, name, "credentials[%d].name: \"%s\" must be lower-case letters, digits, '_' or '-'", i,
			     config_setting_get_string(name));
	}
	check_unique_names(c, root, "credentials", "name");
}

static void check_egress(struct checker *c, const config_setting_t *root)
{
	const config_setting_t *list = config_setting_get_member(root, "egress");
	for (int i = 0; list && i < config_setting_length(list); i++) {
		const config_setting_t *to = config_setting_get_member(config_setting_get_elem(list, (unsigned)i), "to");
		const char *value = config_setting_get_string(to);
		if (strcmp(value, "any") != 0 && !is_ip_prefix(value))
			fail(c, to, "egress[%d].to: \"%s\" is neither \"any\" nor an IP address or prefix", i, value);
	}
}

static void check_dialect(struct checker *c, const config_setting_t *root, const struct dialect_set *dialects)
{
	const config_setting_t *dialect = config_setting_get_member(config_setting_get_member(root, "config"), "dialect");
	const struct dialect *dl = dialects ? dialect_set_find(dialects, config_setting_get_string(dialect)) : NULL;
	if (dialects && !dl)
		fail(c, dialect, "config.dialect: no dialect \"%s\" in the knowledge base", config_setting_get_string(dialect));
	else if (dl && !dl->has_output)
		fail(c, dialect, "config.dialect: \"%s\" has no output: the linter reads it, gen has nothing to write in it",
		     dl->name);
}

/* The daemon must be told to take the sockets, or it binds them itself and fails; a socket unit
 * without a listener would activate nothing. */
static void check_socket_activation(struct checker *c, const config_setting_t *root, const struct dialect_set *dialects)
{
	const config_setting_t *activation = config_setting_get_member(config_setting_get_member(root, "daemon"),
								      "socket_activation");
	if (!activation || !config_setting_get_bool(activation))
		return;
	const struct dialect *dl =
		dialects ? dialect_set_find(dialects, member_string(config_setting_get_member(root, "config"), "dialect")) : NULL;
	if (dl && !dl->output.socket_activation.n)
		fail(c, activation, "daemon.socket_activation: the dialect \"%s\" does not say how its daemon takes sockets from systemd (output.socket_activation)",
		     dl->name);
	if (config_setting_length(config_setting_get_member(root, "listen")) == 0)
		fail(c, activation, "daemon.socket_activation: no listener to pass");
}

static void extract_strings(const config_setting_t *group, const char *key, struct strlist *out)
{
	if (group)
		schema_strings(group, key, out);
}

static char *dup_member(const config_setting_t *g, const char *key)
{
	const char *s = member_string(g, key);
	return s ? xstrdup(s) : NULL;
}

static void extract(struct manifest *m, const config_setting_t *root)
{
	m->name = dup_member(root, "name");
	m->description = dup_member(root, "description");
	schema_strings(root, "packages", &m->packages);

	const config_setting_t *daemon = config_setting_get_member(root, "daemon");
	m->daemon.unit = dup_member(daemon, "unit");
	m->daemon.exec = dup_member(daemon, "exec");
	m->daemon.user = dup_member(daemon, "user");
	m->daemon.group = dup_member(daemon, "group");
	m->daemon.type = dup_member(daemon, "type");
	m->daemon.pidfile = dup_member(daemon, "pidfile");
	m->daemon.exec_start = dup_member(daemon, "exec_start");
	m->daemon.exec_start_reason = dup_member(daemon, "exec_start_reason");
	schema_strings(daemon, "environment", &m->daemon.environment);
	schema_strings(daemon, "exec_start_pre", &m->daemon.exec_start_pre);
	m->daemon.exec_start_pre_reason = dup_member(daemon, "exec_start_pre_reason");
	m->daemon.socket_activation = schema_bool(daemon, "socket_activation", false);
	m->daemon.upstream_unit = schema_bool(daemon, "upstream_unit", false);
	schema_strings(daemon, "capabilities", &m->daemon.capabilities);
	if (config_setting_get_member(daemon, "address_families"))
		schema_strings(daemon, "address_families", &m->daemon.address_families);
	else
		for (const char *const *f = default_address_families; *f; f++)
			strlist_push(&m->daemon.address_families, *f);

	const config_setting_t *listen = config_setting_get_member(root, "listen");
	m->n_listen = (size_t)config_setting_length(listen);
	m->listen = xcalloc(m->n_listen, sizeof *m->listen);
	for (size_t i = 0; i < m->n_listen; i++) {
		const config_setting_t *l = config_setting_get_elem(listen, (unsigned)i);
		m->listen[i].proto = (enum proto)index_of(proto_names, member_string(l, "proto"));
		m->listen[i].port = (int)schema_int(l, "port", 0);
		m->listen[i].path = dup_member(l, "path");
		m->listen[i].scope = (enum scope)index_of(scope_names, member_string(l, "scope"));
		m->listen[i].reason = dup_member(l, "reason");
		m->listen[i].line = schema_line(l);
	}

	const config_setting_t *config = config_setting_get_member(root, "config");
	m->config.dialect = dup_member(config, "dialect");
	m->config.dialect_line = schema_line(config_setting_get_member(config, "dialect"));
	m->config.bind_file = dup_member(config, "bind_file");
	schema_strings(config, "files", &m->config.files);

	const config_setting_t *paths = config_setting_get_member(root, "paths");
	extract_strings(paths, "read", &m->paths.read);
	extract_strings(paths, "write", &m->paths.write);
	extract_strings(paths, "state", &m->paths.state);
	extract_strings(paths, "logs", &m->paths.logs);
	extract_strings(paths, "runtime", &m->paths.runtime);
	extract_strings(paths, "owned", &m->paths.owned);
	extract_strings(paths, "cache", &m->paths.cache);
	extract_strings(paths, "exec", &m->paths.exec);

	const config_setting_t *creds = config_setting_get_member(root, "credentials");
	m->n_credentials = creds ? (size_t)config_setting_length(creds) : 0;
	m->credentials = xcalloc(m->n_credentials, sizeof *m->credentials);
	for (size_t i = 0; i < m->n_credentials; i++) {
		const config_setting_t *e = config_setting_get_elem(creds, (unsigned)i);
		m->credentials[i].name = dup_member(e, "name");
		m->credentials[i].description = dup_member(e, "description");
		m->credentials[i].strength = (int)schema_int(e, "strength", 256);
		m->credentials[i].encoding = (enum encoding)index_of(encoding_names, schema_string(e, "encoding", "hex"));
		m->credentials[i].delivery = (enum delivery)index_of(delivery_names, member_string(e, "delivery"));
		m->credentials[i].line = schema_line(e);
	}

	const config_setting_t *egress = config_setting_get_member(root, "egress");
	m->n_egress = egress ? (size_t)config_setting_length(egress) : 0;
	m->egress = xcalloc(m->n_egress, sizeof *m->egress);
	for (size_t i = 0; i < m->n_egress; i++) {
		const config_setting_t *e = config_setting_get_elem(egress, (unsigned)i);
		m->egress[i].to = dup_member(e, "to");
		m->egress[i].proto = (enum proto)index_of(proto_names, member_string(e, "proto"));
		m->egress[i].port = (int)schema_int(e, "port", 0);
		m->egress[i].reason = dup_member(e, "reason");
		m->egress[i].line = schema_line(e);
	}

	const config_setting_t *relax = config_setting_get_member(root, "relaxations");
	m->n_relaxations = relax ? (size_t)config_setting_length(relax) : 0;
	m->relaxations = xcalloc(m->n_relaxations, sizeof *m->relaxations);
	for (size_t i = 0; i < m->n_relaxations; i++) {
		const config_setting_t *e = config_setting_get_elem(relax, (unsigned)i);
		m->relaxations[i].directive = dup_member(e, "directive");
		m->relaxations[i].value = dup_member(e, "value");
		m->relaxations[i].reason = dup_member(e, "reason");
		m->relaxations[i].line = schema_line(e);
	}
}

struct manifest *manifest_load(const char *file, const struct dialect_set *dialects, struct diag *d)
{
	config_t cfg;
	config_init(&cfg);
	struct manifest *m = NULL;
	if (!schema_read_file(&cfg, file, d))
		goto out;
	const config_setting_t *root = config_root_setting(&cfg);
	if (schema_check(root, manifest_fields, file, "", d))
		goto out; /* the semantic checks below rely on types and required keys */

	struct checker c = { file, d, 0 };
	check_identity(&c, root);
	check_daemon(&c, root);
	check_listeners(&c, root);
	check_paths(&c, root);
	check_credentials(&c, root);
	check_egress(&c, root);
	check_unique_names(&c, root, "relaxations", "directive");
	check_dialect(&c, root, dialects);
	check_socket_activation(&c, root, dialects);
	if (c.errors)
		goto out;

	m = xcalloc(1, sizeof *m);
	m->file = xstrdup(file);
	extract(m, root);
out:
	config_destroy(&cfg);
	return m;
}

const struct relaxation *manifest_relaxation(const struct manifest *m, const char *directive)
{
	for (size_t i = 0; i < m->n_relaxations; i++)
		if (strcmp(m->relaxations[i].directive, directive) == 0)
			return &m->relaxations[i];
	return NULL;
}

void manifest_free(struct manifest *m)
{
	if (!m)
		return;
	free(m->file);
	free(m->name);
	free(m->description);
	strlist_free(&m->packages);
	free(m->daemon.unit);
	free(m->daemon.exec);
	free(m->daemon.exec_start);
	free(m->daemon.exec_start_reason);
	strlist_free(&m->daemon.environment);
	strlist_free(&m->daemon.exec_start_pre);
	free(m->daemon.exec_start_pre_reason);
	free(m->daemon.user);
	free(m->daemon.group);
	free(m->daemon.type);
	free(m->daemon.pidfile);
	strlist_free(&m->daemon.capabilities);
	strlist_free(&m->daemon.address_families);
	for (size_t i = 0; i < m->n_listen; i++) {
		free(m->listen[i].path);
		free(m->listen[i].reason);
	}
	free(m->listen);
	free(m->config.dialect);
	free(m->config.bind_file);
	strlist_free(&m->config.files);
	strlist_free(&m->paths.read);
	strlist_free(&m->paths.write);
	strlist_free(&m->paths.state);
	strlist_free(&m->paths.logs);
	strlist_free(&m->paths.runtime);
	strlist_free(&m->paths.owned);
	strlist_free(&m->paths.cache);
	strlist_free(&m->paths.exec);
	for (size_t i = 0; i < m->n_credentials; i++) {
		free(m->credentials[i].name);
		free(m->credentials[i].description);
	}
	free(m->credentials);
	for (size_t i = 0; i < m->n_egress; i++) {
		free(m->egress[i].to);
		free(m->egress[i].reason);
	}
	free(m->egress);
	for (size_t i = 0; i < m->n_relaxations; i++) {
		free(m->relaxations[i].directive);
		free(m->relaxations[i].value);
		free(m->relaxations[i].reason);
	}
	free(m->relaxations);
	free(m);
}
