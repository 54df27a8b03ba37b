/* waiver: parsing (libconfig, checked by core/schema) and applying waivers; see waiver.h. */
#include "waiver.h"

#include <fnmatch.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/schema.h"
#include "../core/util.h"

static const struct schema_field waiver_fields[] = {
	{ "rule", SCHEMA_STRING, SCHEMA_REQUIRED | SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ "path", SCHEMA_STRING, SCHEMA_REQUIRED | SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ "package", SCHEMA_STRING, SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ "reason", SCHEMA_STRING, SCHEMA_REQUIRED | SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ "expires", SCHEMA_STRING, SCHEMA_REQUIRED | SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field file_fields[] = {
	{ "waivers", SCHEMA_GROUPS, SCHEMA_REQUIRED, NULL, 0, 0, waiver_fields },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

/* YYYY-MM-DD with a real month and day: compared as a string afterwards. */
static bool valid_date(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strlen(s) == 10 ? strptime(s, "%Y-%m-%d", &tm) : NULL;
	return end && !*end;
}

bool waivers_parse(struct waivers *w, const char *file, const char *text, bool distribution, struct diag *d)
{
	if (strstr(text, "@include")) {
		diag_error(d, file, 0, "@include is not allowed in a waiver file");
		return false;
	}
	config_t cfg;
	config_init(&cfg);
	bool ok = config_read_string(&cfg, text) == CONFIG_TRUE;
	if (!ok)
		diag_error(d, file, (unsigned)config_error_line(&cfg), "%s", config_error_text(&cfg));
	else
		ok = schema_check(config_root_setting(&cfg), file_fields, file, "", d) == 0;
	const config_setting_t *list = ok ? config_lookup(&cfg, "waivers") : NULL;
	size_t n = list ? (size_t)config_setting_length(list) : 0;
	for (size_t i = 0; ok && i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		unsigned line = schema_line(g);
		const char *rule = schema_string(g, "rule", "");
		const char *expires = schema_string(g, "expires", "");
		if (!lint_rule_find(rule)) {
			diag_error(d, file, line, "waiver for unknown rule '%s' ('hardenkit rules' lists them)", rule);
			ok = false;
			continue;
		}
		if (!valid_date(expires)) {
			diag_error(d, file, line, "expires must be a date, YYYY-MM-DD, not '%s'", expires);
			ok = false;
			continue;
		}
		w->v = xreallocarray(w->v, w->n + 1, sizeof *w->v);
		const char *pkg = schema_string(g, "package", NULL);
		w->v[w->n++] = (struct waiver){ xstrdup(rule), xstrdup(schema_string(g, "path", "")), pkg ? xstrdup(pkg) : NULL,
						xstrdup(schema_string(g, "reason", "")), xstrdup(expires), xstrdup(file), line,
						distribution };
	}
	config_destroy(&cfg);
	return ok;
}

bool waivers_load(struct waivers *w, const char *file, struct diag *d)
{
	char *text = read_text_file(file, d);
	if (!text)
		return false;
	bool ok = waivers_parse(w, file, text, true, d);
	free(text);
	return ok;
}

void waivers_free(struct waivers *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->v[i].rule);
		free(w->v[i].path);
		free(w->v[i].package);
		free(w->v[i].reason);
		free(w->v[i].expires);
		free(w->v[i].file);
	}
	free(w->v);
	memset(w, 0, sizeof *w);
}

void waiver_today(char out[11])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static bool covers(const struct waiver *wv, const char *package, const struct finding *f)
{
	return strcmp(wv->rule, f->rule->id) == 0 && (!wv->package || (package && strcmp(wv->package, package) == 0)) &&
	       fnmatch(wv->path, f->file, 0) == 0;
}

void waivers_apply(const struct waivers *w, const char *package, const char *today, struct findings *out,
		   struct findings *waived, bool *used)
{
	const struct lint_rule *expired = lint_rule_find("waiver-expired"), *forbidden = lint_rule_find("waiver-forbidden"),
			       *unused = lint_rule_find("waiver-unused");
	bool *reported = xcalloc(w->n ? w->n : 1, sizeof *reported);
	size_t k = 0, n = out->n;
	for (size_t i = 0; i < n; i++) {
		struct finding *f = &out->v[i];
		bool gone = false;
		for (size_t j = 0; j < w->n && !gone; j++) {
			const struct waiver *wv = &w->v[j];
			if (!covers(wv, package, f))
				continue;
			used[j] = true;
			if (strcmp(wv->expires, today) < 0)
				continue; /* expired: the finding stands, and so does waiver-expired below */
			if (!wv->distribution && f->rule->tier == TIER_INVARIANT) {
				if (!reported[j]) {
					reported[j] = true;
					findings_add(out, forbidden, wv->file, wv->line,
						     "a package's own waiver cannot waive the invariant rule %s (only the distribution's waiver file can)",
						     wv->rule);
					f = &out->v[i]; /* the array may have moved */
				}
				continue;
			}
			if (waived->n == waived->cap) {
				waived->cap = waived->cap ? 2 * waived->cap : 8;
				waived->v = xreallocarray(waived->v, waived->cap, sizeof *waived->v);
			}
			waived->v[waived->n++] = *f;
			gone = true;
		}
		if (!gone)
			out->v[k++] = out->v[i];
	}
	/* the findings added above sit after the first N: keep them */
	for (size_t i = n; i < out->n; i++)
		out->v[k++] = out->v[i];
	out->n = k;
	for (size_t j = 0; j < w->n; j++) {
		const struct waiver *wv = &w->v[j];
		if (wv->package && package && strcmp(wv->package, package) != 0)
			continue;
		if (wv->distribution && wv->package == NULL)
			continue; /* judged across the whole run, by the caller */
		if (strcmp(wv->expires, today) < 0)
			findings_add(out, expired, wv->file, wv->line, "the waiver of %s for %s expired on %s", wv->rule, wv->path,
				     wv->expires);
		else if (!used[j] && (!wv->distribution || wv->package))
			findings_add(out, unused, wv->file, wv->line, "the waiver of %s for %s covers no finding", wv->rule,
				     wv->path);
	}
	free(reported);
}
