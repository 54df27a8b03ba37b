/* outset: stages generated files and commits them atomically; see outset.h. */
#include "outset.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void outset_add(struct outset *set, const char *path, struct buf *content, mode_t mode)
{
	while (*path == '/')
		path++;
	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->v[i].path, path) == 0) {
			buf_free(&set->v[i].content);
			set->v[i].content = *content;
			set->v[i].mode = mode;
			*content = (struct buf){ 0 };
			return;
		}
	}
	set->v = xreallocarray(set->v, set->n + 1, sizeof *set->v);
	set->v[set->n++] = (struct outfile){ xstrdup(path), *content, mode };
	if (!set->v[set->n - 1].content.data)
		buf_puts(&set->v[set->n - 1].content, "");
	*content = (struct buf){ 0 };
}

void outset_add_dir(struct outset *set, const char *path)
{
	while (*path == '/')
		path++;
	if (!strlist_contains(&set->dirs, path))
		strlist_push(&set->dirs, path);
}

const struct outfile *outset_find(const struct outset *set, const char *path)
{
	while (*path == '/')
		path++;
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i].path, path) == 0)
			return &set->v[i];
	return NULL;
}

void outset_free(struct outset *set)
{
	for (size_t i = 0; i < set->n; i++) {
		free(set->v[i].path);
		buf_free(&set->v[i].content);
	}
	free(set->v);
	set->v = NULL;
	set->n = 0;
	strlist_free(&set->dirs);
}

/* A staged file on its way to disk. */
struct pending {
	int dirfd;
	char *base, *tmp;
	char *backup; /* a hard link to the file this one replaces, until the commit is done */
	bool renamed;
};

/* Opens (creating as needed) each directory of REL below ROOTFD without following symlinks.
 * Directories it creates are added to CREATED (relative to the root) so that a failed commit
 * can remove them again. Returns a directory fd, or -1 with errno set. */
static int open_parent_dir(int rootfd, const char *rel, char **base_out, struct strlist *created)
{
	char *copy = xstrdup(rel);
	int fd = dup(rootfd);
	char *component = copy, *slash;
	while (fd >= 0 && (slash = strchr(component, '/'))) {
		*slash = '\0';
		if (!*component || strcmp(component, ".") == 0 || strcmp(component, "..") == 0) {
			close(fd);
			fd = -1;
			errno = EINVAL;
			break;
		}
		if (mkdirat(fd, component, 0755) == 0) {
			char *made = xasprintf("%.*s", (int)(slash - copy), rel);
			strlist_push(created, made);
			free(made);
		} else if (errno != EEXIST) {
			close(fd);
			fd = -1;
			break;
		}
		int next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		component = slash + 1;
	}
	if (fd >= 0 && (!*component || strcmp(component, "..") == 0 || strcmp(component, ".") == 0)) {
		close(fd);
		fd = -1;
		errno = EINVAL;
	}
	*base_out = fd >= 0 ? xstrdup(component) : NULL;
	free(copy);
	return fd;
}


/* Writes F into a fresh temporary file beside its target; fills P. */
static bool stage_file(int rootfd, const struct outfile *f, struct pending *p, const char *root,
		       struct strlist *created, struct diag *d)
{
	p->dirfd = open_parent_dir(rootfd, f->path, &p->base, created);
	if (p->dirfd < 0) {
		diag_error(d, root, 0, "cannot create the directory of /%s: %s", f->path, strerror(errno));
		return false;
	}
	int fd = -1;
	for (unsigned attempt = 0; fd < 0 && attempt < 100; attempt++) {
		free(p->tmp);
		p->tmp = xasprintf(".%s.hk%ld-%u", p->base, (long)getpid(), attempt);
		fd = openat(p->dirfd, p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		diag_error(d, root, 0, "cannot create a temporary file for /%s: %s", f->path, strerror(errno));
		free(p->tmp);
		p->tmp = NULL;
		return false;
	}
	/* owner and mode before the first byte, so the content is never more visible than meant */
	bool ok = (geteuid() != 0 || fchown(fd, 0, 0) == 0) && fchmod(fd, f->mode) == 0 &&
		  write_all(fd, f->content.data, f->content.len) && fsync(fd) == 0;
	int saved = errno;
	if (close(fd) < 0 && ok) {
		ok = false;
		saved = errno;
	}
	if (!ok)
		diag_error(d, root, 0, "cannot write /%s: %s", f->path, strerror(saved));
	return ok;
}

static bool swap_in(struct pending *p, const char *path, const char *root, struct diag *d)
{
	struct stat st;
	if (fstatat(p->dirfd, p->base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISREG(st.st_mode)) {
			diag_error(d, root, 0, "cannot replace /%s: it exists and is not a regular file", path);
			return false;
		}
		p->backup = xasprintf("%s.old", p->tmp);
		if (linkat(p->dirfd, p->base, p->dirfd, p->backup, 0) < 0) {
			diag_error(d, root, 0, "cannot keep the previous /%s: %s", path, strerror(errno));
			free(p->backup);
			p->backup = NULL;
			return false;
		}
	}
	if (renameat(p->dirfd, p->tmp, p->dirfd, p->base) < 0) {
		diag_error(d, root, 0, "cannot rename into /%s: %s", path, strerror(errno));
		return false;
	}
	p->renamed = true;
	return true;
}

/* Undoes swap_in: the previous file comes back, or a new one goes away. */
static void roll_back(struct pending *p)
{
	if (!p->renamed)
		return;
	if (p->backup) {
		if (renameat(p->dirfd, p->backup, p->dirfd, p->base) == 0) {
			free(p->backup);
			p->backup = NULL;
		}
	} else {
		unlinkat(p->dirfd, p->base, 0);
	}
}

/* Creates ROOT and its missing parents, as `install -d` and DESTDIR conventions expect, and
 * records those it made (outermost first) so that a failed run can take them away again. */
static bool make_root(const char *root, struct strlist *made, struct diag *d)
{
	if (!*root) {
		diag_error(d, "(empty)", 0, "the output directory name is empty");
		return false;
	}
	char *path = xstrdup(root);
	bool ok = true;
	for (char *slash = path + 1; ok; slash++) {
		bool last = *slash == '\0';
		if (*slash != '/' && !last)
			continue;
		*slash = '\0';
		if (mkdir(path, 0755) == 0)
			strlist_push(made, path);
		else if (errno != EEXIST) {
			diag_error(d, root, 0, "cannot create the output directory: %s", strerror(errno));
			ok = false;
		}
		if (last)
			break;
		*slash = '/';
	}
	free(path);
	return ok;
}

static void unmake_root(struct strlist *made)
{
	for (size_t i = made->n; i-- > 0;)
		rmdir(made->v[i]);
	strlist_free(made);
}

bool outset_commit(const struct outset *set, const char *root, struct diag *d)
{
	struct strlist made_root = { 0 };
	if (!make_root(root, &made_root, d)) {
		unmake_root(&made_root);
		return false;
	}
	int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		diag_error(d, root, 0, "cannot open the output directory: %s", strerror(errno));
		unmake_root(&made_root);
		return false;
	}
	struct pending *pend = xcalloc(set->n, sizeof *pend);
	struct strlist created = { 0 };
	for (size_t i = 0; i < set->n; i++)
		pend[i].dirfd = -1;

	bool ok = true;
	for (size_t i = 0; i < set->dirs.n && ok; i++) {
		/* the parent of DIR/x is DIR: open_parent_dir makes it, and refuses what it refuses */
		char *inside = xasprintf("%s/x", set->dirs.v[i]), *base = NULL;
		int fd = open_parent_dir(rootfd, inside, &base, &created);
		if (fd < 0) {
			diag_error(d, root, 0, "cannot create the directory /%s: %s", set->dirs.v[i], strerror(errno));
			ok = false;
		} else {
			close(fd);
		}
		free(base);
		free(inside);
	}
	for (size_t i = 0; i < set->n && ok; i++)
		ok = stage_file(rootfd, &set->v[i], &pend[i], root, &created, d);

	/* Every byte is on disk before the first rename, so a failure up to here leaves the
	 * previous tree as it was. A file being replaced keeps a hard link until every rename
	 * went through, so a failing rename can put the old tree back. */
	for (size_t i = 0; i < set->n && ok; i++)
		ok = swap_in(&pend[i], set->v[i].path, root, d);
	if (!ok)
		for (size_t i = set->n; i-- > 0;)
			roll_back(&pend[i]);
	for (size_t i = 0; i < set->n; i++) {
		if (pend[i].dirfd < 0)
			continue;
		if (pend[i].tmp && !pend[i].renamed)
			unlinkat(pend[i].dirfd, pend[i].tmp, 0);
		if (pend[i].backup)
			unlinkat(pend[i].dirfd, pend[i].backup, 0);
		if (ok && fsync(pend[i].dirfd) < 0) {
			diag_error(d, root, 0, "cannot sync the directory of /%s: %s", set->v[i].path, strerror(errno));
			ok = false;
		}
		close(pend[i].dirfd);
		free(pend[i].base);
		free(pend[i].tmp);
		free(pend[i].backup);
	}
	free(pend);
	/* deepest first: a directory this run created goes only once it is empty again */
	for (size_t i = created.n; !ok && i-- > 0;)
		unlinkat(rootfd, created.v[i], AT_REMOVEDIR);
	strlist_free(&created);
	close(rootfd);
	if (ok)
		strlist_free(&made_root);
	else
		unmake_root(&made_root);
	return ok;
}
