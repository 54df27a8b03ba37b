/* spec: the first-boot credential spec; see spec.h. The schema tables below are the authority
 * for the format, which gen writes and only firstboot reads (README.md, "First-boot credentials"). */
#include "spec.h"
#include "secret.h"
#include "../core/schema.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const encoding_names[] = { "hex", "base64url", "alnum", NULL };
static const char *const delivery_names[] = { "credential", "include", "apply", NULL };
/* owner-only: a secret file never has group or other bits */
static const char *const mode_names[] = { "0400", "0600", NULL };

enum { REQ = SCHEMA_REQUIRED, ABS = SCHEMA_ABSPATH, NONEMPTY = SCHEMA_NONEMPTY };

static const struct schema_field file_fields[] = {
	{ "path", SCHEMA_STRING, REQ | ABS, NULL, 0, 0, NULL },
	{ "user", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "group", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "mode", SCHEMA_STRING, REQ, mode_names, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field include_fields[] = {
	{ "path", SCHEMA_STRING, REQ | ABS, NULL, 0, 0, NULL },
	{ "user", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "group", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "mode", SCHEMA_STRING, REQ, mode_names, 0, 0, NULL },
	{ "lines", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field rewrite_fields[] = {
	{ "file", SCHEMA_STRING, REQ | ABS, NULL, 0, 0, NULL },
	{ "match", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "replace", SCHEMA_STRING, REQ, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field apply_fields[] = {
	{ "command", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "user", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "group", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "input", SCHEMA_STRINGS, REQ, NULL, 0, 0, NULL },
	{ "timeout", SCHEMA_INT, 0, NULL, 1, 3600, NULL },
	{ "stamp", SCHEMA_STRING, REQ | ABS, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field credential_fields[] = {
	{ "name", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "description", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "strength", SCHEMA_INT, REQ, NULL, 128, 1024, NULL },
	{ "encoding", SCHEMA_STRING, REQ, encoding_names, 0, 0, NULL },
	{ "delivery", SCHEMA_STRING, REQ, delivery_names, 0, 0, NULL },
	{ "secret", SCHEMA_GROUP, REQ, NULL, 0, 0, file_fields },
	{ "include", SCHEMA_GROUP, 0, NULL, 0, 0, include_fields },
	{ "rewrite", SCHEMA_GROUP, 0, NULL, 0, 0, rewrite_fields },
	{ "apply", SCHEMA_GROUP, 0, NULL, 0, 0, apply_fields },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field spec_fields[] = {
	{ "name", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "unit", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "credentials", SCHEMA_GROUPS, REQ | NONEMPTY, NULL, 0, 0, credential_fields },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static int index_of(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return 0;
}

const char *spec_mode_name(mode_t mode)
{
	return mode == 0600 ? "0600" : "0400";
}


#define LOWER_DIGITS "abcdefghijklmnopqrstuvwxyz0123456789"
/* user and group names as adduser and useradd accept them (Debian-snmp has capitals) */
#define ACCOUNT_FIRST "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
#define ACCOUNT_REST ACCOUNT_FIRST "0123456789.-"

struct checker {
	const char *file;
	struct diag *d;
	unsigned errors;
};

__attribute__((format(printf, 3, 4))) static void fail(struct checker *c, const config_setting_t *s, const char *fmt,
						      ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	diag_error(c->d, c->file, schema_line(s), "%s", text);
	free(text);
	c->errors++;
}

/* WHERE allows which placeholders: none (paths, users, argv), the secret ones, or those and @LINE@. */
enum placeholders { NO_PLACEHOLDER, SECRET_PLACEHOLDERS, REWRITE_PLACEHOLDERS };

static void check_placeholders(struct checker *c, const config_setting_t *s, const char *what, const char *value,
			       enum placeholders allowed)
{
	for (const char *p = value; *p; p++) {
		size_t n = placeholder_name_len(p);
		if (!n)
			continue;
		bool known = secret_placeholder_known(p + 1, n);
		bool line = n == 4 && strncmp(p + 1, "LINE", 4) == 0;
		if (allowed == NO_PLACEHOLDER && known)
			fail(c, s, "%s: @%.*s@ may not appear here: a secret never goes into a path, a name or argv",
			     what, (int)n, p + 1);
		else if (allowed != NO_PLACEHOLDER && !known && !(line && allowed == REWRITE_PLACEHOLDERS))
			fail(c, s, "%s: unknown placeholder @%.*s@", what, (int)n, p + 1);
		p += n + 1;
	}
}

/* Checks one string member, or each element of a list member. */
static void check_member(struct checker *c, const config_setting_t *group, const char *key, const char *what,
			 enum placeholders allowed)
{
	const config_setting_t *s = group ? config_setting_get_member(group, key) : NULL;
	if (!s)
		return;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		check_placeholders(c, s, what, config_setting_get_string(s), allowed);
		return;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		char *ewhat = xasprintf("%s[%d]", what, i);
		check_placeholders(c, e, ewhat, config_setting_get_string(e), allowed);
		free(ewhat);
	}
}

static void check_account(struct checker *c, const config_setting_t *group, const char *key, const char *what)
{
	const config_setting_t *s = group ? config_setting_get_member(group, key) : NULL;
	if (s && !str_in_charset(config_setting_get_string(s), ACCOUNT_FIRST, ACCOUNT_REST))
		fail(c, s, "%s: \"%s\" is not a user or group name", what, config_setting_get_string(s));
}

static void check_credential(struct checker *c, const config_setting_t *e, int i)
{
	char *w = xasprintf("credentials[%d]", i);
	const config_setting_t *name = config_setting_get_member(e, "name");
	if (!str_in_charset(config_setting_get_string(name), LOWER_DIGITS, LOWER_DIGITS "_-"))
		fail(c, name, "%s.name: \"%s\" must be lower-case letters, digits, '_' or '-'", w,
		     config_setting_get_string(name));

	const config_setting_t *secret = config_setting_get_member(e, "secret");
	const config_setting_t *path = config_setting_get_member(secret, "path");
	const char *p = config_setting_get_string(path);
	const char *base = strrchr(p, '/');
	if (strncmp(p, FB_STORE_DIR "/", sizeof FB_STORE_DIR) != 0 || base != p + strlen(FB_STORE_DIR) ||
	    base[1] == '.' || !base[1])
		fail(c, path, "%s.secret.path: \"%s\" must be a file directly in " FB_STORE_DIR " (not a dot file)", w,
		     p);

	static const char *const parts[] = { "secret", "include", "rewrite", "apply" };
	for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) {
		const config_setting_t *g = config_setting_get_member(e, parts[k]);
		char *gw = xasprintf("%s.%s", w, parts[k]);
		char *kw;
		static const char *const plain[] = { "path", "user", "group", "file", "match", "command", "stamp" };
		for (size_t j = 0; j < sizeof plain / sizeof *plain; j++) {
			kw = xasprintf("%s.%s", gw, plain[j]);
			check_member(c, g, plain[j], kw, NO_PLACEHOLDER);
			free(kw);
		}
		kw = xasprintf("%s.user", gw);
		check_account(c, g, "user", kw);
		free(kw);
		kw = xasprintf("%s.group", gw);
		check_account(c, g, "group", kw);
		free(kw);
		free(gw);
	}
	const config_setting_t *include = config_setting_get_member(e, "include");
	const config_setting_t *rewrite = config_setting_get_member(e, "rewrite");
	const config_setting_t *apply = config_setting_get_member(e, "apply");
	char *kw = xasprintf("%s.include.lines", w);
	check_member(c, include, "lines", kw, SECRET_PLACEHOLDERS);
	free(kw);
	kw = xasprintf("%s.apply.input", w);
	check_member(c, apply, "input", kw, SECRET_PLACEHOLDERS);
	free(kw);
	kw = xasprintf("%s.rewrite.replace", w);
	check_member(c, rewrite, "replace", kw, REWRITE_PLACEHOLDERS);
	free(kw);
	if (apply) {
		const config_setting_t *cmd = config_setting_get_member(apply, "command");
		const char *argv0 = config_setting_get_string(config_setting_get_elem(cmd, 0));
		if (argv0[0] != '/')
			fail(c, cmd, "%s.apply.command[0]: \"%s\" must be an absolute path", w, argv0);
	}

	const char *delivery = config_setting_get_string(config_setting_get_member(e, "delivery"));
	if (strcmp(delivery, "include") == 0 && !include)
		fail(c, e, "%s: delivery \"include\" needs an include group", w);
	if (strcmp(delivery, "apply") == 0 && !apply)
		fail(c, e, "%s: delivery \"apply\" needs an apply group", w);
	free(w);
}

static void check_spec(struct checker *c, const config_setting_t *root)
{
	const config_setting_t *name = config_setting_get_member(root, "name");
	if (!str_in_charset(config_setting_get_string(name), LOWER_DIGITS, LOWER_DIGITS ".+-"))
		fail(c, name, "name: \"%s\" must match [a-z0-9][a-z0-9.+-]*", config_setting_get_string(name));
	const config_setting_t *list = config_setting_get_member(root, "credentials");
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *e = config_setting_get_elem(list, (unsigned)i);
		check_credential(c, e, i);
		const char *n = config_setting_get_string(config_setting_get_member(e, "name"));
		for (int j = 0; j < i; j++) {
			const config_setting_t *o = config_setting_get_elem(list, (unsigned)j);
			if (strcmp(n, config_setting_get_string(config_setting_get_member(o, "name"))) == 0)
				fail(c, e, "credentials[%d].name: \"%s\" is already used by credentials[%d]", i, n, j);
		}
	}
}

static char *dup_member(const config_setting_t *g, const char *key)
{
	return xstrdup(config_setting_get_string(config_setting_get_member(g, key)));
}

static void extract_file(struct spec_file *f, const config_setting_t *g)
{
	f->path = dup_member(g, "path");
	f->user = dup_member(g, "user");
	f->group = dup_member(g, "group");
	f->mode = strcmp(config_setting_get_string(config_setting_get_member(g, "mode")), "0600") == 0 ? 0600 : 0400;
}

static void extract_credential(struct spec_credential *c, const config_setting_t *e)
{
	c->name = dup_member(e, "name");
	c->description = dup_member(e, "description");
	c->strength = (int)schema_int(e, "strength", 256);
	c->encoding = (enum encoding)index_of(encoding_names, schema_string(e, "encoding", "hex"));
	c->delivery = (enum delivery)index_of(delivery_names, schema_string(e, "delivery", "credential"));
	c->line = schema_line(e);
	extract_file(&c->secret, config_setting_get_member(e, "secret"));
	const config_setting_t *g;
	if ((g = config_setting_get_member(e, "include"))) {
		c->include = xcalloc(1, sizeof *c->include);
		extract_file(&c->include->file, g);
		schema_strings(g, "lines", &c->include->lines);
	}
	if ((g = config_setting_get_member(e, "rewrite"))) {
		c->rewrite = xcalloc(1, sizeof *c->rewrite);
		c->rewrite->file = dup_member(g, "file");
		schema_strings(g, "match", &c->rewrite->match);
		c->rewrite->replace = dup_member(g, "replace");
	}
	if ((g = config_setting_get_member(e, "apply"))) {
		c->apply = xcalloc(1, sizeof *c->apply);
		schema_strings(g, "command", &c->apply->command);
		c->apply->user = dup_member(g, "user");
		c->apply->group = dup_member(g, "group");
		schema_strings(g, "input", &c->apply->input);
		c->apply->timeout = (unsigned)schema_int(g, "timeout", 300);
		c->apply->stamp = dup_member(g, "stamp");
	}
}

/* libconfig would read an @include'd file from anywhere; a spec names only what it holds. */
static unsigned find_include(const char *text)
{
	unsigned line = 1;
	for (const char *p = text; *p; p++) {
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncmp(q, "@include", 8) == 0)
			return line;
		if (!(p = strchr(p, '\n')))
			break;
		line++;
	}
	return 0;
}

struct spec *spec_parse(const char *text, const char *file, struct diag *d)
{
	unsigned inc = find_include(text);
	if (inc) {
		diag_error(d, file, inc, "@include is not allowed in a first-boot spec");
		return NULL;
	}
	config_t cfg;
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE) {
		diag_error(d, file, (unsigned)config_error_line(&cfg), "%s", config_error_text(&cfg));
		config_destroy(&cfg);
		return NULL;
	}
	const config_setting_t *root = config_root_setting(&cfg);
	struct checker c = { file, d, 0 };
	c.errors = schema_check(root, spec_fields, file, "", d);
	if (!c.errors)
		check_spec(&c, root);
	struct spec *s = NULL;
	if (!c.errors) {
		s = xcalloc(1, sizeof *s);
		s->file = xstrdup(file);
		s->name = dup_member(root, "name");
		s->unit = dup_member(root, "unit");
		const config_setting_t *list = config_setting_get_member(root, "credentials");
		s->n = (size_t)config_setting_length(list);
		s->v = xcalloc(s->n, sizeof *s->v);
		for (size_t i = 0; i < s->n; i++)
			extract_credential(&s->v[i], config_setting_get_elem(list, (unsigned)i));
	}
	config_destroy(&cfg);
	return s;
}

static void free_file(struct spec_file *f)
{
	free(f->path);
	free(f->user);
	free(f->group);
}

void spec_free(struct spec *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct spec_credential *c = &s->v[i];
		free(c->name);
		free(c->description);
		free_file(&c->secret);
		if (c->include) {
			free_file(&c->include->file);
			strlist_free(&c->include->lines);
			free(c->include);
		}
		if (c->rewrite) {
			free(c->rewrite->file);
			strlist_free(&c->rewrite->match);
			free(c->rewrite->replace);
			free(c->rewrite);
		}
		if (c->apply) {
			strlist_free(&c->apply->command);
			free(c->apply->user);
			free(c->apply->group);
			strlist_free(&c->apply->input);
			free(c->apply->stamp);
			free(c->apply);
		}
	}
	free(s->v);
	free(s->file);
	free(s->name);
	free(s->unit);
	free(s);
}

void spec_artifacts(const struct spec_credential *c, struct strlist *out)
{
	strlist_push(out, c->secret.path);
	if (c->include)
		strlist_push(out, c->include->file.path);
	if (c->apply)
		strlist_push(out, c->apply->stamp);
}

/* A libconfig string literal. */
static void quote(struct buf *b, const char *s)
{
	buf_puts(b, "\"");
	for (; *s; s++) {
		switch (*s) {
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		default:
			buf_append(b, s, 1);
		}
	}
	buf_puts(b, "\"");
}

static void put_string(struct buf *b, const char *indent, const char *key, const char *value)
{
	buf_printf(b, "%s%s = ", indent, key);
	quote(b, value);
	buf_puts(b, ";\n");
}

static void put_strings(struct buf *b, const char *indent, const char *key, const struct strlist *l)
{
	buf_printf(b, "%s%s = [", indent, key);
	for (size_t i = 0; i < l->n; i++) {
		buf_printf(b, "%s\n%s  ", i ? "," : "", indent);
		quote(b, l->v[i]);
	}
	if (l->n) /* the closing bracket under the key */
		buf_printf(b, "\n%s", indent);
	buf_puts(b, "];\n");
}

static void put_file(struct buf *b, const char *indent, const struct spec_file *f)
{
	put_string(b, indent, "path", f->path);
	put_string(b, indent, "user", f->user);
	put_string(b, indent, "group", f->group);
	put_string(b, indent, "mode", spec_mode_name(f->mode));
}

void spec_format(struct buf *b, const struct spec *s, const char *header)
{
	const char *in = "      ";
	buf_puts(b, header);
	put_string(b, "", "name", s->name);
	put_string(b, "", "unit", s->unit);
	buf_puts(b, "credentials = (\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct spec_credential *c = &s->v[i];
		buf_puts(b, "  {\n");
		put_string(b, "    ", "name", c->name);
		put_string(b, "    ", "description", c->description);
		buf_printf(b, "    strength = %d;\n", c->strength);
		put_string(b, "    ", "encoding", encoding_name(c->encoding));
		put_string(b, "    ", "delivery", delivery_name(c->delivery));
		buf_puts(b, "    secret = {\n");
		put_file(b, in, &c->secret);
		buf_puts(b, "    };\n");
		if (c->rewrite) {
			buf_puts(b, "    rewrite = {\n");
			put_string(b, in, "file", c->rewrite->file);
			put_strings(b, in, "match", &c->rewrite->match);
			put_string(b, in, "replace", c->rewrite->replace);
			buf_puts(b, "    };\n");
		}
		if (c->include) {
			buf_puts(b, "    include = {\n");
			put_file(b, in, &c->include->file);
			put_strings(b, in, "lines", &c->include->lines);
			buf_puts(b, "    };\n");
		}
		if (c->apply) {
			buf_puts(b, "    apply = {\n");
			put_strings(b, in, "command", &c->apply->command);
			put_string(b, in, "user", c->apply->user);
			put_string(b, in, "group", c->apply->group);
			put_strings(b, in, "input", &c->apply->input);
			buf_printf(b, "%stimeout = %u;\n", in, c->apply->timeout);
			put_string(b, in, "stamp", c->apply->stamp);
			buf_puts(b, "    };\n");
		}
		buf_printf(b, "  }%s\n", i + 1 < s->n ? "," : "");
	}
	buf_puts(b, ");\n");
}
