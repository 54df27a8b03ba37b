/* baseline: loading a previous JSON document into a sorted table of finding keys with counts,
 * and matching this run's findings against it; see baseline.h. */
#include "baseline.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"

struct entry {
	char *key; /* package \x1f rule \x1f file \x1f fingerprint */
	char *package, *rule, *file, *fingerprint, *message;
	size_t count, left;
};

struct baseline {
	struct entry *v;
	size_t n;
};

static char *key_of(const char *package, const char *rule, const char *file, const char *fp)
{
	return xasprintf("%s\x1f%s\x1f%s\x1f%s", package, rule, file, fp);
}

static int cmp_entries(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

static void add_findings(struct baseline *b, const char *package, const json_t *list)
{
	size_t i;
	const json_t *f;
	json_array_foreach(list, i, f) {
		const char *rule = json_string_value(json_object_get(f, "rule"));
		const char *file = json_string_value(json_object_get(f, "file"));
		const char *message = json_string_value(json_object_get(f, "message"));
		const char *fp = json_string_value(json_object_get(f, "fingerprint"));
		if (!rule || !file || !message)
			continue;
		char own[17];
		if (!fp) {
			finding_fingerprint(rule, file, message, own);
			fp = own;
		}
		b->v = xreallocarray(b->v, b->n + 1, sizeof *b->v);
		b->v[b->n++] = (struct entry){ key_of(package, rule, file, fp), xstrdup(package), xstrdup(rule), xstrdup(file),
					       xstrdup(fp), xstrdup(message), 1, 1 };
	}
}

static bool is_string(const json_t *v, const char *s)
{
	return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

struct baseline *baseline_load(const char *file, struct diag *d)
{
	json_error_t err;
	json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &err);
	if (!doc) {
		diag_error(d, file, (unsigned)(err.line > 0 ? err.line : 0), "not a JSON document: %s", err.text);
		return NULL;
	}
	const json_t *pkgs = json_object_get(doc, "packages");
	if (!json_is_array(pkgs) || !is_string(json_object_get(doc, "tool"), "hardenkit")) {
		diag_error(d, file, 0, "not a hardenkit lint JSON document (no \"tool\": \"hardenkit\" with \"packages\")");
		json_decref(doc);
		return NULL;
	}
	struct baseline *b = xcalloc(1, sizeof *b);
	size_t i;
	const json_t *p;
	json_array_foreach(pkgs, i, p) {
		const char *name = json_string_value(json_object_get(p, "name"));
		if (!name)
			name = json_string_value(json_object_get(p, "path"));
		if (!name)
			continue;
		/* what that run counted, and what it had itself carried over from its own baseline */
		add_findings(b, name, json_object_get(p, "findings"));
		add_findings(b, name, json_object_get(p, "baselined"));
	}
	json_decref(doc);
	if (b->n)
		qsort(b->v, b->n, sizeof *b->v, cmp_entries);
	/* equal keys become one entry with a count */
	size_t k = 0;
	for (size_t j = 0; j < b->n; j++) {
		if (k && strcmp(b->v[k - 1].key, b->v[j].key) == 0) {
			b->v[k - 1].count++;
			b->v[k - 1].left++;
			struct entry *e = &b->v[j];
			free(e->key), free(e->package), free(e->rule), free(e->file), free(e->fingerprint), free(e->message);
			continue;
		}
		b->v[k++] = b->v[j];
	}
	b->n = k;
	return b;
}

void baseline_apply(struct baseline *b, struct lint_result *r)
{
	r->baseline = true;
	if (r->error)
		return;
	const char *package = r->name ? r->name : r->path;
	size_t k = 0;
	for (size_t i = 0; i < r->findings.n; i++) {
		struct finding *f = &r->findings.v[i];
		const char *file = r->single ? r->path : f->file;
		char fp[17];
		finding_fingerprint(f->rule->id, file, f->message, fp);
		char *key = key_of(package, f->rule->id, file, fp);
		struct entry probe = { .key = key };
		struct entry *e = b->n ? bsearch(&probe, b->v, b->n, sizeof *b->v, cmp_entries) : NULL;
		free(key);
		if (e && e->left) {
			e->left--;
			struct findings *to = &r->baselined;
			if (to->n == to->cap) {
				to->cap = to->cap ? 2 * to->cap : 8;
				to->v = xreallocarray(to->v, to->cap, sizeof *to->v);
			}
			to->v[to->n++] = *f;
			continue;
		}
		r->findings.v[k++] = *f;
	}
	r->findings.n = k;
}

void *baseline_disappeared(const struct baseline *b)
{
	json_t *a = json_array();
	for (size_t i = 0; b && i < b->n; i++)
		for (size_t c = 0; c < b->v[i].left; c++)
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:s}", "package", b->v[i].package, "rule",
							   b->v[i].rule, "file", b->v[i].file, "fingerprint",
							   b->v[i].fingerprint, "message", b->v[i].message));
	return a;
}

void baseline_free(struct baseline *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++) {
		struct entry *e = &b->v[i];
		free(e->key), free(e->package), free(e->rule), free(e->file), free(e->fingerprint), free(e->message);
	}
	free(b->v);
	free(b);
}
