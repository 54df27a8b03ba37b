/* confread: reads a configuration file into (key, value, line) directives the way its dialect
 * (core/dialect.h) spells them, so that rules ask "is key K set, to what, where" in one way. */
#ifndef HK_LINT_CONFREAD_H
#define HK_LINT_CONFREAD_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/dialect.h"

struct conf_directive {
	char *key; /* as written */
	char *value; /* the rest, quotes removed; "" when the key stands alone */
	char *section; /* enclosing [section], "section:", <Tag> or block, or NULL */
	unsigned line;
};

struct conf_doc {
	struct conf_directive *v;
	size_t n, cap;
	size_t max; /* stop after this many directives (0: no limit); bounds memory */
	bool cut; /* directives were dropped at max */
};

/* Reads TEXT into OUT (set OUT->max before, or leave it 0). */
void conf_read(const struct dialect *dl, const char *text, struct conf_doc *out);
void conf_doc_free(struct conf_doc *doc);
/* Whether KEY names the same setting as WANT under the dialect's case rule. */
int conf_key_is(const struct dialect *dl, const char *key, const char *want);

#endif
