/* dialect: loads the dialect knowledge base; see dialect.h. The schema table below is the
 * authority for the dialect file format (doc/formats.md describes it). */
#include "dialect.h"
#include "schema.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const syntax_names[] = { "directive", "assign", "colon", "ini", "block",
					    "tag", "flags", "shell", "ldif", "xml", NULL };
static const char *const listen_default_names[] = { "all", "loopback", "unix", "none", NULL };
static const char *const output_method_names[] = { "include-dir", "include-file", "whole-file", NULL };

const char *dialect_syntax_name(enum dialect_syntax s) { return syntax_names[s]; }
const char *listen_default_name(enum listen_default l) { return listen_default_names[l]; }
const char *output_method_name(enum output_method m) { return output_method_names[m]; }

enum { REQ = SCHEMA_REQUIRED, NONEMPTY = SCHEMA_NONEMPTY };

static const struct schema_field listen_fields[] = {
	{ "keys", SCHEMA_STRINGS, REQ, NULL, 0, 0, NULL },
	{ "port_keys", SCHEMA_STRINGS, 0, NULL, 0, 0, NULL },
	{ "default", SCHEMA_STRING, REQ, listen_default_names, 0, 0, NULL },
	{ "default_source", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field output_fields[] = {
	{ "method", SCHEMA_STRING, REQ, output_method_names, 0, 0, NULL },
	{ "path", SCHEMA_STRING, REQ | SCHEMA_ABSPATH, NULL, 0, 0, NULL },
	{ "include_line", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ "once", SCHEMA_STRINGS, 0, NULL, 0, 0, NULL },
	{ "tcp", SCHEMA_STRINGS, 0, NULL, 0, 0, NULL },
	{ "udp", SCHEMA_STRINGS, 0, NULL, 0, 0, NULL },
	{ "unix", SCHEMA_STRINGS, 0, NULL, 0, 0, NULL },
	{ "socket_activation", SCHEMA_STRINGS, NONEMPTY, NULL, 0, 0, NULL },
	{ "unprivileged", SCHEMA_STRINGS, NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field credential_fields[] = {
	{ "keys", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "source", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field telemetry_fields[] = {
	{ "key", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "value", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "what", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "source", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field dialect_fields[] = {
	{ "name", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "description", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "daemons", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "files", SCHEMA_STRINGS, REQ | NONEMPTY | SCHEMA_ABSPATH, NULL, 0, 0, NULL },
	{ "syntax", SCHEMA_STRING, REQ, syntax_names, 0, 0, NULL },
	{ "comment", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "comment_lead", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ "case_sensitive", SCHEMA_BOOL, 0, NULL, 0, 0, NULL },
	{ "scope_separator", SCHEMA_STRING, NONEMPTY, NULL, 0, 0, NULL },
	{ "sources", SCHEMA_STRINGS, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "listen", SCHEMA_GROUP, REQ, NULL, 0, 0, listen_fields },
	{ "output", SCHEMA_GROUP, 0, NULL, 0, 0, output_fields }, /* absent: read by the linter only */
	{ "credentials", SCHEMA_GROUP, 0, NULL, 0, 0, credential_fields },
	{ "telemetry", SCHEMA_GROUPS, 0, NULL, 0, 0, telemetry_fields },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static int index_of(const char *const *names, const char *value)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], value) == 0)
			return i;
	return 0; /* unreachable for values schema_check accepted */
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* A dialect without output is read by the linter only (apt's): gen has nothing to write in it. */
static void extract_output(struct dialect *dl, const config_setting_t *output)
{
	dl->has_output = output != NULL;
	if (!output) {
		dl->output.path = xstrdup("");
		return;
	}
	dl->output.method = (enum output_method)index_of(output_method_names, schema_string(output, "method", ""));
	dl->output.path = xstrdup(schema_string(output, "path", ""));
	dl->output.include_line = dup_or_null(schema_string(output, "include_line", NULL));
	schema_strings(output, "once", &dl->output.once);
	schema_strings(output, "tcp", &dl->output.tcp);
	schema_strings(output, "udp", &dl->output.udp);
	schema_strings(output, "unix", &dl->output.unix_lines);
	schema_strings(output, "socket_activation", &dl->output.socket_activation);
	schema_strings(output, "unprivileged", &dl->output.unprivileged);
}

static void extract(struct dialect *dl, const config_setting_t *root)
{
	dl->name = xstrdup(schema_string(root, "name", ""));
	dl->description = xstrdup(schema_string(root, "description", ""));
	schema_strings(root, "daemons", &dl->daemons);
	schema_strings(root, "files", &dl->files);
	schema_strings(root, "sources", &dl->sources);
	dl->syntax = (enum dialect_syntax)index_of(syntax_names, schema_string(root, "syntax", ""));
	dl->comment = xstrdup(schema_string(root, "comment", "#"));
	const char *lead = schema_string(root, "comment_lead", NULL);
	dl->comment_lead = lead ? xstrdup(lead) : xasprintf("%.1s", dl->comment);
	dl->case_sensitive = schema_bool(root, "case_sensitive", true);
	dl->scope_separator = dup_or_null(schema_string(root, "scope_separator", NULL));

	const config_setting_t *listen = config_setting_get_member(root, "listen");
	schema_strings(listen, "keys", &dl->listen.keys);
	schema_strings(listen, "port_keys", &dl->listen.port_keys);
	dl->listen.fallback = (enum listen_default)index_of(listen_default_names, schema_string(listen, "default", ""));
	dl->listen.fallback_source = xstrdup(schema_string(listen, "default_source", ""));

	extract_output(dl, config_setting_get_member(root, "output"));

	const config_setting_t *cred = config_setting_get_member(root, "credentials");
	if (cred) {
		schema_strings(cred, "keys", &dl->credentials.keys);
		dl->credentials.source = xstrdup(schema_string(cred, "source", ""));
	}

	const config_setting_t *tel = config_setting_get_member(root, "telemetry");
	dl->n_telemetry = tel ? (size_t)config_setting_length(tel) : 0;
	dl->telemetry = xcalloc(dl->n_telemetry, sizeof *dl->telemetry);
	for (size_t i = 0; i < dl->n_telemetry; i++) {
		const config_setting_t *t = config_setting_get_elem(tel, (unsigned)i);
		dl->telemetry[i].key = xstrdup(schema_string(t, "key", ""));
		dl->telemetry[i].value = xstrdup(schema_string(t, "value", ""));
		dl->telemetry[i].what = xstrdup(schema_string(t, "what", ""));
		dl->telemetry[i].source = xstrdup(schema_string(t, "source", ""));
	}
}

/* Checks that need more than one key at a time. */
static unsigned check_consistency(const config_setting_t *root, const char *file, struct diag *d)
{
	unsigned errors = 0;
	char *stem = path_stem(file, ".conf");
	const config_setting_t *name = config_setting_get_member(root, "name");
	if (strcmp(config_setting_get_string(name), stem) != 0) {
		diag_error(d, file, schema_line(name), "name: \"%s\" must equal the file's basename \"%s\"",
			   config_setting_get_string(name), stem);
		errors++;
	}
	free(stem);

	const config_setting_t *output = config_setting_get_member(root, "output");
	if (!output)
		return errors;
	const config_setting_t *method = config_setting_get_member(output, "method");
	const config_setting_t *include_line = config_setting_get_member(output, "include_line");
	bool include_file = strcmp(config_setting_get_string(method), "include-file") == 0;
	if (include_file && !include_line) {
		diag_error(d, file, schema_line(method),
			   "output.include_line: required when output.method is include-file");
		errors++;
	}
	return errors;
}

struct dialect *dialect_load(const char *file, struct diag *d)
{
	config_t cfg;
	config_init(&cfg);
	struct dialect *dl = NULL;
	if (schema_read_file(&cfg, file, d)) {
		const config_setting_t *root = config_root_setting(&cfg);
		if (schema_check(root, dialect_fields, file, "", d) == 0 && check_consistency(root, file, d) == 0) {
			dl = xcalloc(1, sizeof *dl);
			dl->file = xstrdup(file);
			extract(dl, root);
		}
	}
	config_destroy(&cfg);
	return dl;
}

void dialect_free(struct dialect *dl)
{
	if (!dl)
		return;
	free(dl->file);
	free(dl->name);
	free(dl->description);
	strlist_free(&dl->daemons);
	strlist_free(&dl->files);
	strlist_free(&dl->sources);
	free(dl->comment);
	free(dl->comment_lead);
	free(dl->scope_separator);
	strlist_free(&dl->listen.keys);
	strlist_free(&dl->listen.port_keys);
	free(dl->listen.fallback_source);
	free(dl->output.path);
	free(dl->output.include_line);
	strlist_free(&dl->output.once);
	strlist_free(&dl->output.tcp);
	strlist_free(&dl->output.udp);
	strlist_free(&dl->output.unix_lines);
	strlist_free(&dl->output.socket_activation);
	strlist_free(&dl->output.unprivileged);
	strlist_free(&dl->credentials.keys);
	free(dl->credentials.source);
	for (size_t i = 0; i < dl->n_telemetry; i++) {
		free(dl->telemetry[i].key);
		free(dl->telemetry[i].value);
		free(dl->telemetry[i].what);
		free(dl->telemetry[i].source);
	}
	free(dl->telemetry);
	free(dl);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool dialect_set_load(struct dialect_set *set, const char *dir, struct diag *d)
{
	DIR *dp = opendir(dir);
	if (!dp) {
		diag_error(d, dir, 0, "cannot open dialect directory: %s", strerror(errno));
		return false;
	}
	struct strlist names = { 0 };
	struct dirent *de;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.' && str_has_suffix(de->d_name, ".conf"))
			strlist_push(&names, de->d_name);
	closedir(dp);
	qsort(names.v, names.n, sizeof *names.v, compare_names);

	bool ok = true;
	for (size_t i = 0; i < names.n; i++) {
		char *path = xasprintf("%s/%s", dir, names.v[i]);
		struct dialect *dl = dialect_load(path, d);
		free(path);
		if (!dl) {
			ok = false;
			continue;
		}
		set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
		set->v[set->n++] = dl;
	}
	strlist_free(&names);
	return ok;
}

const struct dialect *dialect_set_find(const struct dialect_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return set->v[i];
	return NULL;
}

void dialect_set_free(struct dialect_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		dialect_free(set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}
