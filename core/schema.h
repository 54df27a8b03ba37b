/* schema: loads a libconfig file safely and checks it against a table of allowed keys, types and values.
 * Manifests and dialect files are both described by such tables, so every data file gets the same checks. */
#ifndef HK_SCHEMA_H
#define HK_SCHEMA_H

#include <libconfig.h>
#include <stdbool.h>

#include "diag.h"
#include "util.h"

enum schema_type {
	SCHEMA_STRING,
	SCHEMA_INT,
	SCHEMA_BOOL,
	SCHEMA_STRINGS, /* an array or list of strings, possibly empty */
	SCHEMA_GROUP,
	SCHEMA_GROUPS, /* a list of groups, possibly empty */
};

enum schema_flags {
	SCHEMA_REQUIRED = 1 << 0,
	SCHEMA_ABSPATH = 1 << 1, /* strings must be absolute, normalised paths */
	SCHEMA_NONEMPTY = 1 << 2, /* strings must not be empty; lists need one element */
};

struct schema_field {
	const char *key;
	enum schema_type type;
	unsigned flags;
	const char *const *choices; /* NULL-terminated allowed string values, or NULL */
	long long min, max; /* for SCHEMA_INT when min < max */
	const struct schema_field *fields; /* members of a SCHEMA_GROUP or of each SCHEMA_GROUPS element */
};

/* Reads a text file of at most 1 MiB with no NUL byte; NULL (and a message in D) otherwise. */
char *read_text_file(const char *file, struct diag *d);

/* Reads FILE (at most 1 MiB) into CFG. Refuses @include, which would let a data file read any
 * file on the build host. Errors go to D as FILE:LINE. Returns true on success. */
bool schema_read_file(config_t *cfg, const char *file, struct diag *d);

/* Checks every setting of GROUP against FIELDS, recursively. PATH names the group in messages
 * ("" for the root). Returns the number of errors added to D. */
unsigned schema_check(const config_setting_t *group, const struct schema_field *fields, const char *file,
		      const char *path, struct diag *d);

/* Line of a setting, or of its nearest ancestor that has one; 1 for the root. */
unsigned schema_line(const config_setting_t *s);

/* Accessors for settings that schema_check has accepted. Missing optional settings give
 * the fallback (or an empty list). */
const char *schema_string(const config_setting_t *group, const char *key, const char *fallback);
long long schema_int(const config_setting_t *group, const char *key, long long fallback);
bool schema_bool(const config_setting_t *group, const char *key, bool fallback);
void schema_strings(const config_setting_t *group, const char *key, struct strlist *out);

#endif
