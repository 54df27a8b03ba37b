/* canon: OLPC canonical JSON over jansson trees; see canon.h. */
#include "canon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void dump_string(const char *s, size_t n, struct buf *out)
{
	buf_puts(out, "\"");
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			buf_append(out, s + start, i - start);
			buf_append(out, "\\", 1);
			start = i;
		}
	}
	buf_append(out, s + start, n - start);
	buf_puts(out, "\"");
}

static int cmp_keys(const void *a, const void *b)
{
	/* byte order of UTF-8 is code point order, which is what the OLPC sort means */
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool canon_dump(const json_t *v, struct buf *out, const char **why)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		const char **keys = xcalloc(n ? n : 1, sizeof *keys);
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
			keys[i++] = k;
		qsort(keys, n, sizeof *keys, cmp_keys);
		buf_puts(out, "{");
		bool ok = true;
		for (i = 0; i < n && ok; i++) {
			if (i)
				buf_puts(out, ",");
			dump_string(keys[i], strlen(keys[i]), out);
			buf_puts(out, ":");
			ok = canon_dump(json_object_get(v, keys[i]), out, why);
		}
		buf_puts(out, "}");
		free(keys);
		return ok;
	}
	case JSON_ARRAY:
		buf_puts(out, "[");
		for (size_t i = 0; i < json_array_size(v); i++) {
			if (i)
				buf_puts(out, ",");
			if (!canon_dump(json_array_get(v, i), out, why))
				return false;
		}
		buf_puts(out, "]");
		return true;
	case JSON_STRING:
		dump_string(json_string_value(v), json_string_length(v), out);
		return true;
	case JSON_INTEGER:
		buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return true;
	case JSON_REAL:
		*why = "a real number (canonical JSON has integers only)";
		return false;
	case JSON_TRUE:
		buf_puts(out, "true");
		return true;
	case JSON_FALSE:
		buf_puts(out, "false");
		return true;
	case JSON_NULL:
		buf_puts(out, "null");
		return true;
	}
	*why = "an unknown JSON type";
	return false;
}

json_t *canon_parse(const char *data, size_t len, char *err, size_t errlen)
{
	json_error_t e;
	json_t *v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);
	if (!v) {
		snprintf(err, errlen, "line %d: %s", e.line, e.text);
		return NULL;
	}
	return v;
}
