/* credentials: the first-boot spec, oneshot unit and service drop-in of a manifest's credentials;
 * see credentials.h. Where a daemon takes its secret is data (templates/credentials/). */
#include "credentials.h"
#include "gen.h"
#include "../core/cli.h"
#include "../core/schema.h"
#include "../firstboot/secret.h"
#include "../firstboot/spec.h"

#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define UNIT_DIR "/usr/lib/systemd/system"

static const char *const delivery_names[] = { "credential", "include", "apply", NULL };
static const char *const mode_names[] = { "0400", "0600", NULL };

enum { REQ = SCHEMA_REQUIRED, ABS = SCHEMA_ABSPATH, NONEMPTY = SCHEMA_NONEMPTY };

/* templates/credentials/DIALECT.conf: how each credential of that dialect reaches its daemon. */
static const struct schema_field t_include[] = {
	{ "path", SCHEMA_STRING, REQ | ABS, NULL, 0, 0, NULL },
	{ "lines", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "user", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ "group", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ "mode", SCHEMA_STRING, 0, mode_names, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field t_rewrite[] = {
	{ "file", SCHEMA_STRING, REQ | ABS, NULL, 0, 0, NULL },
	{ "match", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "replace", SCHEMA_STRING, REQ, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field t_apply[] = {
	{ "command", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "user", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ "group", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ "input", SCHEMA_STRINGS, REQ, NULL, 0, 0, NULL },
	{ "writes", SCHEMA_STRINGS, ABS, NULL, 0, 0, NULL },
	{ "timeout", SCHEMA_INT, 0, NULL, 1, 3600, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

/* A file gen ships with the package, holding no secret: a directive that points the daemon at
 * what first boot will write (mosquitto's password_file line, say). */
static const struct schema_field t_config[] = {
	{ "path", SCHEMA_STRING, REQ | ABS, NULL, 0, 0, NULL },
	{ "lines", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field t_row[] = {
	{ "name", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "delivery", SCHEMA_STRING, REQ, delivery_names, 0, 0, NULL },
	{ "include", SCHEMA_GROUP, 0, NULL, 0, 0, t_include },
	{ "rewrite", SCHEMA_GROUP, 0, NULL, 0, 0, t_rewrite },
	{ "apply", SCHEMA_GROUP, 0, NULL, 0, 0, t_apply },
	{ "config", SCHEMA_GROUP, 0, NULL, 0, 0, t_config },
	{ "capabilities", SCHEMA_STRINGS, 0, NULL, 0, 0, NULL },
	{ "reason", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field t_root[] = {
	{ "dialect", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "description", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "sources", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "credentials", SCHEMA_GROUPS, REQ, NULL, 0, 0, t_row },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

/* A loaded delivery template; ROOT is NULL when the dialect has none. */
struct tmpl {
	config_t cfg;
	const config_setting_t *root;
	char *file;
};

/* Checks what the schema cannot: the file names its dialect, each row has the group its
 * delivery needs, and extra capabilities come with a reason. */
static unsigned check_template(const struct tmpl *t, const char *dialect, struct diag *d)
{
	unsigned errors = 0;
	const config_setting_t *name = config_setting_get_member(t->root, "dialect");
	if (strcmp(config_setting_get_string(name), dialect) != 0) {
		diag_error(d, t->file, schema_line(name), "dialect: \"%s\" must equal the file name (\"%s\")",
			   config_setting_get_string(name), dialect);
		errors++;
	}
	const config_setting_t *rows = config_setting_get_member(t->root, "credentials");
	for (int i = 0; i < config_setting_length(rows); i++) {
		const config_setting_t *row = config_setting_get_elem(rows, (unsigned)i);
		const char *delivery = schema_string(row, "delivery", "");
		if (strcmp(delivery, "credential") != 0 && !config_setting_get_member(row, delivery)) {
			diag_error(d, t->file, schema_line(row), "credentials[%d]: delivery \"%s\" needs a %s group", i,
				   delivery, delivery);
			errors++;
		}
		const config_setting_t *caps = config_setting_get_member(row, "capabilities");
		for (int j = 0; caps && j < config_setting_length(caps); j++) {
			const char *cap = config_setting_get_string(config_setting_get_elem(caps, (unsigned)j));
			if (!str_has_prefix(cap, "CAP_") || strspn(cap, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") != strlen(cap)) {
				diag_error(d, t->file, schema_line(caps), "credentials[%d].capabilities: \"%s\" is not a capability",
					   i, cap);
				errors++;
			}
		}
		if (caps && config_setting_length(caps) && !config_setting_get_member(row, "reason")) {
			diag_error(d, t->file, schema_line(caps), "credentials[%d]: extra capabilities need a reason", i);
			errors++;
		}
	}
	return errors;
}

/* Loads DATADIR/credentials/DIALECT.conf when it exists. */
static bool template_load(struct tmpl *t, const char *dialect, struct diag *d)
{
	config_init(&t->cfg);
	t->root = NULL;
	t->file = xasprintf("%s/credentials/%s.conf", cli_datadir(), dialect);
	struct stat st;
	if (stat(t->file, &st) < 0 && errno == ENOENT)
		return true;
	if (!schema_read_file(&t->cfg, t->file, d))
		return false;
	t->root = config_root_setting(&t->cfg);
	if (schema_check(t->root, t_root, t->file, "", d) || check_template(t, dialect, d)) {
		t->root = NULL;
		return false;
	}
	return true;
}

static void template_free(struct tmpl *t)
{
	config_destroy(&t->cfg);
	free(t->file);
}

/* The first row for credential NAME and DELIVERY: an exact name before "*". */
static const config_setting_t *template_row(const struct tmpl *t, const char *name, enum delivery delivery)
{
	if (!t->root)
		return NULL;
	const config_setting_t *rows = config_setting_get_member(t->root, "credentials");
	const config_setting_t *wild = NULL;
	for (int i = 0; i < config_setting_length(rows); i++) {
		const config_setting_t *row = config_setting_get_elem(rows, (unsigned)i);
		if (strcmp(schema_string(row, "delivery", ""), delivery_name(delivery)) != 0)
			continue;
		const char *n = schema_string(row, "name", "");
		if (strcmp(n, name) == 0)
			return row;
		if (!wild && strcmp(n, "*") == 0)
			wild = row;
	}
	return wild;
}

/* What gen fills in a template; the secret placeholders are left for firstboot. */
struct vars {
	const char *v[16];
	struct strlist exec_args; /* the words of daemon.exec after the binary: @EXEC_ARGS@ */
};

static char *render(const char *tmpl, const struct vars *vars)
{
	struct buf b = { 0 };
	gen_render(&b, tmpl, vars->v);
	if (!b.data)
		buf_puts(&b, "");
	return b.data;
}

/* A rendered value that goes into a path, a name or argv keeps no placeholder at all. */
static bool no_placeholder_left(const char *value, const char *file, unsigned line, const char *what, struct diag *d)
{
	for (const char *p = value; *p; p++) {
		size_t n = placeholder_name_len(p);
		if (n) {
			diag_error(d, file, line, "%s: @%.*s@ cannot be used here%s", what, (int)n, p + 1,
				   secret_placeholder_known(p + 1, n) ? " (a secret never goes into a path, a name or argv)"
								      : "");
			return false;
		}
	}
	return true;
}

static char *render_plain(const config_setting_t *g, const char *key, const char *fallback, const struct vars *vars,
			  const char *file, const char *what, bool *ok, struct diag *d)
{
	const char *tmpl = schema_string(g, key, fallback);
	char *s = render(tmpl, vars);
	const config_setting_t *at = config_setting_get_member(g, key);
	*ok &= no_placeholder_left(s, file, at ? schema_line(at) : schema_line(g), what, d);
	return s;
}

static void render_list(const config_setting_t *g, const char *key, const struct vars *vars, struct strlist *out,
			bool expand_exec_args)
{
	struct strlist l = { 0 };
	schema_strings(g, key, &l);
	for (size_t i = 0; i < l.n; i++) {
		if (expand_exec_args && strcmp(l.v[i], "@EXEC_ARGS@") == 0) {
			for (size_t j = 0; j < vars->exec_args.n; j++)
				strlist_push(out, vars->exec_args.v[j]);
			continue;
		}
		char *s = render(l.v[i], vars);
		strlist_push(out, s);
		free(s);
	}
	strlist_free(&l);
}

static bool no_placeholder_in_list(const struct strlist *l, const config_setting_t *g, const char *key,
				   const char *file, const char *what, struct diag *d)
{
	bool ok = true;
	const config_setting_t *at = config_setting_get_member(g, key);
	for (size_t i = 0; i < l->n; i++)
		ok &= no_placeholder_left(l->v[i], file, at ? schema_line(at) : schema_line(g), what, d);
	return ok;
}

static void split_words(const char *s, struct strlist *out)
{
	while (*s) {
		size_t skip = strspn(s, " \t");
		s += skip;
		size_t len = strcspn(s, " \t");
		if (!len)
			break;
		char *w = xasprintf("%.*s", (int)len, s);
		strlist_push(out, w);
		free(w);
		s += len;
	}
}

static void push_unique(struct strlist *l, const char *s)
{
	if (!strlist_contains(l, s))
		strlist_push(l, s);
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash != path ? xasprintf("%.*s", (int)(slash - path), path) : xstrdup("/");
}

/* What the oneshot unit needs beyond the spec: writable paths and capabilities. */
struct needs {
	struct strlist writes, capabilities;
	bool state; /* a stamp: StateDirectory= */
	struct outset ship; /* the rows' config files, shipped by gen */
};

/* Builds the spec entry of credential C from its template row. */
static bool build_credential(const struct manifest *m, const struct dialect *dl, const struct credential *c,
			     const struct tmpl *t, struct vars *vars, struct spec_credential *sc, struct needs *needs,
			     struct diag *d)
{
	sc->name = xstrdup(c->name);
	sc->description = xstrdup(c->description);
	sc->strength = c->strength;
	sc->encoding = c->encoding;
	sc->delivery = c->delivery;
	sc->secret = (struct spec_file){ xasprintf(FB_STORE_DIR "/%s.%s", m->name, c->name), xstrdup("root"),
					 xstrdup("root"), 0400 };

	const config_setting_t *row = template_row(t, c->name, c->delivery);
	if (!row && c->delivery != DELIVERY_CREDENTIAL) {
		diag_error(d, m->file, c->line,
			   "credentials: \"%s\" is delivered by %s, but %s has no row for it (name \"%s\" or \"*\")",
			   c->name, delivery_name(c->delivery), t->file, c->name);
		return false;
	}
	if (!row)
		return true;
	const char *file = t->file;
	bool ok = true;
	const config_setting_t *g;
	if (c->delivery == DELIVERY_INCLUDE && (g = config_setting_get_member(row, "include"))) {
		sc->include = xcalloc(1, sizeof *sc->include);
		struct spec_file *f = &sc->include->file;
		f->path = render_plain(g, "path", "", vars, file, "include.path", &ok, d);
		f->user = render_plain(g, "user", m->daemon.user, vars, file, "include.user", &ok, d);
		f->group = render_plain(g, "group", m->daemon.group, vars, file, "include.group", &ok, d);
		f->mode = strcmp(schema_string(g, "mode", "0400"), "0600") == 0 ? 0600 : 0400;
		/* the file says what it is, in the dialect's own comment syntax */
		char *head = xasprintf("%s Generated by hardenkit firstboot from the %s manifest: the %s credential.",
				       dl->comment_lead, m->name, c->name);
		strlist_push(&sc->include->lines, head);
		free(head);
		render_list(g, "lines", vars, &sc->include->lines, false);
		char *dir = dir_of(f->path);
		push_unique(&needs->writes, dir);
		free(dir);
		if (strcmp(f->user, "root") != 0 || strcmp(f->group, "root") != 0)
			push_unique(&needs->capabilities, "CAP_CHOWN");
	}
	if ((g = config_setting_get_member(row, "config"))) {
		char *path = render_plain(g, "path", "", vars, file, "config.path", &ok, d);
		struct strlist lines = { 0 };
		render_list(g, "lines", vars, &lines, false);
		ok &= no_placeholder_in_list(&lines, g, "lines", file, "config.lines", d);
		struct buf b = { 0 };
		buf_printf(&b, "%s Generated by hardenkit from the %s manifest: where the %s credential is (made at first boot).\n",
			   dl->comment_lead, m->name, c->name);
		for (size_t i = 0; i < lines.n; i++)
			buf_printf(&b, "%s\n", lines.v[i]);
		outset_add(&needs->ship, path, &b, 0644);
		strlist_free(&lines);
		free(path);
	}
	if ((g = config_setting_get_member(row, "rewrite"))) {
		sc->rewrite = xcalloc(1, sizeof *sc->rewrite);
		sc->rewrite->file = render_plain(g, "file", "", vars, file, "rewrite.file", &ok, d);
		render_list(g, "match", vars, &sc->rewrite->match, false);
		ok &= no_placeholder_in_list(&sc->rewrite->match, g, "match", file, "rewrite.match", d);
		sc->rewrite->replace = render(schema_string(g, "replace", ""), vars);
		char *dir = dir_of(sc->rewrite->file);
		push_unique(&needs->writes, dir);
		free(dir);
		/* the rewritten file keeps its owner, which need not be root (root:Debian-snmp) */
		push_unique(&needs->capabilities, "CAP_CHOWN");
	}
	if (c->delivery == DELIVERY_APPLY && (g = config_setting_get_member(row, "apply"))) {
		struct spec_apply *a = sc->apply = xcalloc(1, sizeof *a);
		render_list(g, "command", vars, &a->command, true);
		ok &= no_placeholder_in_list(&a->command, g, "command", file, "apply.command", d);
		a->user = render_plain(g, "user", m->daemon.user, vars, file, "apply.user", &ok, d);
		a->group = render_plain(g, "group", m->daemon.group, vars, file, "apply.group", &ok, d);
		render_list(g, "input", vars, &a->input, false);
		a->timeout = (unsigned)schema_int(g, "timeout", 300);
		a->stamp = xasprintf(FB_STAMP_DIR "/%s.%s.applied", m->name, c->name);
		struct strlist writes = { 0 };
		render_list(g, "writes", vars, &writes, false);
		ok &= no_placeholder_in_list(&writes, g, "writes", file, "apply.writes", d);
		for (size_t i = 0; i < writes.n; i++)
			push_unique(&needs->writes, writes.v[i]);
		strlist_free(&writes);
		needs->state = true;
		if (strcmp(a->user, "root") != 0 || strcmp(a->group, "root") != 0) {
			push_unique(&needs->capabilities, "CAP_SETUID");
			push_unique(&needs->capabilities, "CAP_SETGID");
		}
	}
	struct strlist caps = { 0 };
	schema_strings(row, "capabilities", &caps);
	for (size_t i = 0; i < caps.n; i++)
		push_unique(&needs->capabilities, caps.v[i]);
	strlist_free(&caps);
	return ok;
}

/* Renders a unit template line by line: a line that is only "@LIST@" becomes one line per
 * element of that list (none for an empty one); other placeholders are filled in place. The
 * template's own leading comment describes the template and is left out. */
struct list_var {
	const char *name;
	const struct strlist *lines;
};

static void render_unit(struct buf *out, const char *tmpl, const char *const *vars, const struct list_var *lists)
{
	bool heading = true;
	const char *cursor = tmpl;
	for (char *raw; (raw = str_line_dup(&cursor));) {		if (heading && raw[0] == '#') {
			free(raw);
			continue;
		}
		heading = false;
		const struct list_var *l = NULL;
		for (const struct list_var *v = lists; v->name && !l; v++)
			if (raw[0] == '@' && strlen(raw) == strlen(v->name) + 2 && strncmp(raw + 1, v->name, strlen(v->name)) == 0)
				l = v;
		if (l) {
			for (size_t i = 0; i < l->lines->n; i++)
				buf_printf(out, "%s\n", l->lines->v[i]);
		} else {
			gen_render(out, raw, vars);
			buf_puts(out, "\n");
		}
		free(raw);
	}
}

static char *read_template(const char *name, struct diag *d)
{
	char *file = xasprintf("%s/credentials/%s", cli_datadir(), name);
	char *text = read_text_file(file, d);
	free(file);
	return text;
}

static void join_into(struct buf *b, const struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		buf_printf(b, "%s%s", i ? " " : "", l->v[i]);
	if (!b->data)
		buf_puts(b, "");
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The oneshot unit that runs `hardenkit firstboot NAME` before the service. */
static bool stage_oneshot(const struct manifest *m, const struct spec *s, const struct needs *needs, const char *unit,
			  struct outset *out, struct diag *d)
{
	char *tmpl = read_template("firstboot.service", d);
	if (!tmpl)
		return false;
	struct strlist conditions = { 0 }, paths = { 0 }, state = { 0 }, artifacts = { 0 };
	for (size_t i = 0; i < s->n; i++)
		spec_artifacts(&s->v[i], &artifacts);
	/* triggering conditions: the unit runs while any one of them is missing */
	for (size_t i = 0; i < artifacts.n; i++) {
		char *c = xasprintf("ConditionPathExists=|!%s", artifacts.v[i]);
		strlist_push(&conditions, c);
		free(c);
	}
	for (size_t i = 0; i < needs->writes.n; i++) {
		/* "-": a directory the package does not ship yet is no reason to fail the boot */
		char *p = xasprintf("ReadWritePaths=-%s", needs->writes.v[i]);
		strlist_push(&paths, p);
		free(p);
	}
	if (needs->state) {
		char *dir = xasprintf("StateDirectory=%s", FB_STAMP_DIR + strlen("/var/lib/"));
		strlist_push(&state, dir);
		free(dir);
	}
	struct buf caps = { 0 }, deny = { 0 };
	/* sorted: the unit is the same whatever order the credentials come in */
	if (needs->capabilities.n)
		qsort(needs->capabilities.v, needs->capabilities.n, sizeof *needs->capabilities.v, compare_strings);
	join_into(&caps, &needs->capabilities);
	/* chown and setuid are @privileged: allowed only when the capabilities say they are needed */
	buf_puts(&deny, "~@clock @cpu-emulation @debug @module @mount @obsolete @raw-io @reboot @resources @swap");
	if (!needs->capabilities.n)
		buf_puts(&deny, " @privileged");
	const char *const vars[] = {
		"NAME", m->name,
		"UNIT", m->daemon.unit,
		"BINARY", FB_BINARY,
		"CAPABILITIES", caps.data,
		"SYSCALL_DENY", deny.data,
		NULL,
	};
	const struct list_var lists[] = {
		{ "CONDITIONS", &conditions },
		{ "READ_WRITE_PATHS", &paths },
		{ "STATE_DIRECTORY", &state },
		{ NULL, NULL },
	};
	struct buf b = { 0 };
	buf_printf(&b, "# Generated by hardenkit from the %s manifest: makes its first-boot credentials\n"
		       "# (" FB_SPEC_DIR "/%s.conf) once, before %s starts.\n",
		   m->name, m->name, m->daemon.unit);
	render_unit(&b, tmpl, vars, lists);
	char *path = xasprintf(UNIT_DIR "/%s", unit);
	outset_add(out, path, &b, 0644);
	free(path);
	buf_free(&caps);
	buf_free(&deny);
	strlist_free(&conditions);
	strlist_free(&paths);
	strlist_free(&state);
	strlist_free(&artifacts);
	free(tmpl);
	return true;
}

/* The service's drop-in: it needs the oneshot, and gets file-capable credentials through
 * LoadCredential= from the root-only store. */
static bool stage_dropin(const struct manifest *m, const struct spec *s, const char *unit, struct outset *out,
			 struct diag *d)
{
	char *tmpl = read_template("service-dropin.conf", d);
	if (!tmpl)
		return false;
	struct strlist load = { 0 };
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i].delivery != DELIVERY_CREDENTIAL)
			continue;
		char *l = xasprintf("LoadCredential=%s:%s", s->v[i].name, s->v[i].secret.path);
		strlist_push(&load, l);
		free(l);
	}
	const char *const vars[] = { "NAME", m->name, "UNIT", m->daemon.unit, "FIRSTBOOT_UNIT", unit, NULL };
	const struct list_var lists[] = { { "LOAD_CREDENTIALS", &load }, { NULL, NULL } };
	struct buf b = { 0 };
	buf_printf(&b, "# Generated by hardenkit from the %s manifest: %s starts only once its\n"
		       "# first-boot credentials exist (%s).\n",
		   m->name, m->daemon.unit, unit);
	render_unit(&b, tmpl, vars, lists);
	char *path = xasprintf(UNIT_DIR "/%s.d/60-hardenkit-credentials.conf", m->daemon.unit);
	outset_add(out, path, &b, 0644);
	free(path);
	strlist_free(&load);
	free(tmpl);
	return true;
}

/* The oneshot's AppArmor profile, from templates/credentials/firstboot.apparmor. */
static bool stage_profile(const struct manifest *m, const struct spec *s, const struct needs *needs,
			  struct outset *out, struct diag *d)
{
	char *tmpl = read_template("firstboot.apparmor", d);
	if (!tmpl)
		return false;
	struct strlist writes = { 0 }, caps = { 0 }, execs = { 0 };
	for (size_t i = 0; i < needs->writes.n; i++) {
		char *r = xasprintf("  %s/ rw,\n  %s/** rwk,", needs->writes.v[i], needs->writes.v[i]);
		strlist_push(&writes, r);
		free(r);
	}
	if (needs->state) {
		strlist_push(&writes, "  " FB_STAMP_DIR "/ rw,");
		strlist_push(&writes, "  " FB_STAMP_DIR "/** rw,");
	}
	for (size_t i = 0; i < needs->capabilities.n; i++) {
		/* CAP_DAC_OVERRIDE is "capability dac_override," in AppArmor */
		char *r = xasprintf("  capability %s,", needs->capabilities.v[i] + strlen("CAP_"));
		for (char *c = r; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		if (!strlist_contains(&caps, r))
			strlist_push(&caps, r);
		free(r);
	}
	for (size_t i = 0; i < s->n; i++) {
		if (!s->v[i].apply || !s->v[i].apply->command.n)
			continue;
		char *r = xasprintf("  %s Pix,", s->v[i].apply->command.v[0]);
		if (!strlist_contains(&execs, r))
			strlist_push(&execs, r);
		free(r);
	}
	char *spec = xasprintf(FB_SPEC_DIR "/%s.conf", m->name);
	const char *const vars[] = { "NAME", m->name, "BINARY", FB_BINARY, "SPEC", spec, "STORE", FB_STORE_DIR, NULL };
	const struct list_var lists[] = {
		{ "WRITE_RULES", &writes },
		{ "CAPABILITY_RULES", &caps },
		{ "EXEC_RULES", &execs },
		{ NULL, NULL },
	};
	struct buf b = { 0 };
	buf_printf(&b, "# Generated by hardenkit from the %s manifest: the AppArmor profile of\n"
		       "# hardenkit-firstboot-%s.service (AppArmorProfile=). Enforce mode.\n",
		   m->name, m->name);
	render_unit(&b, tmpl, vars, lists);
	char *path = xasprintf(FB_PROFILE_DIR "/hardenkit-firstboot.%s", m->name);
	outset_add(out, path, &b, 0644);
	free(path);
	free(spec);
	strlist_free(&writes);
	strlist_free(&caps);
	strlist_free(&execs);
	free(tmpl);
	return true;
}

bool gen_credentials_checked(const struct manifest *m, const struct dialect *dl, struct outset *out, struct diag *d)
{
	if (!m->n_credentials)
		return true;
	if (strchr(m->name, '+')) {
		diag_error(d, m->file, 1, "name: \"%s\": a '+' cannot be in the unit name hardenkit-firstboot-%s.service",
			   m->name, m->name);
		return false;
	}
	struct tmpl t;
	bool ok = template_load(&t, dl->name, d);

	struct vars vars = { 0 };
	char *binary = gen_binary_of(m);
	split_words(m->daemon.exec, &vars.exec_args);
	if (vars.exec_args.n) { /* the binary itself is @BINARY@ */
		free(vars.exec_args.v[0]);
		memmove(vars.exec_args.v, vars.exec_args.v + 1, --vars.exec_args.n * sizeof *vars.exec_args.v);
	}
	struct spec *s = xcalloc(1, sizeof *s);
	s->name = xstrdup(m->name);
	s->unit = xstrdup(m->daemon.unit);
	s->v = xcalloc(m->n_credentials, sizeof *s->v);
	struct needs needs = { 0 };
	for (size_t i = 0; ok && i < m->n_credentials; i++) {
		const char *const v[] = {
			"NAME", m->name, "UNIT", m->daemon.unit, "CREDENTIAL", m->credentials[i].name,
			"USER", m->daemon.user, "GROUP", m->daemon.group, "BINARY", binary, NULL,
		};
		memcpy(vars.v, v, sizeof v);
		ok = build_credential(m, dl, &m->credentials[i], &t, &vars, &s->v[s->n++], &needs, d);
	}

	struct buf text = { 0 };
	char *spec_path = xasprintf(FB_SPEC_DIR "/%s.conf", m->name);
	if (ok) {
		char *header = xasprintf("# Generated by hardenkit from the %s manifest: its first-boot credentials,\n"
					 "# made by `hardenkit firstboot %s` (hardenkit-firstboot-%s.service).\n"
					 "# Holds no secret: only where each one goes and how it is delivered.\n",
					 m->name, m->name, m->name);
		spec_format(&text, s, header);
		free(header);
		/* firstboot's own loader checks what gen made: a spec it would refuse is never shipped */
		char *what = xasprintf("%s (generated %s)", t.file, spec_path);
		struct spec *back = spec_parse(text.data, what, d);
		ok = back != NULL;
		spec_free(back);
		free(what);
	}
	if (ok) {
		char *unit = xasprintf("hardenkit-firstboot-%s.service", m->name);
		struct outset staged = { 0 };
		ok = stage_oneshot(m, s, &needs, unit, &staged, d) && stage_dropin(m, s, unit, &staged, d) &&
		     stage_profile(m, s, &needs, &staged, d);
		if (ok) {
			outset_add(out, spec_path, &text, 0644);
			for (size_t i = 0; i < needs.ship.n; i++) {
				char *p = xasprintf("/%s", needs.ship.v[i].path);
				outset_add(out, p, &needs.ship.v[i].content, needs.ship.v[i].mode);
				free(p);
			}
			for (size_t i = 0; i < staged.n; i++) {
				char *p = xasprintf("/%s", staged.v[i].path);
				outset_add(out, p, &staged.v[i].content, staged.v[i].mode);
				free(p);
			}
			/* the oneshot writes include files under ProtectSystem=strict: their directory
			 * must exist before it runs (ReadWritePaths= cannot make it), so gen ships it */
			for (size_t i = 0; i < s->n; i++) {
				if (!s->v[i].include)
					continue;
				const char *file = s->v[i].include->file.path;
				const char *slash = strrchr(file, '/');
				if (slash && slash != file) {
					char *dir = xasprintf("%.*s", (int)(slash - file), file);
					outset_add_dir(out, dir);
					free(dir);
				}
			}
		}
		outset_free(&staged);
		free(unit);
	}
	buf_free(&text);
	free(spec_path);

	spec_free(s);
	strlist_free(&needs.writes);
	strlist_free(&needs.capabilities);
	outset_free(&needs.ship);
	strlist_free(&vars.exec_args);
	free(binary);
	template_free(&t);
	return ok;
}

void gen_credentials(const struct manifest *m, const struct dialect *dl, struct outset *out)
{
	struct diag d;
	diag_init(&d);
	gen_credentials_checked(m, dl, out, &d);
	diag_flush(&d, stderr);
	diag_free(&d);
}
