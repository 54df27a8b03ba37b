/* inputs: the sources of a lint run's paths, read lazily; see inputs.h. */
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum source_kind { SOURCE_PATH, SOURCE_LIST, SOURCE_POOL };

struct pool_level {
	char *dir;
	struct dirent **names;
	int n, next;
};

struct source {
	enum source_kind kind;
	char *arg;
	FILE *list; /* SOURCE_LIST: opened by inputs_add_list */
	bool nul, started;
	size_t line;
	struct pool_level *stack; /* SOURCE_POOL: the directories being walked */
	size_t depth, cap;
};

struct inputs {
	struct source *v;
	size_t n, cur;
	char *line;
	size_t line_cap;
};

struct inputs *inputs_new(void)
{
	return xcalloc(1, sizeof(struct inputs));
}

static struct source *add(struct inputs *in, enum source_kind kind, const char *arg)
{
	in->v = xreallocarray(in->v, in->n + 1, sizeof *in->v);
	struct source *s = &in->v[in->n++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->arg = xstrdup(arg);
	return s;
}

void inputs_add_path(struct inputs *in, const char *path)
{
	add(in, SOURCE_PATH, path);
}

bool inputs_add_list(struct inputs *in, const char *file, bool nul)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "re");
	if (!f) {
		fprintf(stderr, "hardenkit lint: %s: cannot open: %s\n", file, strerror(errno));
		return false;
	}
	struct source *s = add(in, SOURCE_LIST, file);
	s->list = f;
	s->nul = nul;
	return true;
}

bool inputs_add_pool(struct inputs *in, const char *dir)
{
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "hardenkit lint: %s: %s\n", dir, errno && !S_ISDIR(st.st_mode) ? "not a directory" : strerror(errno));
		return false;
	}
	add(in, SOURCE_POOL, dir);
	return true;
}

bool inputs_empty(const struct inputs *in)
{
	return in->n == 0;
}

bool inputs_is_package(const char *name)
{
	static const char *const suffixes[] = { ".deb", ".udeb", ".ddeb", ".rpm", ".apk", NULL };
	for (size_t i = 0; suffixes[i]; i++)
		if (str_has_suffix(name, suffixes[i]))
			return true;
	return strstr(name, ".pkg.tar.") != NULL && !str_has_suffix(name, ".sig");
}

static int skip_dots(const struct dirent *e)
{
	return strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
}

static bool push_dir(struct source *s, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, skip_dots, alphasort);
	if (n < 0) {
		fprintf(stderr, "hardenkit lint: %s: cannot read the directory: %s\n", dir, strerror(errno));
		return false;
	}
	if (s->depth == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->stack = xreallocarray(s->stack, s->cap, sizeof *s->stack);
	}
	s->stack[s->depth++] = (struct pool_level){ xstrdup(dir), names, n, 0 };
	return true;
}

static void pop_dir(struct source *s)
{
	struct pool_level *l = &s->stack[--s->depth];
	for (int i = l->next; i < l->n; i++)
		free(l->names[i]);
	free(l->names);
	free(l->dir);
}

/* alphasort follows the locale; the byte order (LC_ALL=C) is what every shard agrees on, and
 * hardenkit never calls setlocale, so the two are the same here. */
static char *pool_next(struct source *s, bool *failed)
{
	if (!s->started) {
		s->started = true;
		if (!push_dir(s, s->arg)) {
			*failed = true;
			return NULL;
		}
	}
	while (s->depth) {
		struct pool_level *l = &s->stack[s->depth - 1];
		if (l->next >= l->n) {
			pop_dir(s);
			continue;
		}
		struct dirent *e = l->names[l->next++];
		size_t dl = strlen(l->dir);
		char *path = xasprintf("%s%s%s", l->dir, dl && l->dir[dl - 1] == '/' ? "" : "/", e->d_name);
		free(e);
		struct stat st;
		if (lstat(path, &st) != 0) {
			fprintf(stderr, "hardenkit lint: %s: %s\n", path, strerror(errno));
			*failed = true;
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (!push_dir(s, path))
				*failed = true;
			free(path);
			continue;
		}
		if (S_ISREG(st.st_mode) && inputs_is_package(path))
			return path;
		free(path);
	}
	return NULL;
}

static char *list_next(struct inputs *in, struct source *s, bool *failed)
{
	for (;;) {
		errno = 0;
		ssize_t n = getdelim(&in->line, &in->line_cap, s->nul ? '\0' : '\n', s->list);
		if (n < 0) {
			if (ferror(s->list)) {
				fprintf(stderr, "hardenkit lint: %s: read error: %s\n", s->arg, strerror(errno ? errno : EIO));
				*failed = true;
			}
			return NULL;
		}
		s->line++;
		if (n && in->line[n - 1] == (s->nul ? '\0' : '\n'))
			in->line[--n] = '\0';
		if (!s->nul && n && in->line[n - 1] == '\r')
			in->line[--n] = '\0';
		if (n == 0)
			continue; /* an empty line (or a trailing separator) names nothing */
		if (strlen(in->line) != (size_t)n) {
			fprintf(stderr, "hardenkit lint: %s:%zu: a path holds a NUL byte (use -0 for NUL-separated lists)\n",
				s->arg, s->line);
			*failed = true;
			continue;
		}
		return xstrdup(in->line);
	}
}

char *inputs_next(struct inputs *in, bool *failed)
{
	while (in->cur < in->n) {
		struct source *s = &in->v[in->cur];
		char *p = NULL;
		switch (s->kind) {
		case SOURCE_PATH:
			if (!s->started) {
				s->started = true;
				p = xstrdup(s->arg);
			}
			break;
		case SOURCE_LIST:
			p = list_next(in, s, failed);
			break;
		case SOURCE_POOL:
			p = pool_next(s, failed);
			break;
		}
		if (p)
			return p;
		in->cur++;
	}
	return NULL;
}

void inputs_free(struct inputs *in)
{
	if (!in)
		return;
	for (size_t i = 0; i < in->n; i++) {
		struct source *s = &in->v[i];
		if (s->list && s->list != stdin)
			fclose(s->list);
		while (s->depth)
			pop_dir(s);
		free(s->stack);
		free(s->arg);
	}
	free(in->v);
	free(in->line);
	free(in);
}
