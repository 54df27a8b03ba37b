/* apparmor: composes an enforce-mode AppArmor profile for the daemon from the policy groups
 * in templates/apparmor/profile.conf and the manifest's paths and capabilities. */
#include "gen.h"
#include "../core/schema.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool has_proto(const struct manifest *m, enum proto p)
{
	for (size_t i = 0; i < m->n_listen; i++)
		if (m->listen[i].proto == p)
			return true;
	for (size_t i = 0; i < m->n_egress; i++)
		if (m->egress[i].proto == p)
			return true;
	return false;
}

static bool when_always(const struct manifest *m) { (void)m; return true; }
static bool when_tcp(const struct manifest *m) { return has_proto(m, PROTO_TCP); }
static bool when_udp(const struct manifest *m) { return has_proto(m, PROTO_UDP); }
static bool when_egress(const struct manifest *m) { return m->n_egress > 0; }
static bool when_credential(const struct manifest *m)
{
	for (size_t i = 0; i < m->n_credentials; i++)
		if (m->credentials[i].delivery == DELIVERY_CREDENTIAL)
			return true;
	return false;
}

static const struct {
	const char *name;
	bool (*holds)(const struct manifest *m);
} conditions[] = {
	{ "always", when_always },
	{ "tcp", when_tcp },
	{ "udp", when_udp },
	{ "egress", when_egress },
	{ "credential", when_credential },
};

/* The values a "per" group repeats over. */
static void per_values(const struct manifest *m, const char *per, struct strlist *out)
{
	static const struct {
		const char *name;
		size_t offset;
	} lists[] = {
		{ "read", offsetof(struct manifest, paths.read) },
		{ "write", offsetof(struct manifest, paths.write) },
		{ "state", offsetof(struct manifest, paths.state) },
		{ "logs", offsetof(struct manifest, paths.logs) },
		{ "runtime", offsetof(struct manifest, paths.runtime) },
		{ "owned", offsetof(struct manifest, paths.owned) },
		{ "cache", offsetof(struct manifest, paths.cache) },
		{ "exec", offsetof(struct manifest, paths.exec) },
		{ "config", offsetof(struct manifest, config.files) },
	};
	for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
		if (strcmp(lists[i].name, per) != 0)
			continue;
		const struct strlist *l = (const struct strlist *)((const char *)m + lists[i].offset);
		for (size_t j = 0; j < l->n; j++)
			strlist_push(out, l->v[j]);
		return;
	}
	if (strcmp(per, "socket") == 0) {
		for (size_t i = 0; i < m->n_listen; i++)
			if (m->listen[i].path)
				strlist_push(out, m->listen[i].path);
	} else if (strcmp(per, "pidfile") == 0) {
		if (m->daemon.pidfile)
			strlist_push(out, m->daemon.pidfile);
	} else if (strcmp(per, "capability") == 0) {
		/* AppArmor spells CAP_NET_BIND_SERVICE as net_bind_service */
		for (size_t i = 0; i < m->daemon.capabilities.n; i++) {
			char *cap = xstrdup(m->daemon.capabilities.v[i] + strlen("CAP_"));
			for (char *c = cap; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			strlist_push(out, cap);
			free(cap);
		}
	}
}

static const char *const when_names[] = { "always", "tcp", "udp", "egress", "credential", NULL };
static const char *const per_names[] = { "read", "write", "state", "logs", "runtime", "owned", "cache", "exec",
					 "config", "socket", "pidfile", "capability", NULL };

static const struct schema_field group_fields[] = {
	{ "name", SCHEMA_STRING, SCHEMA_REQUIRED | SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ "when", SCHEMA_STRING, 0, when_names, 0, 0, NULL },
	{ "per", SCHEMA_STRING, 0, per_names, 0, 0, NULL },
	{ "rules", SCHEMA_STRINGS, SCHEMA_REQUIRED | SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field policy_fields[] = {
	{ "groups", SCHEMA_GROUPS, SCHEMA_REQUIRED, NULL, 0, 0, group_fields },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

bool policy_load(struct policy *p, const char *file, struct diag *d)
{
	config_t cfg;
	config_init(&cfg);
	bool ok = schema_read_file(&cfg, file, d);
	const config_setting_t *root = config_root_setting(&cfg);
	if (ok && schema_check(root, policy_fields, file, "", d))
		ok = false;
	const config_setting_t *groups = ok ? config_setting_get_member(root, "groups") : NULL;
	for (int i = 0; groups && i < config_setting_length(groups); i++) {
		const config_setting_t *g = config_setting_get_elem(groups, (unsigned)i);
		const char *when = schema_string(g, "when", NULL), *per = schema_string(g, "per", NULL);
		if (!when == !per) {
			diag_error(d, file, schema_line(g), "groups[%d]: give exactly one of when and per", i);
			ok = false;
			continue;
		}
		p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
		struct policy_group *pg = &p->v[p->n++];
		*pg = (struct policy_group){ 0 };
		pg->name = xstrdup(schema_string(g, "name", ""));
		pg->when = when ? xstrdup(when) : NULL;
		pg->per = per ? xstrdup(per) : NULL;
		schema_strings(g, "rules", &pg->rules);
	}
	config_destroy(&cfg);
	return ok;
}

void policy_free(struct policy *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].when);
		free(p->v[i].per);
		strlist_free(&p->v[i].rules);
	}
	free(p->v);
	*p = (struct policy){ 0 };
}

static bool condition_holds(const char *when, const struct manifest *m)
{
	for (size_t i = 0; i < sizeof conditions / sizeof *conditions; i++)
		if (strcmp(conditions[i].name, when) == 0)
			return conditions[i].holds(m);
	return false;
}

char *gen_binary_of(const struct manifest *m)
{
	size_t len = strcspn(m->daemon.exec, " \t");
	char *bin = xmalloc(len + 1);
	memcpy(bin, m->daemon.exec, len);
	bin[len] = '\0';
	return bin;
}

char *gen_profile_path(const struct manifest *m)
{
	/* Debian names a profile after its binary (usr.sbin.named), so a package build that
	 * ships this one replaces the package's own instead of attaching twice. */
	char *bin = gen_binary_of(m);
	char *name = xstrdup(bin + 1);
	for (char *c = name; *c; c++)
		if (*c == '/')
			*c = '.';
	char *path = xasprintf("/etc/apparmor.d/%s", name);
	free(name);
	free(bin);
	return path;
}

void gen_apparmor(const struct manifest *m, const struct policy *p, struct outset *out)
{
	char *binary = gen_binary_of(m);
	struct buf b = { 0 };
	buf_printf(&b, "# Generated by hardenkit from the %s manifest: the daemon's AppArmor profile.\n"
		       "# Enforce mode (no complain flag). Composed from templates/apparmor/profile.conf.\n"
		       "abi <abi/3.0>,\n\ninclude <tunables/global>\n\n"
		       "profile %s %s flags=(attach_disconnected) {\n",
		   m->name, m->name, binary);
	for (size_t i = 0; i < p->n; i++) {
		const struct policy_group *g = &p->v[i];
		struct strlist values = { 0 };
		if (g->when) {
			if (!condition_holds(g->when, m))
				continue;
			strlist_push(&values, "");
		} else {
			per_values(m, g->per, &values);
		}
		if (!values.n)
			continue;
		buf_printf(&b, "\n  # %s\n", g->name);
		for (size_t v = 0; v < values.n; v++) {
			const char *const vars[] = { "BINARY", binary, "PATH", values.v[v], "CAP", values.v[v],
						     "UNIT", m->daemon.unit, NULL };
			for (size_t r = 0; r < g->rules.n; r++) {
				buf_puts(&b, "  ");
				gen_render(&b, g->rules.v[r], vars);
				buf_puts(&b, "\n");
			}
		}
		strlist_free(&values);
	}
	buf_puts(&b, "}\n");
	char *path = gen_profile_path(m);
	outset_add(out, path, &b, 0644);
	free(path);
	free(binary);
}
