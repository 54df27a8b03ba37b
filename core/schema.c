/* schema: safe libconfig loading and table-driven validation; see schema.h. */
#include "schema.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCHEMA_MAX_FILE (1u << 20)

static const char *const type_names[] = {
	[SCHEMA_STRING] = "a string",
	[SCHEMA_INT] = "an integer",
	[SCHEMA_BOOL] = "a boolean",
	[SCHEMA_STRINGS] = "a list of strings",
	[SCHEMA_GROUP] = "a group { … }",
	[SCHEMA_GROUPS] = "a list of groups ( { … }, … )",
};

char *read_text_file(const char *file, struct diag *d)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		diag_error(d, file, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_error(d, file, 0, "not a regular file");
		close(fd);
		return NULL;
	}
	if (st.st_size > (off_t)SCHEMA_MAX_FILE) {
		diag_error(d, file, 0, "larger than %u bytes", SCHEMA_MAX_FILE);
		close(fd);
		return NULL;
	}
	struct buf b = { 0 };
	char chunk[8192];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0) {
		buf_append(&b, chunk, (size_t)n);
		if (b.len > SCHEMA_MAX_FILE)
			break;
	}
	int saved = errno;
	close(fd);
	if (n < 0 || b.len > SCHEMA_MAX_FILE) {
		diag_error(d, file, 0, "cannot read: %s", n < 0 ? strerror(saved) : "file grew while reading");
		buf_free(&b);
		return NULL;
	}
	if (!b.data)
		buf_puts(&b, "");
	if (memchr(b.data, '\0', b.len)) {
		diag_error(d, file, 0, "contains a NUL byte: not a text file");
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

static unsigned find_include(const char *text)
{
	unsigned line = 1;
	for (const char *p = text; *p; p++) {
		const char *q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (str_has_prefix(q, "@include"))
			return line;
		p = strchr(p, '\n');
		if (!p)
			break;
		line++;
	}
	return 0;
}

bool schema_read_file(config_t *cfg, const char *file, struct diag *d)
{
	char *text = read_text_file(file, d);
	if (!text)
		return false;
	unsigned include_line = find_include(text);
	if (include_line) {
		diag_error(d, file, include_line, "@include is not allowed in hardenkit data files");
		free(text);
		return false;
	}
	bool ok = config_read_string(cfg, text) == CONFIG_TRUE;
	if (!ok)
		diag_error(d, file, (unsigned)config_error_line(cfg), "%s", config_error_text(cfg));
	free(text);
	return ok;
}

unsigned schema_line(const config_setting_t *s)
{
	for (; s; s = config_setting_parent(s))
		if (config_setting_source_line(s))
			return config_setting_source_line(s);
	return 1;
}

static bool is_int(const config_setting_t *s)
{
	int t = config_setting_type(s);
	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

static bool is_string_list(const config_setting_t *s)
{
	int t = config_setting_type(s);
	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
		return false;
	for (int i = 0; i < config_setting_length(s); i++)
		if (config_setting_type(config_setting_get_elem(s, (unsigned)i)) != CONFIG_TYPE_STRING)
			return false;
	return true;
}

static bool has_type(const config_setting_t *s, enum schema_type type)
{
	switch (type) {
	case SCHEMA_STRING:
		return config_setting_type(s) == CONFIG_TYPE_STRING;
	case SCHEMA_INT:
		return is_int(s);
	case SCHEMA_BOOL:
		return config_setting_type(s) == CONFIG_TYPE_BOOL;
	case SCHEMA_STRINGS:
		return is_string_list(s);
	case SCHEMA_GROUP:
		return config_setting_type(s) == CONFIG_TYPE_GROUP;
	case SCHEMA_GROUPS:
		if (config_setting_type(s) != CONFIG_TYPE_LIST)
			return false;
		for (int i = 0; i < config_setting_length(s); i++)
			if (config_setting_type(config_setting_get_elem(s, (unsigned)i)) != CONFIG_TYPE_GROUP)
				return false;
		return true;
	}
	return false;
}

static bool is_clean_abspath(const char *p)
{
	if (p[0] != '/')
		return false;
	/* "..", "." and "//" components would let a path escape the directory it names */
	for (const char *c = p; *c; c++) {
		if (c[0] == '/' && c[1] == '/')
			return false;
		if (c[0] == '/' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
			return false;
		if (c[0] == '/' && c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0'))
			return false;
	}
	return true;
}

static unsigned check_string_value(const char *value, const struct schema_field *f, const char *file,
				   unsigned line, const char *name, struct diag *d)
{
	if ((f->flags & SCHEMA_NONEMPTY) && value[0] == '\0') {
		diag_error(d, file, line, "%s: must not be empty", name);
		return 1;
	}
	if ((f->flags & SCHEMA_ABSPATH) && !is_clean_abspath(value)) {
		diag_error(d, file, line, "%s: \"%s\" is not an absolute path without '.', '..' or '//'", name, value);
		return 1;
	}
	if (f->choices) {
		for (const char *const *c = f->choices; *c; c++)
			if (strcmp(*c, value) == 0)
				return 0;
		struct buf allowed = { 0 };
		size_t n = 0;
		for (const char *const *c = f->choices; *c; c++)
			n++;
		/* a long list helps nobody in one line: the manual has it */
		if (n > 8)
			buf_puts(&allowed, "see hardenkit-manifest(5) for the list");
		else
			for (const char *const *c = f->choices; *c; c++)
				buf_printf(&allowed, "%s%s", c == f->choices ? "one of: " : ", ", *c);
		diag_error(d, file, line, "%s: \"%s\" is not allowed; %s", name, value, allowed.data);
		buf_free(&allowed);
		return 1;
	}
	return 0;
}

static const struct schema_field *find_field(const struct schema_field *fields, const char *key)
{
	for (const struct schema_field *f = fields; f->key; f++)
		if (strcmp(f->key, key) == 0)
			return f;
	return NULL;
}

static unsigned check_value(const config_setting_t *s, const struct schema_field *f, const char *file,
			    const char *name, struct diag *d)
{
	unsigned line = schema_line(s);
	if (!has_type(s, f->type)) {
		diag_error(d, file, line, "%s: must be %s", name, type_names[f->type]);
		return 1;
	}
	unsigned errors = 0;
	switch (f->type) {
	case SCHEMA_STRING:
		errors += check_string_value(config_setting_get_string(s), f, file, line, name, d);
		break;
	case SCHEMA_INT: {
		long long v = config_setting_get_int64(s);
		if (f->min < f->max && (v < f->min || v > f->max)) {
			diag_error(d, file, line, "%s: %lld is out of range %lld..%lld", name, v, f->min, f->max);
			errors++;
		}
		break;
	}
	case SCHEMA_BOOL:
		break;
	case SCHEMA_STRINGS:
		if ((f->flags & SCHEMA_NONEMPTY) && config_setting_length(s) == 0) {
			diag_error(d, file, line, "%s: must name at least one", name);
			errors++;
		}
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			char *ename = xasprintf("%s[%d]", name, i);
			errors += check_string_value(config_setting_get_string(e), f, file, schema_line(e), ename, d);
			free(ename);
		}
		break;
	case SCHEMA_GROUP:
		errors += schema_check(s, f->fields, file, name, d);
		break;
	case SCHEMA_GROUPS:
		for (int i = 0; i < config_setting_length(s); i++) {
			char *ename = xasprintf("%s[%d]", name, i);
			errors += schema_check(config_setting_get_elem(s, (unsigned)i), f->fields, file, ename, d);
			free(ename);
		}
		break;
	}
	return errors;
}

unsigned schema_check(const config_setting_t *group, const struct schema_field *fields, const char *file,
		      const char *path, struct diag *d)
{
	unsigned errors = 0;
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *key = config_setting_name(s);
		char *name = path[0] ? xasprintf("%s.%s", path, key) : xstrdup(key);
		const struct schema_field *f = find_field(fields, key);
		if (!f) {
			diag_error(d, file, schema_line(s), "%s: unknown key", name);
			errors++;
		} else {
			errors += check_value(s, f, file, name, d);
		}
		free(name);
	}
	for (const struct schema_field *f = fields; f->key; f++) {
		if ((f->flags & SCHEMA_REQUIRED) && !config_setting_get_member(group, f->key)) {
			diag_error(d, file, schema_line(group), "%s%s%s: required key is missing", path,
				   path[0] ? "." : "", f->key);
			errors++;
		}
	}
	return errors;
}

const char *schema_string(const config_setting_t *group, const char *key, const char *fallback)
{
	const config_setting_t *s = config_setting_get_member(group, key);
	return s ? config_setting_get_string(s) : fallback;
}

long long schema_int(const config_setting_t *group, const char *key, long long fallback)
{
	const config_setting_t *s = config_setting_get_member(group, key);
	return s ? config_setting_get_int64(s) : fallback;
}

bool schema_bool(const config_setting_t *group, const char *key, bool fallback)
{
	const config_setting_t *s = config_setting_get_member(group, key);
	return s ? config_setting_get_bool(s) : fallback;
}

void schema_strings(const config_setting_t *group, const char *key, struct strlist *out)
{
	const config_setting_t *s = config_setting_get_member(group, key);
	for (int i = 0; s && i < config_setting_length(s); i++)
		strlist_push(out, config_setting_get_string(config_setting_get_elem(s, (unsigned)i)));
}
