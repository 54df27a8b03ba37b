/* shard: grouping the input by package name and dealing the groups by size; see shard.h. */
#include "shard.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/util.h"

bool shard_parse(const char *s, unsigned *i, unsigned *n)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10);
	if (end == s || *end != '/')
		return false;
	const char *b = end + 1;
	unsigned long c = strtoul(b, &end, 10);
	if (end == b || *end || a < 1 || c < 1 || a > c || c > 4096)
		return false;
	*i = (unsigned)a;
	*n = (unsigned)c;
	return true;
}

/* Drops COUNT trailing "-part"s of S (of length *LEN): RPM's version-release, Arch's
 * pkgver-pkgrel-arch, Alpine's version-rN. */
static void drop_dashes(const char *s, size_t *len, int count)
{
	for (int k = 0; k < count; k++) {
		size_t i = *len;
		while (i && s[i - 1] != '-')
			i--;
		if (i <= 1)
			return;
		*len = i - 1;
	}
}

char *shard_package_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t len = strlen(base);
	const char *pkgtar = strstr(base, ".pkg.tar");
	if (str_has_suffix(base, ".deb") || str_has_suffix(base, ".udeb") || str_has_suffix(base, ".ddeb")) {
		len = strcspn(base, "_"); /* name_version_arch.deb */
	} else if (str_has_suffix(base, ".rpm")) {
		len -= 4;
		const char *dot = memrchr(base, '.', len); /* .arch */
		if (dot)
			len = (size_t)(dot - base);
		drop_dashes(base, &len, 2);
	} else if (pkgtar) {
		len = (size_t)(pkgtar - base);
		drop_dashes(base, &len, 3);
	} else if (str_has_suffix(base, ".apk")) {
		len -= 4;
		drop_dashes(base, &len, 2);
	}
	return xasprintf("%.*s", (int)len, base);
}

struct item {
	char *name;
	long long size;
	size_t index;
};

struct group {
	const char *name;
	long long size;
	size_t first, count; /* into the items sorted by name */
	unsigned shard;
};

static int by_name(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->index < y->index ? -1 : x->index > y->index;
}

static int heaviest_first(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int by_index(const void *a, const void *b)
{
	const long long *x = a, *y = b;
	return *x < *y ? -1 : *x > *y;
}

void shard_select(struct inputs *in, unsigned which, unsigned n, struct shard_part *out, bool *failed)
{
	memset(out, 0, sizeof *out);
	struct strlist paths = { 0 };
	struct item *items = NULL;
	size_t cap = 0;
	char *p;
	while ((p = inputs_next(in, failed))) {
		if (paths.n == cap) {
			cap = cap ? 2 * cap : 1024;
			items = xreallocarray(items, cap, sizeof *items);
		}
		struct stat st;
		items[paths.n] = (struct item){ shard_package_name(p), stat(p, &st) == 0 ? (long long)st.st_size : 0, paths.n };
		strlist_push(&paths, p);
		free(p);
	}
	size_t total = paths.n;
	if (total)
		qsort(items, total, sizeof *items, by_name);
	struct group *groups = xcalloc(total ? total : 1, sizeof *groups);
	size_t ng = 0;
	for (size_t i = 0; i < total; i++) {
		if (!ng || strcmp(groups[ng - 1].name, items[i].name) != 0)
			groups[ng++] = (struct group){ items[i].name, 0, i, 0, 0 };
		groups[ng - 1].size += items[i].size;
		groups[ng - 1].count++;
	}
	struct group *order = xcalloc(ng ? ng : 1, sizeof *order);
	if (ng)
		memcpy(order, groups, ng * sizeof *order);
	if (ng)
		qsort(order, ng, sizeof *order, heaviest_first);
	long long *load = xcalloc(n, sizeof *load);
	long long *mine = xcalloc(total ? total : 1, sizeof *mine);
	size_t nmine = 0;
	for (size_t g = 0; g < ng; g++) {
		unsigned best = 0;
		for (unsigned s = 1; s < n; s++)
			if (load[s] < load[best])
				best = s;
		load[best] += order[g].size ? order[g].size : 1;
		if (best + 1 == which)
			for (size_t k = 0; k < order[g].count; k++)
				mine[nmine++] = (long long)items[order[g].first + k].index;
	}
	if (nmine)
		qsort(mine, nmine, sizeof *mine, by_index);
	out->paths = xcalloc(nmine ? nmine : 1, sizeof *out->paths);
	out->index = mine;
	out->n = nmine;
	out->total = total;
	for (size_t k = 0; k < nmine; k++) {
		out->paths[k] = paths.v[mine[k]];
		paths.v[mine[k]] = NULL;
	}
	strlist_free(&paths);
	for (size_t i = 0; i < total; i++)
		free(items[i].name);
	free(items);
	free(groups);
	free(order);
	free(load);
}

void shard_part_free(struct shard_part *p)
{
	for (size_t i = 0; i < p->n; i++)
		free(p->paths[i]);
	free(p->paths);
	free(p->index);
	memset(p, 0, sizeof *p);
}
