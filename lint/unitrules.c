/* unitrules: the unit-* checks over merged service units; see checks.h. What each row demands
 * is its struct unit_setting; the list semantics follow systemd.exec(5). */
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "checks.h"
#include "exposure.h"

bool unit_is_service(const struct fact_unit *u)
{
	return strcmp(u->type, "service") == 0 && !u->u->masked && u->u->n_entries;
}

char *unit_exec_binary(const struct unitfile *u, const struct unit_value **where)
{
	const struct unit_entry *e = unitfile_get(u, "Service", "ExecStart");
	if (!e || !e->n)
		return NULL;
	if (where)
		*where = &e->values[0];
	const char *t = e->values[0].text;
	t += strspn(t, "@-:+!| \t"); /* systemd's exec prefixes */
	return xasprintf("%.*s", (int)strcspn(t, " \t"), t);
}

void unit_location(const struct facts *f, const struct fact_unit *u, const struct unit_value *v, const char **file,
		   unsigned *line)
{
	if (v) {
		*file = v->file;
		*line = v->line;
		return;
	}
	const struct unit_entry *e = unitfile_get(u->u, "Service", "ExecStart");
	if (e && e->n) {
		*file = e->values[0].file;
		*line = e->values[0].line;
		return;
	}
	*file = u->u->n_files ? u->u->files[0] : facts_shown(f, u->u->name);
	*line = 0;
}

/* The groups within @system-service in systemd 252 (systemd.exec(5), SystemCallFilter=). */
static const char *const service_groups[] = { "@system-service", "@aio", "@basic-io", "@chown", "@default",
					      "@file-system", "@io-event", "@ipc", "@keyring", "@memlock",
					      "@network-io", "@process", "@resources", "@setuid", "@signal",
					      "@sync", "@timer", NULL };
static const char *const allowed_families[] = { "AF_UNIX", "AF_INET", "AF_INET6", NULL };

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

/* RestrictAddressFamilies=, merged as systemd does: the first assignment decides allow- or
 * deny-list; later ones add to the list or, with the other polarity, remove from it. Returns
 * NULL when the result is an allow-list within AF_UNIX/AF_INET/AF_INET6, else what is wrong. */
static char *families_problem(const struct unit_entry *e)
{
	if (!e || !e->n)
		return xstrdup("not set: every address family is allowed");
	struct strlist set = { 0 };
	bool allow = true, started = false;
	for (size_t i = 0; i < e->n; i++) {
		const char *t = e->values[i].text;
		if (strcmp(t, "none") == 0) {
			strlist_free(&set);
			allow = started = true;
			continue;
		}
		bool invert = *t == '~';
		t += invert;
		if (!started) {
			allow = !invert;
			started = true;
		}
		char *copy = xstrdup(t), *save = NULL;
		for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
			if (!invert == allow) {
				if (!strlist_contains(&set, w))
					strlist_push(&set, w);
			} else {
				for (size_t k = 0; k < set.n; k++) {
					if (strcmp(set.v[k], w) == 0) {
						free(set.v[k]);
						set.v[k] = set.v[--set.n];
						break;
					}
				}
			}
		}
		free(copy);
	}
	char *problem = NULL;
	if (!allow)
		problem = xstrdup("a ~deny-list: every family it does not name is allowed");
	for (size_t k = 0; !problem && k < set.n; k++)
		if (!in_list(allowed_families, set.v[k]))
			problem = xasprintf("allows %s", set.v[k]);
	strlist_free(&set);
	return problem;
}

static char *syscalls_problem(const struct unit_entry *e)
{
	if (!e || !e->n)
		return xstrdup("not set: every system call is allowed");
	if (e->values[0].text[0] == '~')
		return xstrdup("a ~deny-list only: every call it does not name is allowed");
	for (size_t i = 0; i < e->n; i++) {
		const char *t = e->values[i].text;
		if (*t == '~')
			continue; /* removing calls from the allow-list only narrows it */
		char *copy = xstrdup(t), *save = NULL;
		char *problem = NULL;
		for (char *w = strtok_r(copy, " \t", &save); w && !problem; w = strtok_r(NULL, " \t", &save)) {
			char *colon = strchr(w, ':');
			if (colon)
				*colon = 0; /* "@mount:EPERM" */
			if (*w == '@' && !in_list(service_groups, w))
				problem = xasprintf("allows %s, beyond @system-service", w);
		}
		free(copy);
		if (problem)
			return problem;
	}
	return NULL;
}

static char *namespaces_problem(const struct unit_value *v)
{
	if (!v)
		return xstrdup("RestrictNamespaces= is not set: every namespace type may be created");
	int b = unit_parse_boolean(v->text);
	if (b == 1)
		return NULL;
	if (b == 0)
		return xasprintf("RestrictNamespaces=%s allows every namespace type", v->text);
	if (v->text[0] == '~')
		return xasprintf("RestrictNamespaces=%s is a deny-list", v->text);
	return NULL; /* an allow-list of the types the daemon needs */
}

CHECK(check_unit_setting)
{
	(void)o;
	const struct unit_setting *want = self->arg;
	for (size_t i = 0; i < f->n_units; i++) {
		const struct fact_unit *fu = &f->units[i];
		if (!unit_is_service(fu))
			continue;
		const struct unit_entry *e = unitfile_get(fu->u, "Service", want->key);
		const struct unit_value *last = unitfile_last(fu->u, "Service", want->key);
		char *problem = NULL;
		switch (want->demand) {
		case DEMAND_TRUE:
			if (!last)
				problem = xasprintf("%s= is not set (default no)", want->key);
			else if (unit_parse_boolean(last->text) != 1)
				problem = xasprintf("%s=%s", want->key, last->text);
			break;
		case DEMAND_STRICT:
			if (!last)
				problem = xasprintf("%s= is not set (default no)", want->key);
			else if (strcmp(last->text, "strict") != 0)
				problem = xasprintf("%s=%s, not strict", want->key, last->text);
			break;
		case DEMAND_NAMESPACES:
			problem = namespaces_problem(last);
			break;
		case DEMAND_FAMILIES: {
			char *p = families_problem(e);
			problem = p ? xasprintf("%s: %s", want->key, p) : NULL;
			free(p);
			break;
		}
		case DEMAND_SYSCALLS: {
			char *p = syscalls_problem(e);
			problem = p ? xasprintf("%s: %s", want->key, p) : NULL;
			free(p);
			break;
		}
		}
		if (problem) {
			const char *file;
			unsigned line;
			unit_location(f, fu, last, &file, &line);
			findings_add(out, self, file, line, "%s: %s", fu->u->name, problem);
			free(problem);
		}
	}
}

CHECK(check_unit_exposure)
{
	for (size_t i = 0; i < f->n_units; i++) {
		const struct fact_unit *fu = &f->units[i];
		double score;
		if (!unit_is_service(fu) || exposure_score(fu->u, &score) != 0)
			continue;
		/* systemd prints one decimal: compare in tenths so 4.9 is 4.9 */
		if ((long)(score * 10 + 0.5) > (long)(o->threshold * 10 + 0.5)) {
			const char *file;
			unsigned line;
			unit_location(f, fu, NULL, &file, &line);
			findings_add(out, self, file, line, "%s: exposure %.1f is above %.1f", fu->u->name, score, o->threshold);
		}
	}
}
