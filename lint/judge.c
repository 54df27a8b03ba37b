/* judge: reading one package (or its cache entry) into a result, and the run's policy and
 * waivers over it; see judge.h. */
#include "judge.h"

#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "checks.h"
#include "exposure.h"
#include "unitkind.h"

/* "Section: x" of a .deb's control file: the first paragraph's field, or NULL. */
static char *control_field(const char *text, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = text; p && *p && *p != '\n'; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncasecmp(p, name, n) == 0 && p[n] == ':') {
			const char *v = p + n + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			size_t len = strcspn(v, "\r\n");
			while (len && (v[len - 1] == ' ' || v[len - 1] == '\t'))
				len--;
			return xasprintf("%.*s", (int)len, v);
		}
	}
	return NULL;
}

static void read_control(const struct facts *f, struct lint_result *r)
{
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (ff->role != ROLE_CONTROL || !ff->text || str_has_suffix(ff->path, ".PKGINFO"))
			continue;
		r->section = control_field(ff->text, "Section");
		r->priority = control_field(ff->text, "Priority");
		char *essential = control_field(ff->text, "Essential");
		r->essential = essential ? strcasecmp(essential, "yes") == 0 : 0;
		free(essential);
		return;
	}
}

/* Everything the rules say about the package, before the run's policy and waivers: what the
 * cache keeps. */
static void read_package(const struct judge *j, struct lint_result *r)
{
	struct diag d;
	diag_init(&d);
	struct facts f;
	if (facts_gather(&f, r->path, j->dialects, j->data, &d) != 0) {
		r->error = xstrdup(d.n ? d.msgs[0].text : "cannot be read");
		if (f.stats.limit) {
			r->limit = xstrdup(f.stats.limit);
			r->limit_value = f.stats.limit_value;
			r->limit_seen = f.stats.limit_seen;
			r->input_size = f.stats.input_size;
		}
		facts_free(&f);
		diag_free(&d);
		return;
	}
	diag_free(&d);
	r->single = f.display != NULL;
	r->name = f.name ? xstrdup(f.name) : NULL;
	r->version = f.version ? xstrdup(f.version) : NULL;
	read_control(&f, r);
	lint_run(&f, j->opts, &r->findings);
	r->units = xcalloc(f.n_units ? f.n_units : 1, sizeof *r->units);
	for (size_t i = 0; i < f.n_units; i++) {
		if (!unit_is_service(&f.units[i]))
			continue;
		struct unit_score *u = &r->units[r->n_units++];
		u->name = xstrdup(f.units[i].u->name);
		u->scored = exposure_score(f.units[i].u, &u->exposure) == 0;
		if (!u->scored)
			u->exposure = 0;
	}
	unitkind_gather(&f, r);
	r->own_waivers = xcalloc(f.n_files ? f.n_files : 1, sizeof *r->own_waivers);
	for (size_t i = 0; i < f.n_files; i++) {
		const struct fact_file *ff = &f.files[i];
		if (ff->role == ROLE_WAIVER && ff->text)
			r->own_waivers[r->n_own_waivers++] = (struct own_waiver){ xstrdup(ff->path), xstrdup(ff->text) };
	}
	for (size_t i = 0; i < f.notes.n; i++) {
		const struct diag_msg *m = &f.notes.msgs[i];
		diag_add(&r->notes, m->level == DIAG_ERROR ? DIAG_WARNING : m->level, m->file && !r->single ? m->file : NULL,
			 m->line, "%s", m->text);
	}
	facts_free(&f);
}

/* The distribution's waivers and the package's own, applied to the package's findings. */
static void apply_waivers(const struct judge *j, struct lint_result *r)
{
	struct waivers all = { 0 };
	size_t nd = j->waivers->n;
	all.v = xcalloc(nd + 1, sizeof *all.v);
	if (nd)
		memcpy(all.v, j->waivers->v, nd * sizeof *all.v); /* borrowed, not freed here */
	all.n = nd;
	struct waivers own = { 0 };
	const struct lint_rule *invalid = lint_rule_find("waiver-invalid");
	for (size_t i = 0; i < r->n_own_waivers; i++) {
		struct diag d;
		diag_init(&d);
		if (!waivers_parse(&own, r->own_waivers[i].path, r->own_waivers[i].text, false, &d))
			for (size_t k = 0; k < d.n; k++)
				findings_add(&r->findings, invalid, r->own_waivers[i].path, d.msgs[k].line, "%s", d.msgs[k].text);
		diag_free(&d);
	}
	if (own.n) {
		all.v = xreallocarray(all.v, nd + own.n, sizeof *all.v);
		memcpy(all.v + nd, own.v, own.n * sizeof *all.v);
		all.n = nd + own.n;
	}
	bool *used = xcalloc(all.n + 1, sizeof *used);
	waivers_apply(&all, r->name, j->today, &r->findings, &r->waived, used);
	r->dist_used = xcalloc(nd + 1, sizeof *r->dist_used);
	if (nd)
		memcpy(r->dist_used, used, nd * sizeof *used);
	free(used);
	free(all.v);
	waivers_free(&own);
	findings_sort(&r->findings);
}

void judge_package(const struct judge *j, struct lint_result *r)
{
	diag_init(&r->notes);
	char key[65];
	bool keyed = j->cache && cache_key(j->cache, r->path, key);
	if (!keyed || !cache_get(j->cache, key, r)) {
		read_package(j, r);
		if (keyed)
			cache_put(j->cache, key, r);
	}
	if (r->error)
		return;
	if (j->policy)
		lint_policy_apply(j->policy, r);
	apply_waivers(j, r);
}
