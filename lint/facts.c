/* facts: gathering one package's facts; see facts.h. Which files are kept and what role they
 * play are the tables below; the readers (confread, unitfile, aaprofile) do the parsing. */
#include "facts.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"

/* Where systemd looks for units, highest precedence first (systemd.unit(5), "Unit File Load
 * Path"); Debian 12 packages still ship most units in lib/systemd/system. */
static const char *const unit_dirs[] = { "etc/systemd/system", "run/systemd/system", "usr/local/lib/systemd/system",
					 "usr/lib/systemd/system", "lib/systemd/system", NULL };
static const char *const unit_types[] = { ".service", ".socket", ".timer", ".path", ".mount", ".target", NULL };

static const struct {
	const char *glob;
	enum file_role role;
} role_globs[] = {
	{ "etc/apparmor.d/*", ROLE_PROFILE },
	{ "etc/default/*", ROLE_DEFAULT },
	{ "etc/crontab", ROLE_CRON },
	{ "etc/cron.d/*", ROLE_CRON },
	{ "etc/cron.hourly/*", ROLE_CRON },
	{ "etc/cron.daily/*", ROLE_CRON },
	{ "etc/cron.weekly/*", ROLE_CRON },
	{ "etc/cron.monthly/*", ROLE_CRON },
	{ "var/spool/cron/crontabs/*", ROLE_CRON },
	{ "etc/nftables.conf", ROLE_NFTABLES },
	{ "etc/nftables.d/*", ROLE_NFTABLES },
	{ "etc/nftables.d/*/*", ROLE_NFTABLES },
	{ "etc/*.nft", ROLE_NFTABLES },
	{ "etc/*/*.nft", ROLE_NFTABLES },
	{ "etc/iptables/rules.v4", ROLE_IPTABLES },
	{ "etc/iptables/rules.v6", ROLE_IPTABLES },
	{ "etc/sysconfig/iptables", ROLE_IPTABLES },
	{ "etc/sysconfig/ip6tables", ROLE_IPTABLES },
	{ "usr/share/hardenkit/waivers/*.conf", ROLE_WAIVER },
	{ "etc/init.d/*", ROLE_INIT },
};

/* Package metadata that holds scripts: Debian's control.tar, Arch's .INSTALL, Alpine's. */
static const char *const script_names[] = { "preinst", "postinst", "prerm", "postrm", "config", ".INSTALL",
					    ".pre-install", ".post-install", ".pre-upgrade", ".post-upgrade",
					    ".pre-deinstall", ".post-deinstall", ".trigger", "%pretrans", "%pre",
					    "%post", "%preun", "%postun", "%posttrans", NULL };
/* "header": an .rpm header's name and version, as the reader presents them */
static const char *const control_names[] = { "control", ".PKGINFO", "header", NULL };

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static bool has_suffix_in(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (str_has_suffix(s, list[i]))
			return true;
	return false;
}

static bool dir_is(const char *path, size_t dirlen, const char *dir)
{
	return strlen(dir) == dirlen && strncmp(path, dir, dirlen) == 0;
}

static bool in_unit_dir(const char *path, size_t dirlen)
{
	for (size_t i = 0; unit_dirs[i]; i++)
		if (dir_is(path, dirlen, unit_dirs[i]))
			return true;
	return false;
}

/* A unit file (DIR/NAME.TYPE) or a drop-in (DIR/NAME.TYPE.d/X.conf). */
static bool is_unit_path(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return false;
	size_t dirlen = (size_t)(slash - path);
	if (in_unit_dir(path, dirlen))
		return has_suffix_in(path, unit_types);
	if (!str_has_suffix(path, ".conf") || dirlen < 3 || strncmp(slash - 2, ".d", 2) != 0)
		return false;
	const char *up = slash - 2;
	while (up > path && up[-1] != '/')
		up--;
	return up > path && in_unit_dir(path, (size_t)(up - 1 - path));
}

/* How specific a glob is: its literal characters. /etc/default/slapd (slapd's dialect) beats
 * the generic default dialect's /etc/default/ glob for etc/default/slapd. */
static size_t literal_length(const char *glob)
{
	size_t n = 0;
	for (; *glob; glob++)
		n += !strchr("*?[]", *glob);
	return n;
}

const struct dialect *facts_dialect_of(const struct dialect_set *ds, const char *path)
{
	char *abs = xasprintf("/%s", path);
	const struct dialect *found = NULL;
	size_t best = 0;
	for (size_t i = 0; i < ds->n; i++) {
		for (size_t k = 0; k < ds->v[i]->files.n; k++) {
			const char *g = ds->v[i]->files.v[k];
			if (fnmatch(g, abs, FNM_PATHNAME) == 0 && (!found || literal_length(g) > best)) {
				found = ds->v[i];
				best = literal_length(g);
			}
		}
	}
	free(abs);
	return found;
}

static enum file_role role_of(const char *path, enum member_part part)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (part == PART_CONTROL)
		return in_list(script_names, base) || str_has_prefix(base, "%trigger-") ? ROLE_SCRIPT
		       : in_list(control_names, base)					? ROLE_CONTROL
											: ROLE_NONE;
	if (is_unit_path(path))
		return ROLE_UNIT;
	for (size_t i = 0; i < sizeof role_globs / sizeof *role_globs; i++)
		if (fnmatch(role_globs[i].glob, path, FNM_PATHNAME) == 0)
			return role_globs[i].role;
	return ROLE_NONE;
}

/* A file given alone is placed where it would be installed, so that the same rules apply:
 * units by suffix, profiles and rulesets by their text, configs by their dialect's file names
 * (an exact name before a glob). */
static char *place_single(const struct dialect_set *ds, const char *base, const char *text)
{
	if (has_suffix_in(base, unit_types))
		return xasprintf("usr/lib/systemd/system/%s", base);
	if (str_has_suffix(base, ".nft"))
		return xasprintf("etc/nftables.d/%s", base);
	if (text && (strstr(text, "\nprofile ") || strncmp(text, "profile ", 8) == 0 || strstr(text, "#include <tunables/") ||
		     strstr(text, "include <tunables/")))
		return xasprintf("etc/apparmor.d/%s", base);
	for (int exact = 1; exact >= 0; exact--) {
		for (size_t i = 0; i < ds->n; i++) {
			for (size_t k = 0; k < ds->v[i]->files.n; k++) {
				const char *g = ds->v[i]->files.v[k];
				const char *gb = strrchr(g, '/') + 1;
				bool wild_dir = strpbrk(g, "*?[") && strpbrk(g, "*?[") < gb;
				if (wild_dir || (exact ? strcmp(gb, base) != 0 : fnmatch(gb, base, 0) != 0))
					continue;
				return xasprintf("%.*s%s", (int)(gb - g - 1), g + 1, base);
			}
		}
	}
	return xstrdup(base);
}

static char *shown_path(const struct facts *f, const struct member *m)
{
	if (m->part == PART_CONTROL && f->stats.kind == INPUT_DEB)
		return xasprintf("DEBIAN/%s", m->path);
	return xstrdup(m->path);
}

static enum member_want want(void *ctx, const struct member *m)
{
	struct facts *f = ctx;
	if (m->part == PART_SINGLE)
		return WANT_TEXT;
	enum file_role role = role_of(m->path, m->part);
	if (role != ROLE_NONE)
		return WANT_TEXT;
	if (m->part == PART_DATA && facts_dialect_of(f->dialects, m->path))
		return WANT_TEXT;
	/* scripts come before the data in every package format, so their ucf calls are known */
	const struct install *in = m->part == PART_DATA ? installs_find(&f->installs, m->path) : NULL;
	if (in && facts_dialect_of(f->dialects, in->dest))
		return WANT_TEXT;
	if (m->part == PART_DATA && (m->mode & 0111) && m->size >= 64)
		return WANT_ELF;
	return WANT_NONE;
}

static void member(void *ctx, const struct member *m, struct member_content *c)
{
	struct facts *f = ctx;
	if (f->n_files == f->cap_files) {
		f->cap_files = f->cap_files ? 2 * f->cap_files : 64;
		f->files = xreallocarray(f->files, f->cap_files, sizeof *f->files);
	}
	struct fact_file *ff = &f->files[f->n_files++];
	memset(ff, 0, sizeof *ff);
	if (m->part == PART_SINGLE) {
		ff->path = place_single(f->dialects, m->path, c->text);
		f->display = f->input;
	} else {
		ff->path = shown_path(f, m);
	}
	ff->type = m->type;
	ff->part = m->part == PART_SINGLE ? PART_DATA : m->part;
	ff->role = role_of(m->part == PART_SINGLE ? ff->path : m->path, ff->part);
	ff->mode = m->mode;
	ff->uid = m->uid;
	ff->gid = m->gid;
	ff->size = m->size;
	ff->link = m->link ? xstrdup(m->link) : NULL;
	if (c->text) {
		ff->text = c->text;
		ff->len = c->len;
		ff->truncated = c->truncated;
		c->text = NULL; /* ours now */
	}
	if (c->elf) {
		ff->elf_read = true;
		ff->elf = *c->elf;
	}
	if (ff->role == ROLE_SCRIPT && ff->text)
		installs_scan(&f->installs, ff->path, ff->text);
}

static int cmp_files(const void *a, const void *b)
{
	return strcmp(((const struct fact_file *)a)->path, ((const struct fact_file *)b)->path);
}

const struct fact_file *facts_file(const struct facts *f, const char *path)
{
	struct fact_file key = { .path = (char *)path };
	return f->n_files ? bsearch(&key, f->files, f->n_files, sizeof *f->files, cmp_files) : NULL;
}

const char *facts_shown(const struct facts *f, const char *path)
{
	return f->display ? f->display : path;
}

/* "Package: x" / "pkgname = x" lines of the metadata. */
static char *field(const char *text, const char *name, const char *sep)
{
	size_t n = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, name, n) == 0 && strncmp(p + n, sep, strlen(sep)) == 0) {
			const char *v = p + n + strlen(sep);
			while (*v == ' ')
				v++;
			return xasprintf("%.*s", (int)strcspn(v, "\r\n"), v);
		}
	}
	return NULL;
}

static void read_metadata(struct facts *f)
{
	for (size_t i = 0; i < f->n_files && !f->name; i++) {
		const struct fact_file *ff = &f->files[i];
		if (ff->role != ROLE_CONTROL || !ff->text)
			continue;
		bool deb = !str_has_suffix(ff->path, ".PKGINFO"); /* DEBIAN/control, RPM/header */
		f->name = field(ff->text, deb ? "Package" : "pkgname", deb ? ":" : " =");
		f->version = field(ff->text, deb ? "Version" : "pkgver", deb ? ":" : " =");
	}
	if (!f->name) {
		/* a plain archive or a tree: its own name */
		const char *base = strrchr(f->input, '/');
		base = base ? base + 1 : f->input;
		size_t n = strlen(base);
		while (n > 1 && base[n - 1] == '/')
			n--;
		f->name = xasprintf("%.*s", (int)n, base);
	}
}

/* Units: the main file from the highest-precedence directory that has it, then the drop-ins
 * of every directory by file name, a name in a higher-precedence directory hiding the same
 * name below (systemd.unit(5)). */
static int dir_rank(const char *path, size_t dirlen)
{
	for (int i = 0; unit_dirs[i]; i++)
		if (dir_is(path, dirlen, unit_dirs[i]))
			return i;
	return -1;
}

struct dropin {
	const char *base;
	size_t file;
	int rank;
};

static int cmp_dropins(const void *a, const void *b)
{
	const struct dropin *x = a, *y = b;
	int c = strcmp(x->base, y->base);
	return c ? c : x->rank - y->rank;
}

static void build_units(struct facts *f)
{
	struct strlist names = { 0 };
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (ff->role != ROLE_UNIT)
			continue;
		const char *slash = strrchr(ff->path, '/');
		char *name;
		if (in_unit_dir(ff->path, (size_t)(slash - ff->path)))
			name = xstrdup(slash + 1);
		else {
			const char *d = slash - 2, *s = d;
			while (s > ff->path && s[-1] != '/')
				s--;
			name = xasprintf("%.*s", (int)(d - s), s);
		}
		if (!strlist_contains(&names, name))
			strlist_push(&names, name);
		free(name);
	}
	f->units = xcalloc(names.n, sizeof *f->units);
	for (size_t k = 0; k < names.n; k++) {
		const char *name = names.v[k];
		struct fact_unit *fu = &f->units[f->n_units];
		struct unitfile *u = unitfile_new(name);
		int best = -1;
		struct dropin *drops = NULL;
		size_t n_drops = 0;
		for (size_t i = 0; i < f->n_files; i++) {
			const struct fact_file *ff = &f->files[i];
			if (ff->role != ROLE_UNIT || !ff->text)
				continue;
			const char *slash = strrchr(ff->path, '/');
			size_t dirlen = (size_t)(slash - ff->path);
			if (strcmp(slash + 1, name) == 0 && in_unit_dir(ff->path, dirlen)) {
				int r = dir_rank(ff->path, dirlen);
				if (ff->type == MEMBER_FILE && (best < 0 || r < best)) {
					best = r;
					fu->main_file = i;
					fu->has_main = true;
				}
				continue;
			}
			size_t nl = strlen(name);
			if (dirlen > nl + 2 && strncmp(slash - 2, ".d", 2) == 0 && strncmp(slash - 2 - nl, name, nl) == 0 &&
			    slash[-3 - (long)nl] == '/') {
				drops = xreallocarray(drops, n_drops + 1, sizeof *drops);
				drops[n_drops++] = (struct dropin){ slash + 1, i, dir_rank(ff->path, (size_t)(slash - 3 - nl - ff->path)) };
			}
		}
		if (n_drops)
			qsort(drops, n_drops, sizeof *drops, cmp_dropins);
		struct diag *d = &f->notes;
		if (fu->has_main) {
			const struct fact_file *mf = &f->files[fu->main_file];
			unitfile_apply(u, facts_shown(f, mf->path), mf->text, mf->len, d);
		}
		for (size_t i = 0; i < n_drops; i++) {
			if (i && strcmp(drops[i].base, drops[i - 1].base) == 0)
				continue; /* hidden by the same name in a higher-precedence directory */
			const struct fact_file *df = &f->files[drops[i].file];
			unitfile_apply(u, facts_shown(f, df->path), df->text, df->len, d);
		}
		free(drops);
		fu->u = u;
		fu->type = strrchr(u->name, '.') ? strrchr(u->name, '.') + 1 : "";
		f->n_units++;
	}
	strlist_free(&names);
}

static void read_configs(struct facts *f)
{
	f->configs = xcalloc(f->n_files ? f->n_files : 1, sizeof *f->configs);
	size_t used = 0;
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (!ff->text || ff->part != PART_DATA || ff->role == ROLE_UNIT || ff->role == ROLE_PROFILE)
			continue;
		const struct dialect *dl = facts_dialect_of(f->dialects, ff->path);
		const struct install *installed = dl ? NULL : installs_find(&f->installs, ff->path);
		if (installed)
			dl = facts_dialect_of(f->dialects, installed->dest);
		if (!dl)
			continue;
		struct fact_config *c = &f->configs[f->n_configs++];
		c->dl = dl;
		c->file = i;
		c->installed = installed;
		c->doc.max = FACTS_MAX_DIRECTIVES - used;
		conf_read(dl, ff->text, &c->doc);
		used += c->doc.n;
		if (c->doc.cut)
			diag_add(&f->notes, DIAG_NOTE, facts_shown(f, ff->path), 0,
				 "more than %u settings in the package's configs: the rest of this file is not judged",
				 FACTS_MAX_DIRECTIVES);
		if (used >= FACTS_MAX_DIRECTIVES)
			break;
	}
}

const char *facts_config_path(const struct facts *f, const struct fact_config *c)
{
	return c->installed ? c->installed->dest : f->files[c->file].path;
}

static void read_profiles(struct facts *f)
{
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (ff->role != ROLE_PROFILE || !ff->text || ff->type != MEMBER_FILE)
			continue;
		struct aa_profiles ps = { 0 };
		aa_parse(ff->text, &ps);
		f->profiles = xreallocarray(f->profiles, f->n_profiles + ps.n + 1, sizeof *f->profiles);
		size_t base = f->n_profiles;
		for (size_t k = 0; k < ps.n; k++) {
			f->profiles[f->n_profiles] = (struct fact_profile){ ps.v[k], i };
			if (ps.v[k].parent != (size_t)-1)
				f->profiles[f->n_profiles].p.parent = base + ps.v[k].parent;
			f->n_profiles++;
		}
		free(ps.v); /* the strings moved into the facts */
	}
}

int facts_gather(struct facts *f, const char *input, const struct dialect_set *dialects,
		 const struct lint_data *data, struct diag *d)
{
	memset(f, 0, sizeof *f);
	f->input = input;
	f->dialects = dialects;
	f->data = data;
	diag_init(&f->notes);
	static const struct walk_ops ops = { want, member };
	if (archive_walk(input, &ops, f, &f->stats, d) != 0)
		return -1;
	f->kind = f->stats.kind;
	if (f->n_files)
		qsort(f->files, f->n_files, sizeof *f->files, cmp_files);
	for (size_t i = 0; i < f->n_files; i++)
		if (f->files[i].truncated)
			diag_add(&f->notes, DIAG_NOTE, facts_shown(f, f->files[i].path), 0,
				 "longer than %u KiB: only its beginning is judged", WALK_FILE_CAP >> 10);
	read_metadata(f);
	read_configs(f);
	build_units(f);
	read_profiles(f);
	return 0;
}

void facts_free(struct facts *f)
{
	for (size_t i = 0; i < f->n_files; i++) {
		free(f->files[i].path);
		free(f->files[i].link);
		free(f->files[i].text);
	}
	free(f->files);
	for (size_t i = 0; i < f->n_configs; i++)
		conf_doc_free(&f->configs[i].doc);
	free(f->configs);
	for (size_t i = 0; i < f->n_units; i++)
		unitfile_free(f->units[i].u);
	free(f->units);
	for (size_t i = 0; i < f->n_profiles; i++) {
		free(f->profiles[i].p.name);
		free(f->profiles[i].p.attach);
		strlist_free(&f->profiles[i].p.flags);
	}
	free(f->profiles);
	installs_free(&f->installs);
	free(f->name);
	free(f->version);
	diag_free(&f->notes);
	memset(f, 0, sizeof *f);
}
