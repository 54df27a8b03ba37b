/* unitfile: systemd unit files parsed and merged with their drop-ins; see unitfile.h.
 *
 * We parse unit files ourselves because no library exposes systemd's parser: libsystemd has no
 * unit-file API (the loader lives in the private libsystemd-shared, whose ABI changes with every
 * release), and a linter must read units that are not installed, from a package or a tree, so
 * asking a running manager over D-Bus is no option either. This file follows systemd 252's
 * src/shared/conf-parser.c (lines, continuations, comments, sections) and
 * src/basic/unit-file.c with src/core/load-dropin.c (where a unit and its drop-ins are found). */
#include "unitfile.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WHITESPACE " \t\n\r"
/* systemd refuses longer lines (LONG_LINE_MAX); we refuse larger files so a hostile input
 * cannot make us hold more than this in memory. */
#define UNIT_FILE_MAX (4u << 20)

struct unitfile *unitfile_new(const char *name)
{
	struct unitfile *u = xcalloc(1, sizeof *u);
	u->name = xstrdup(name);
	return u;
}

static void free_history(struct unit_entry *e)
{
	for (size_t i = 0; i < e->n_history; i++)
		free(e->history[i].text);
	free(e->history);
}

static void entry_clear_values(struct unit_entry *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->values[i].text);
	free(e->values);
	e->values = NULL;
	e->n = 0;
}

void unitfile_free(struct unitfile *u)
{
	if (!u)
		return;
	for (size_t i = 0; i < u->n_entries; i++) {
		entry_clear_values(&u->entries[i]);
		free_history(&u->entries[i]);
		free(u->entries[i].section);
		free(u->entries[i].key);
	}
	free(u->entries);
	free(u->slots);
	for (size_t i = 0; i < u->n_files; i++)
		free(u->files[i]);
	free(u->files);
	free(u->name);
	free(u);
}

/* Arrays grow to the next power of two: amortized linear, without a capacity field. */
static void *grow(void *p, size_t n, size_t size)
{
	return n && (n & (n - 1)) ? p : xreallocarray(p, n ? 2 * n : 1, size);
}

static size_t hash_key(const char *section, const char *key)
{
	size_t h = 14695981039346656037u; /* FNV-1a */
	for (const char *p = section; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	h = (h ^ 0xff) * 1099511628211u;
	for (const char *p = key; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211u;
	return h;
}

/* The slot of SECTION/KEY: holding its entry's index + 1, or 0 where it would go. */
static size_t *find_slot(const struct unitfile *u, const char *section, const char *key)
{
	if (!u->n_slots)
		return NULL;
	for (size_t i = hash_key(section, key) & (u->n_slots - 1);; i = (i + 1) & (u->n_slots - 1)) {
		size_t *slot = &u->slots[i];
		if (!*slot)
			return slot;
		const struct unit_entry *e = &u->entries[*slot - 1];
		if (strcmp(e->key, key) == 0 && strcmp(e->section, section) == 0)
			return slot;
	}
}

static struct unit_entry *find_entry(const struct unitfile *u, const char *section, const char *key)
{
	size_t *slot = find_slot(u, section, key);
	return slot && *slot ? &u->entries[*slot - 1] : NULL;
}

/* Keeps the index at most half full. */
static void index_entry(struct unitfile *u, size_t i)
{
	if (2 * (u->n_entries + 1) > u->n_slots) {
		free(u->slots);
		u->n_slots = u->n_slots ? 2 * u->n_slots : 16;
		u->slots = xcalloc(u->n_slots, sizeof *u->slots);
		for (size_t k = 0; k < u->n_entries; k++)
			if (k != i)
				*find_slot(u, u->entries[k].section, u->entries[k].key) = k + 1;
	}
	*find_slot(u, u->entries[i].section, u->entries[i].key) = i + 1;
}

const struct unit_entry *unitfile_get(const struct unitfile *u, const char *section, const char *key)
{
	return find_entry(u, section, key);
}

const struct unit_value *unitfile_last(const struct unitfile *u, const char *section, const char *key)
{
	const struct unit_entry *e = find_entry(u, section, key);
	return e && e->n ? &e->values[e->n - 1] : NULL;
}

bool unitfile_bool(const struct unitfile *u, const char *section, const char *key, bool dflt)
{
	const struct unit_entry *e = find_entry(u, section, key);
	bool v = dflt;
	for (size_t i = 0; e && i < e->n_history; i++) {
		int b = unit_parse_boolean(e->history[i].text);
		if (b >= 0)
			v = b;
	}
	return v;
}

int unit_parse_boolean(const char *v)
{
	static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
	static const char *const no[] = { "0", "no", "n", "false", "f", "off" };
	if (!v)
		return -1;
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
		if (strcasecmp(v, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Every assignment is kept; an empty one drops what came before. That one rule gives both of
 * systemd's behaviours: list-valued keys accumulate and reset, and single-valued keys end up
 * with their last assignment (unitfile_last) or their default after "Key=". */
static void assign(struct unitfile *u, const char *section, const char *key, const char *value,
		   const char *file, unsigned line)
{
	struct unit_entry *e = find_entry(u, section, key);
	if (!e) {
		u->entries = grow(u->entries, u->n_entries, sizeof *u->entries);
		e = &u->entries[u->n_entries];
		e->section = xstrdup(section);
		e->key = xstrdup(key);
		e->values = NULL;
		e->n = 0;
		e->history = NULL;
		e->n_history = 0;
		index_entry(u, u->n_entries);
		u->n_entries++;
	}
	e->history = grow(e->history, e->n_history, sizeof *e->history);
	e->history[e->n_history++] = (struct unit_value){ .text = xstrdup(value), .file = file, .line = line };
	if (*value == '\0') {
		entry_clear_values(e);
		return;
	}
	e->values = grow(e->values, e->n, sizeof *e->values);
	e->values[e->n++] = (struct unit_value){ .text = xstrdup(value), .file = file, .line = line };
}

static char *strip(char *s)
{
	s += strspn(s, WHITESPACE);
	size_t n = strlen(s);
	while (n && strchr(WHITESPACE, s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* systemd's utf8_is_valid: well-formed UTF-8, no overlong forms, no surrogates. */
static bool utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s, n, cp;
		if (c < 0x80) {
			s++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			n = 2, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			n = 3, cp = c & 0x07;
		else
			return false;
		for (unsigned i = 1; i <= n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		static const unsigned min[] = { 0, 0x80, 0x800, 0x10000 };
		if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

/* systemd's string_is_safe(), which a section name must pass. */
static bool section_name_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || strchr("\"'\\\x7f", *s))
			return false;
	return true;
}

struct parse_state {
	struct unitfile *u;
	const char *file; /* the copy in u->files */
	char *section; /* NULL before the first header */
	struct diag *d;
};

/* One logical line (continuations joined), as conf-parser.c's parse_line(). */
static void parse_line(struct parse_state *ps, char *l, unsigned line)
{
	l = strip(l);
	if (*l == '\0' || strchr("#;", *l))
		return;
	if (!utf8_valid((const unsigned char *)l)) {
		diag_error(ps->d, ps->file, line, "not valid UTF-8");
		ps->u->bad_lines++;
		return;
	}
	if (*l == '[') {
		size_t k = strlen(l);
		if (l[k - 1] != ']') {
			diag_error(ps->d, ps->file, line, "invalid section header '%s'", l);
			ps->u->bad_lines++;
			return;
		}
		l[k - 1] = '\0';
		if (!section_name_safe(l + 1)) {
			diag_error(ps->d, ps->file, line, "bad characters in section header '[%s]'", l + 1);
			ps->u->bad_lines++;
			return;
		}
		free(ps->section);
		ps->section = xstrdup(l + 1);
		return;
	}
	if (!ps->section) {
		diag_add(ps->d, DIAG_WARNING, ps->file, line, "assignment outside of any section; systemd ignores it");
		return;
	}
	char *eq = strchr(l, '=');
	if (!eq || eq == l) { /* systemd 252 warns and goes on without the line */
		diag_add(ps->d, DIAG_WARNING, ps->file, line, eq ? "missing key name before '='; systemd ignores this line"
								 : "missing '=' in '%s'; systemd ignores this line", l);
		return;
	}
	*eq = '\0';
	assign(ps->u, ps->section, strip(l), strip(eq + 1), ps->file, line);
}

int unitfile_apply(struct unitfile *u, const char *file, const char *text, size_t len, struct diag *d)
{
	if (memchr(text, '\0', len)) {
		diag_error(d, file, 0, "not a unit file (binary data)");
		return -1;
	}
	u->files = grow(u->files, u->n_files, sizeof *u->files);
	u->files[u->n_files] = xstrdup(file);
	struct parse_state ps = { .u = u, .file = u->files[u->n_files++], .d = d };

	const char *p = text, *end = text + len;
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	struct buf cont = { 0 }; /* a logical line being continued */
	unsigned line = 0, first = 0;
	while (p < end) {
		/* read_line() ends a line at \n, \r or \r\n */
		const char *q = p;
		while (q < end && *q != '\n' && *q != '\r')
			q++;
		char *raw = xasprintf("%.*s", (int)(q - p), p);
		p = q;
		if (p < end)
			p += (*p == '\r' && p + 1 < end && p[1] == '\n') ? 2 : 1;
		line++;

		/* comment lines are dropped even inside a continuation, as systemd does */
		const char *lead = raw + strspn(raw, WHITESPACE);
		if (*lead && strchr("#;", *lead)) {
			free(raw);
			continue;
		}
		if (!cont.data)
			first = line;
		/* only the new text needs scanning: the backslash that continued the line was an
		 * escape starter turned into a space, so nothing before it is left open */
		size_t from = cont.len;
		buf_puts(&cont, raw);
		free(raw);
		bool escaped = false;
		for (const char *e = cont.data + from; *e; e++)
			escaped = escaped ? false : *e == '\\';
		if (escaped) {
			/* the backslash becomes a space and the text goes on on the next line */
			cont.data[cont.len - 1] = ' ';
			continue;
		}
		parse_line(&ps, cont.data, first);
		buf_free(&cont);
	}
	if (cont.data)
		parse_line(&ps, cont.data, first);
	buf_free(&cont);
	free(ps.section);
	return 0;
}

/* ---- finding a unit and its drop-ins below a root ---- */

/* systemd 252's system unit search path (lookup_paths_init, split-usr as Debian builds it),
 * highest priority first. */
static const char *const unit_dirs[] = {
	"/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
	"/run/systemd/generator.early", "/etc/systemd/system", "/etc/systemd/system.attached",
	"/run/systemd/system", "/run/systemd/system.attached", "/run/systemd/generator",
	"/usr/local/lib/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system",
	"/run/systemd/generator.late",
};

static const char *const unit_types[] = {
	"service", "socket", "target", "device", "mount", "automount",
	"swap", "timer", "path", "slice", "scope",
};

static const char *unit_type_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot || dot == name)
		return NULL;
	for (size_t i = 0; i < sizeof unit_types / sizeof *unit_types; i++)
		if (strcmp(dot + 1, unit_types[i]) == 0)
			return unit_types[i];
	return NULL;
}

static bool valid_unit_name(const char *name)
{
	if (!unit_type_of(name) || strchr(name, '/') || strlen(name) > 255)
		return false;
	const char *at = strchr(name, '@');
	return !at || (at != name && !strchr(at + 1, '@'));
}

/* "foo@bar.service" → "foo@.service"; NULL when NAME is no instance. */
static char *template_of(const char *name)
{
	const char *at = strchr(name, '@'), *dot = strrchr(name, '.');
	if (!at || !dot || dot == at + 1)
		return NULL;
	return xasprintf("%.*s%s", (int)(at + 1 - name), name, dot);
}

/* "foo@.service" with instance from "foo@bar.service" → "foo@bar.service" */
static char *instantiate(const char *tmpl, const char *instance_name)
{
	const char *at = strchr(instance_name, '@'), *dot = strrchr(instance_name, '.');
	const char *tat = strchr(tmpl, '@');
	if (!at || !dot || !tat || tat[1] != '.')
		return xstrdup(tmpl);
	return xasprintf("%.*s%.*s%s", (int)(tat + 1 - tmpl), tmpl, (int)(dot - at - 1), at + 1, tat + 1);
}

static char *root_join(const char *root, const char *rel)
{
	return xasprintf("%s%s", root, rel);
}

/* Resolves PATH (absolute, as seen from inside ROOT) to a path without symlinks, every link
 * read relative to ROOT: an absolute target starts over at ROOT and ".." stops at ROOT, so
 * nothing outside the tree is ever reached. A link to /dev/null sets *DEVNULL and stops. Returns
 * 0 and the resolved path (caller frees), or -errno. */
static int chase(const char *root, const char *path, char **out, bool *devnull)
{
	struct buf done = { 0 };
	char *todo = xstrdup(path);
	unsigned hops = 0;
	int r = 0;
	*devnull = false;
	buf_puts(&done, "");
	for (;;) {
		char *p = todo + strspn(todo, "/");
		if (!*p)
			break;
		size_t n = strcspn(p, "/");
		char *comp = xasprintf("%.*s", (int)n, p);
		char *rest = xstrdup(p + n);
		free(todo);
		todo = rest;
		if (strcmp(comp, ".") == 0) {
			free(comp);
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			char *slash = strrchr(done.data, '/');
			if (slash) {
				*slash = '\0';
				done.len = (size_t)(slash - done.data);
			}
			free(comp);
			continue;
		}
		char *cand = xasprintf("%s/%s", done.data, comp);
		free(comp);
		if (strcmp(cand, "/dev/null") == 0 && !todo[strspn(todo, "/")]) {
			*devnull = true;
			buf_free(&done);
			buf_puts(&done, cand);
			free(cand);
			break;
		}
		char *full = root_join(root, cand);
		struct stat st;
		if (lstat(full, &st) < 0) {
			r = -errno;
			free(full);
			free(cand);
			break;
		}
		if (!S_ISLNK(st.st_mode)) {
			free(full);
			buf_free(&done);
			buf_puts(&done, cand);
			free(cand);
			continue;
		}
		free(cand);
		if (++hops > 40) {
			free(full);
			r = -ELOOP;
			break;
		}
		char target[PATH_MAX];
		ssize_t tn = readlink(full, target, sizeof target - 1);
		free(full);
		if (tn < 0) {
			r = -errno;
			break;
		}
		target[tn] = '\0';
		if (target[0] == '/') {
			buf_free(&done);
			buf_puts(&done, "");
		}
		char *joined = xasprintf("%s/%s", target, todo);
		free(todo);
		todo = joined;
	}
	free(todo);
	if (r < 0) {
		buf_free(&done);
		return r;
	}
	*out = xstrdup(done.len ? done.data : "/");
	buf_free(&done);
	return 0;
}

struct name_entry {
	char *name;
	char *path; /* as found, inside the root: "/lib/systemd/system/x.service" */
	size_t dir; /* index into the search path */
};

struct search {
	const char *root;
	char **dirs; /* resolved, deduplicated search path */
	size_t n_dirs;
	struct name_entry *names;
	size_t n_names;
	struct diag *d;
};

static const struct name_entry *lookup(const struct search *s, const char *name)
{
	for (size_t i = 0; i < s->n_names; i++)
		if (strcmp(s->names[i].name, name) == 0)
			return &s->names[i];
	return NULL;
}

static bool in_search_path(const struct search *s, const char *path)
{
	for (size_t i = 0; i < s->n_dirs; i++) {
		size_t n = strlen(s->dirs[i]);
		if (strncmp(path, s->dirs[i], n) == 0 && path[n] == '/')
			return true;
	}
	return false;
}

static int cmp_name_entry(const void *a, const void *b)
{
	return strcmp(((const struct name_entry *)a)->name, ((const struct name_entry *)b)->name);
}

/* The search path below ROOT, each directory resolved inside ROOT and listed once (lookup_paths_reduce),
 * and the name map: each unit name with the first directory that has it. */
static void search_init(struct search *s, const char *root, struct diag *d)
{
	*s = (struct search){ .root = root, .d = d };
	for (size_t i = 0; i < sizeof unit_dirs / sizeof *unit_dirs; i++) {
		char *res;
		bool devnull;
		if (chase(root, unit_dirs[i], &res, &devnull) < 0 || devnull) {
			continue;
		}
		bool dup = false;
		for (size_t j = 0; j < s->n_dirs; j++)
			dup = dup || strcmp(s->dirs[j], res) == 0;
		if (dup) {
			free(res);
			continue;
		}
		s->dirs = xreallocarray(s->dirs, s->n_dirs + 1, sizeof *s->dirs);
		s->dirs[s->n_dirs++] = res;
	}
	for (size_t i = 0; i < s->n_dirs; i++) {
		char *full = root_join(root, s->dirs[i]);
		DIR *dp = opendir(full);
		free(full);
		if (!dp)
			continue;
		size_t start = s->n_names;
		struct dirent *de;
		while ((de = readdir(dp))) {
			if (!valid_unit_name(de->d_name) || lookup(s, de->d_name))
				continue;
			s->names = xreallocarray(s->names, s->n_names + 1, sizeof *s->names);
			s->names[s->n_names++] = (struct name_entry){
				.name = xstrdup(de->d_name),
				.path = xasprintf("%s/%s", s->dirs[i], de->d_name),
				.dir = i,
			};
		}
		closedir(dp);
		/* readdir order is the file system's; sort each directory for stable results */
		if (s->n_names > start)
			qsort(s->names + start, s->n_names - start, sizeof *s->names, cmp_name_entry);
	}
}

static void search_free(struct search *s)
{
	for (size_t i = 0; i < s->n_dirs; i++)
		free(s->dirs[i]);
	free(s->dirs);
	for (size_t i = 0; i < s->n_names; i++) {
		free(s->names[i].name);
		free(s->names[i].path);
	}
	free(s->names);
}

enum link_kind { LINK_NONE, LINK_MASKED, LINK_ALIAS, LINK_LINKED, LINK_BROKEN };

/* What a name-map entry is: a plain file, a mask, an alias of another name (a symlink whose
 * target lies in the search path: systemd follows it by name), or a linked file (elsewhere).
 * *OUT gets the alias's target name or the linked file's resolved path. */
static enum link_kind classify(const struct search *s, const struct name_entry *e, char **out)
{
	*out = NULL;
	char *full = root_join(s->root, e->path);
	struct stat st;
	char target[PATH_MAX];
	ssize_t tn = -1;
	if (lstat(full, &st) == 0 && S_ISLNK(st.st_mode))
		tn = readlink(full, target, sizeof target - 1);
	free(full);
	if (tn < 0)
		return LINK_NONE;
	target[tn] = '\0';
	if (strcmp(target, "/dev/null") == 0)
		return LINK_MASKED;
	char *abs = target[0] == '/' ? xstrdup(target) : xasprintf("%s/%s", s->dirs[e->dir], target);
	char *res;
	bool devnull;
	int r = chase(s->root, abs, &res, &devnull);
	free(abs);
	if (r < 0)
		return LINK_BROKEN;
	if (devnull) {
		free(res);
		return LINK_MASKED;
	}
	if (in_search_path(s, res)) {
		const char *base = strrchr(res, '/') + 1;
		if (strcmp(base, e->name) != 0 && valid_unit_name(base)) {
			*out = xstrdup(base);
			free(res);
			return LINK_ALIAS;
		}
	}
	*out = res;
	return LINK_LINKED;
}

/* Follows NAME through aliases to the entry that holds the unit. Appends each name met to
 * NAMES. Returns the final entry, or NULL (not found, or an alias loop). */
static const struct name_entry *resolve_name(const struct search *s, const char *name, struct strlist *names)
{
	char *cur = xstrdup(name);
	const struct name_entry *found = NULL;
	for (unsigned hops = 0; hops < 32; hops++) {
		if (!strlist_contains(names, cur))
			strlist_push(names, cur);
		const struct name_entry *e = lookup(s, cur);
		if (!e)
			break;
		char *next;
		if (classify(s, e, &next) != LINK_ALIAS) {
			free(next);
			found = e;
			break;
		}
		/* an alias: its target name is looked up again through the whole search path */
		free(cur);
		cur = next;
	}
	free(cur);
	return found;
}

static void add_dir(const struct search *s, const char *rel, struct strlist *dirs)
{
	char *res;
	bool devnull;
	if (chase(s->root, rel, &res, &devnull) < 0 || devnull) {
		return;
	}
	char *full = root_join(s->root, res);
	struct stat st;
	if (stat(full, &st) == 0 && S_ISDIR(st.st_mode) && !strlist_contains(dirs, res))
		strlist_push(dirs, res);
	free(full);
	free(res);
}

/* unit_file_find_dirs(): DIR/NAME.d, then the template's, then each dash prefix's
 * ("foo-bar-baz.service" → "foo-bar-.service", "foo-.service"), most specific first. */
static void find_dirs(const struct search *s, const char *dir, const char *name, struct strlist *dirs)
{
	char *p = xasprintf("%s/%s.d", dir, name);
	add_dir(s, p, dirs);
	free(p);
	char *tmpl = template_of(name);
	if (tmpl) {
		find_dirs(s, dir, tmpl, dirs);
		free(tmpl);
	}
	const char *type = unit_type_of(name);
	if (!type) /* a bare type name ("service") is the top-level drop-in */
		return;
	size_t plen = strcspn(name, "@");
	const char *dot = strrchr(name, '.');
	if ((size_t)(dot - name) < plen)
		plen = (size_t)(dot - name);
	char *prefix = xasprintf("%.*s", (int)plen, name);
	bool chopped = false;
	for (;;) {
		char *dash = strrchr(prefix, '-');
		if (!dash || dash == prefix) {
			free(prefix);
			return;
		}
		if (dash[1] != '\0' || chopped) {
			dash[1] = '\0';
			break;
		}
		*dash = '\0'; /* a trailing dash: chop it and look further, once */
		chopped = true;
	}
	char *built = xasprintf("%s.%s", prefix, type);
	free(prefix);
	find_dirs(s, dir, built, dirs);
	free(built);
}

static int cmp_base(const void *a, const void *b)
{
	const char *x = strrchr(*(char *const *)a, '/'), *y = strrchr(*(char *const *)b, '/');
	return strcmp(x + 1, y + 1);
}

/* Every *.conf of DIRS, one per file name (the first directory's wins), sorted by file name. */
static void collect_dropins(const struct search *s, const struct strlist *dirs, struct strlist *files)
{
	for (size_t i = 0; i < dirs->n; i++) {
		char *full = root_join(s->root, dirs->v[i]);
		DIR *dp = opendir(full);
		free(full);
		if (!dp)
			continue;
		struct dirent *de;
		while ((de = readdir(dp))) {
			if (de->d_name[0] == '.' || !str_has_suffix(de->d_name, ".conf"))
				continue;
			if (de->d_type != DT_REG && de->d_type != DT_LNK && de->d_type != DT_UNKNOWN)
				continue;
			bool seen = false;
			for (size_t j = 0; j < files->n && !seen; j++)
				seen = strcmp(strrchr(files->v[j], '/') + 1, de->d_name) == 0;
			if (seen)
				continue;
			char *p = xasprintf("%s/%s", dirs->v[i], de->d_name);
			strlist_push(files, p);
			free(p);
		}
		closedir(dp);
	}
	if (files->n)
		qsort(files->v, files->n, sizeof *files->v, cmp_base);
}

/* Reads REL (inside the root, symlinks resolved inside it). A link to /dev/null reads as empty.
 * Returns 0, 1 if the file does not exist, -1 on another error (message in D). */
static int read_in_root(const struct search *s, const char *rel, struct buf *out, char **shown)
{
	char *res;
	bool devnull;
	*shown = root_join(s->root, rel);
	int r = chase(s->root, rel, &res, &devnull);
	if (r == -ENOENT)
		return 1;
	if (r < 0) {
		diag_error(s->d, *shown, 0, "cannot resolve: %s", strerror(-r));
		return -1;
	}
	if (devnull) {
		free(res);
		buf_puts(out, "");
		return 0;
	}
	char *full = root_join(s->root, res);
	free(res);
	int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	free(full);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_error(s->d, *shown, 0, "cannot read: %s", fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((unsigned long long)st.st_size > UNIT_FILE_MAX) {
		diag_error(s->d, *shown, 0, "larger than %u bytes, refusing to read", UNIT_FILE_MAX);
		close(fd);
		return -1;
	}
	buf_puts(out, "");
	char chunk[8192];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0 && out->len + (size_t)n <= UNIT_FILE_MAX)
		buf_append(out, chunk, (size_t)n);
	int err = n < 0 ? errno : 0;
	close(fd);
	if (err) {
		diag_error(s->d, *shown, 0, "cannot read: %s", strerror(err));
		return -1;
	}
	return 0;
}

/* Adds the other names of the unit: aliases (name-map symlinks that end at FINAL), for an
 * instance in the instance's form. */
static void add_aliases(const struct search *s, const char *final, const char *instance, struct strlist *names)
{
	for (size_t i = 0; i < s->n_names; i++) {
		struct strlist chain = { 0 };
		const struct name_entry *e = resolve_name(s, s->names[i].name, &chain);
		if (e && strcmp(e->name, final) == 0) {
			for (size_t j = 0; j < chain.n; j++) {
				char *n = instance ? instantiate(chain.v[j], instance) : xstrdup(chain.v[j]);
				if (!strlist_contains(names, n))
					strlist_push(names, n);
				free(n);
			}
		}
		strlist_free(&chain);
	}
}

struct unitfile *unitfile_load_root(const char *root_arg, const char *name, struct diag *d)
{
	if (!valid_unit_name(name)) {
		diag_error(d, NULL, 0, "'%s' is not a valid unit name", name);
		return NULL;
	}
	/* "/" and "" mean the host; a trailing slash would double the separator in messages */
	char *root = xstrdup(root_arg ? root_arg : "");
	size_t rl = strlen(root);
	while (rl && root[rl - 1] == '/')
		root[--rl] = '\0';
	struct search s;
	search_init(&s, root, d);

	struct strlist names = { 0 };
	const struct name_entry *e = resolve_name(&s, name, &names);
	char *tmpl = NULL;
	const char *instance = NULL;
	if (!e && (tmpl = template_of(name))) {
		struct strlist tnames = { 0 };
		e = resolve_name(&s, tmpl, &tnames);
		for (size_t i = 0; i < tnames.n; i++) {
			char *n = instantiate(tnames.v[i], name);
			if (!strlist_contains(&names, n))
				strlist_push(&names, n);
			free(n);
		}
		strlist_free(&tnames);
		instance = name;
	}
	struct unitfile *u = NULL;
	if (!e) {
		diag_error(d, NULL, 0, "unit %s not found below %s", name, *root ? root : "/");
		goto out;
	}
	add_aliases(&s, e->name, instance, &names);

	u = unitfile_new(name);
	char *linked;
	enum link_kind kind = classify(&s, e, &linked);
	const char *frag = kind == LINK_LINKED ? linked : e->path;
	if (kind == LINK_MASKED) {
		u->masked = true;
		goto out;
	}
	struct buf text = { 0 };
	char *shown;
	int r = kind == LINK_BROKEN ? 1 : read_in_root(&s, frag, &text, &shown);
	if (kind == LINK_BROKEN)
		shown = root_join(root, e->path);
	if (r == 0 && text.len == 0) {
		u->masked = true; /* an empty unit file masks the unit, as a link to /dev/null does */
	} else if (r == 0) {
		unitfile_apply(u, shown, text.data, text.len, d);
	} else {
		if (r > 0)
			diag_error(d, shown, 0, "unit file does not resolve inside %s", *root ? root : "/");
		unitfile_free(u);
		u = NULL;
	}
	free(shown);
	free(linked);
	buf_free(&text);
	if (!u || u->masked)
		goto out;

	/* drop-in directories: per name, per search directory; then the type's, most generic last */
	struct strlist dirs = { 0 }, files = { 0 };
	for (size_t i = 0; i < names.n; i++)
		for (size_t j = 0; j < s.n_dirs; j++)
			find_dirs(&s, s.dirs[j], names.v[i], &dirs);
	for (size_t j = 0; j < s.n_dirs; j++) {
		char *p = xasprintf("%s/%s.d", s.dirs[j], unit_type_of(name));
		add_dir(&s, p, &dirs);
		free(p);
	}
	collect_dropins(&s, &dirs, &files);
	for (size_t i = 0; i < files.n && u; i++) {
		struct buf dt = { 0 };
		char *dshown;
		r = read_in_root(&s, files.v[i], &dt, &dshown);
		if (r == 0 && dt.len)
			unitfile_apply(u, dshown, dt.data, dt.len, d);
		else if (r < 0) {
			unitfile_free(u);
			u = NULL;
		}
		/* r > 0: a dangling drop-in link, which systemd skips too */
		free(dshown);
		buf_free(&dt);
	}
	strlist_free(&dirs);
	strlist_free(&files);
out:
	free(tmpl);
	strlist_free(&names);
	search_free(&s);
	free(root);
	return u;
}
