/* unitkind: a service's kind from its merged unit and its package's sockets and timers; a
 * socket or timer has the kind of the service it starts. See unitkind.h. */
#include "unitkind.h"

#include <string.h>

#include "../core/util.h"

/* Targets a unit reaches before the system is up: pulled in there, it is plumbing, not a
 * service anybody reaches over the network. */
static const char *const boot_targets[] = { "sysinit.target", "local-fs.target", "local-fs-pre.target",
					    "basic.target", "cryptsetup.target", "shutdown.target",
					    "initrd.target", "initrd-switch-root.target", NULL };

static const char *last(const struct unitfile *u, const char *section, const char *key)
{
	const struct unit_entry *e = unitfile_get(u, section, key);
	return e && e->n ? e->values[e->n - 1].text : NULL;
}

static bool any_word_in(const struct unitfile *u, const char *section, const char *key, const char *const *words)
{
	const struct unit_entry *e = unitfile_get(u, section, key);
	for (size_t i = 0; e && i < e->n; i++)
		for (size_t w = 0; words[w]; w++) {
			const char *t = e->values[i].text, *p;
			size_t n = strlen(words[w]);
			for (p = strstr(t, words[w]); p; p = strstr(p + 1, words[w]))
				if ((p == t || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
					return true;
		}
	return false;
}

/* The unit name without its type: "foo" of "foo.service", "foo@" of "foo@.service". */
static size_t stem_len(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot ? (size_t)(dot - name) : strlen(name);
}

/* Whether a unit of TYPE in F starts SERVICE: the same stem (a template's socket drops the
 * '@'), or its Unit=/Service= names it. */
static bool started_by(const struct facts *f, const char *service, const char *type, const char *key)
{
	size_t sl = stem_len(service);
	size_t bare = sl && service[sl - 1] == '@' ? sl - 1 : sl;
	for (size_t i = 0; i < f->n_units; i++) {
		const struct fact_unit *fu = &f->units[i];
		if (!fu->type || strcmp(fu->type, type) != 0)
			continue;
		const char *name = fu->u->name;
		size_t nl = stem_len(name);
		const char *named = last(fu->u, type[0] == 's' ? "Socket" : "Timer", key);
		if ((nl == sl && strncmp(name, service, sl) == 0) || (nl == bare && strncmp(name, service, bare) == 0) ||
		    (named && strcmp(named, service) == 0))
			return true;
	}
	return false;
}

static const char *service_kind(const struct facts *f, const struct unitfile *u)
{
	const char *dd = last(u, "Unit", "DefaultDependencies");
	if ((dd && (strcmp(dd, "no") == 0 || strcmp(dd, "false") == 0 || strcmp(dd, "0") == 0)) ||
	    any_word_in(u, "Install", "WantedBy", boot_targets) || any_word_in(u, "Install", "RequiredBy", boot_targets))
		return "boot-plumbing";
	if (started_by(f, u->name, "timer", "Unit"))
		return "timer-job";
	if (started_by(f, u->name, "socket", "Service"))
		return "socket-activated";
	const char *type = last(u, "Service", "Type");
	return type && strcmp(type, "oneshot") == 0 ? "oneshot" : "daemon";
}

/* The service a socket or timer starts: its Service=/Unit=, else its stem's service. */
static const struct fact_unit *started_service(const struct facts *f, const struct fact_unit *fu)
{
	const char *named = last(fu->u, fu->type[0] == 's' ? "Socket" : "Timer", fu->type[0] == 's' ? "Service" : "Unit");
	size_t sl = stem_len(fu->u->name);
	for (size_t i = 0; i < f->n_units; i++) {
		const struct fact_unit *s = &f->units[i];
		if (!s->type || strcmp(s->type, "service") != 0)
			continue;
		const char *name = s->u->name;
		size_t nl = stem_len(name);
		if (named ? strcmp(named, name) == 0
			  : (nl == sl && strncmp(name, fu->u->name, sl) == 0) ||
				    (nl == sl + 1 && name[sl] == '@' && strncmp(name, fu->u->name, sl) == 0))
			return s;
	}
	return NULL;
}

void unitkind_gather(const struct facts *f, struct lint_result *r)
{
	r->kinds = xcalloc(f->n_units ? f->n_units : 1, sizeof *r->kinds);
	for (size_t i = 0; i < f->n_units; i++) {
		const struct fact_unit *fu = &f->units[i];
		const char *kind = NULL;
		if (fu->type && strcmp(fu->type, "service") == 0) {
			kind = service_kind(f, fu->u);
		} else if (fu->type && (strcmp(fu->type, "socket") == 0 || strcmp(fu->type, "timer") == 0)) {
			const struct fact_unit *s = started_service(f, fu);
			kind = s ? service_kind(f, s->u) : fu->type[0] == 's' ? "socket-activated" : "timer-job";
		}
		if (!kind)
			continue;
		struct unit_kind *k = &r->kinds[r->n_kinds++];
		k->name = xstrdup(fu->u->name);
		k->kind = xstrdup(kind);
		for (size_t j = 0; j < fu->u->n_files; j++)
			strlist_push(&k->files, fu->u->files[j]);
	}
}
