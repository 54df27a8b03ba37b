/* policy: the policy file (libconfig, checked by core/schema) and its level overrides; see
 * policy.h. The unit kinds are judged by lint/unitkind.c from the package's own units. */
#include "policy.h"

#include <fnmatch.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/schema.h"
#include "../core/util.h"

const char *const policy_unit_kinds[] = { "daemon", "oneshot", "timer-job", "socket-activated", "boot-plumbing", NULL };
static const char *const levels[] = { "error", "warning", "note", NULL };

static const struct schema_field entry_fields[] = {
	{ "rule", SCHEMA_STRING, SCHEMA_REQUIRED | SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ "level", SCHEMA_STRING, SCHEMA_REQUIRED, levels, 0, 0, NULL },
	{ "reason", SCHEMA_STRING, SCHEMA_REQUIRED | SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ "expires", SCHEMA_STRING, SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ "package", SCHEMA_STRING, SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ "section", SCHEMA_STRING, SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ "priority", SCHEMA_STRING, SCHEMA_NONEMPTY, NULL, 0, 0, NULL },
	{ "essential", SCHEMA_BOOL, 0, NULL, 0, 0, NULL },
	{ "unit_kind", SCHEMA_STRING, 0, policy_unit_kinds, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field file_fields[] = {
	{ "policy", SCHEMA_GROUPS, SCHEMA_REQUIRED, NULL, 0, 0, entry_fields },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static bool valid_date(const char *s)
{
	struct tm tm = { 0 };
	const char *end = strlen(s) == 10 ? strptime(s, "%Y-%m-%d", &tm) : NULL;
	return end && !*end;
}

/* Whether GLOB names at least one rule: a typo would otherwise select nothing, silently. */
static bool names_a_rule(const char *glob)
{
	for (const struct lint_rule *r = lint_rules; r->id; r++)
		if (fnmatch(glob, r->id, 0) == 0)
			return true;
	return false;
}

static char *opt_dup(const config_setting_t *g, const char *key)
{
	const char *v = schema_string(g, key, NULL);
	return v ? xstrdup(v) : NULL;
}

bool lint_policy_load(struct policy *p, const char *file, const char *today, struct diag *d)
{
	memset(p, 0, sizeof *p);
	config_t cfg;
	config_init(&cfg);
	bool ok = schema_read_file(&cfg, file, d) && schema_check(config_root_setting(&cfg), file_fields, file, "", d) == 0;
	const config_setting_t *list = ok ? config_lookup(&cfg, "policy") : NULL;
	size_t n = list ? (size_t)config_setting_length(list) : 0;
	for (size_t i = 0; ok && i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		unsigned line = schema_line(g);
		const char *rule = schema_string(g, "rule", "");
		const char *expires = schema_string(g, "expires", NULL);
		if (!names_a_rule(rule)) {
			diag_error(d, file, line, "rule '%s' names no rule ('hardenkit rules' lists them)", rule);
			ok = false;
			break;
		}
		if (expires && !valid_date(expires)) {
			diag_error(d, file, line, "expires must be a date, YYYY-MM-DD, not '%s'", expires);
			ok = false;
			break;
		}
		const char *level = schema_string(g, "level", "error");
		struct policy_entry e = {
			.rule = xstrdup(rule),
			.package = opt_dup(g, "package"),
			.section = opt_dup(g, "section"),
			.priority = opt_dup(g, "priority"),
			.unit_kind = opt_dup(g, "unit_kind"),
			.essential = config_setting_get_member(g, "essential") ? schema_bool(g, "essential", false) : -1,
			.level = strcmp(level, "error") == 0 ? DIAG_ERROR : strcmp(level, "warning") == 0 ? DIAG_WARNING : DIAG_NOTE,
			.reason = opt_dup(g, "reason"),
			.expires = expires ? xstrdup(expires) : NULL,
			.file = xstrdup(file),
			.line = line,
			.expired = expires && strcmp(expires, today) < 0,
		};
		if (e.expired)
			diag_add(d, DIAG_NOTE, file, line, "the entry for %s expired on %s: it no longer applies", rule, expires);
		p->v = xreallocarray(p->v, p->n + 1, sizeof *p->v);
		p->v[p->n++] = e;
	}
	config_destroy(&cfg);
	return ok;
}

void lint_policy_free(struct policy *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct policy_entry *e = &p->v[i];
		free(e->rule);
		free(e->package);
		free(e->section);
		free(e->priority);
		free(e->unit_kind);
		free(e->reason);
		free(e->expires);
		free(e->file);
	}
	free(p->v);
	memset(p, 0, sizeof *p);
}

static bool glob_is(const char *glob, const char *value)
{
	return !glob || (value && fnmatch(glob, value, 0) == 0);
}

/* Whether FILE (as a finding names it) belongs to a unit of R of kind KIND. */
static bool in_unit_of_kind(const struct lint_result *r, const char *file, const char *kind)
{
	for (size_t i = 0; i < r->n_kinds; i++)
		if (strcmp(r->kinds[i].kind, kind) == 0 && strlist_contains(&r->kinds[i].files, file))
			return true;
	return false;
}

static bool selects(const struct policy_entry *e, const struct lint_result *r, const struct finding *f)
{
	if (e->expired || fnmatch(e->rule, f->rule->id, 0) != 0)
		return false;
	if (!glob_is(e->package, r->name) || !glob_is(e->section, r->section) || !glob_is(e->priority, r->priority))
		return false;
	if (e->essential >= 0 && (r->essential < 0 ? 0 : r->essential) != e->essential)
		return false;
	return !e->unit_kind || in_unit_of_kind(r, f->file, e->unit_kind);
}

void lint_policy_apply(const struct policy *p, struct lint_result *r)
{
	for (size_t k = 0; k < r->findings.n; k++) {
		struct finding *f = &r->findings.v[k];
		for (size_t i = 0; i < p->n; i++) {
			if (!selects(&p->v[i], r, f))
				continue;
			f->level = p->v[i].level;
			free(f->policy);
			f->policy = xasprintf("%s:%u: %s", p->v[i].file, p->v[i].line, p->v[i].reason);
			break;
		}
	}
}
