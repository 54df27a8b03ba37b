/* store: files below an image root, written once or atomically; see store.h. */
#include "store.h"
#include "spec.h"
#include "testhook.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int store_errno;

bool store_errno_is_fatal(int err)
{
	return err == ENOSPC || err == EDQUOT || err == EROFS || err == EIO;
}

/* Records a failure: the errno is kept for store_errno_is_fatal, the message names the path. */
__attribute__((format(printf, 3, 4))) static void fail(struct diag *d, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	diag_error(d, NULL, 0, "%s: %s", text, strerror(err));
	free(text);
	store_errno = err;
}

bool root_open(struct fbroot *r, const char *path, struct diag *d)
{
	r->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->fd < 0) {
		diag_error(d, path, 0, "cannot open the root directory: %s", strerror(errno));
		return false;
	}
	r->path = xstrdup(path);
	struct stat a, b;
	r->is_slash = stat("/", &a) == 0 && fstat(r->fd, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	return true;
}

void root_close(struct fbroot *r)
{
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	r->fd = -1;
	r->path = NULL;
}

/* Walks COMPONENTS (a '/'-separated relative path) from the root; see root_open_parent. */
static int walk(const struct fbroot *r, const char *rel, bool create, mode_t last_mode)
{
	char *copy = xstrdup(rel);
	int fd = dup(r->fd);
	char *component = copy;
	while (fd >= 0 && *component) {
		char *slash = strchr(component, '/');
		if (slash)
			*slash = '\0';
		bool last = !slash || !slash[1];
		if (strcmp(component, ".") == 0 || strcmp(component, "..") == 0) {
			close(fd);
			fd = -1;
			errno = EINVAL;
			break;
		}
		int next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, component, last ? last_mode : 0755) == 0 || errno == EEXIST)
				next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		int saved = errno;
		close(fd);
		fd = next;
		errno = saved;
		if (!slash)
			break;
		component = slash + 1;
	}
	if (fd < 0 && errno == ELOOP)
		errno = ENOTDIR; /* a symlink where a directory was expected: say it is not one */
	free(copy);
	return fd;
}

int root_open_parent(const struct fbroot *r, const char *path, char **base, bool create, mode_t dir_mode)
{
	while (*path == '/')
		path++;
	const char *slash = strrchr(path, '/');
	const char *b = slash ? slash + 1 : path;
	if (!*b) {
		errno = EINVAL;
		return -1;
	}
	char *dir = slash ? xasprintf("%.*s", (int)(slash - path), path) : xstrdup("");
	int fd = walk(r, dir, create, dir_mode);
	free(dir);
	*base = fd >= 0 ? xstrdup(b) : NULL;
	return fd;
}

int root_open_dir(const struct fbroot *r, const char *path, bool create, mode_t mode)
{
	while (*path == '/')
		path++;
	return walk(r, path, create, mode);
}

enum store_status store_read(const struct fbroot *r, const char *path, size_t max, struct secret *out,
			     struct stat *st, struct diag *d)
{
	char *base;
	int dirfd = root_open_parent(r, path, &base, false, 0);
	if (dirfd < 0) {
		if (errno == ENOENT)
			return STORE_ABSENT;
		fail(d, errno, "cannot open the directory of %s", path);
		return STORE_FAILED;
	}
	int fd = openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	int err = errno;
	free(base);
	close(dirfd);
	if (fd < 0) {
		if (err == ENOENT)
			return STORE_ABSENT;
		fail(d, err, "cannot open %s", path);
		return STORE_FAILED;
	}
	enum store_status status = STORE_FAILED;
	if (fstat(fd, st) < 0) {
		fail(d, errno, "cannot stat %s", path);
	} else if (!S_ISREG(st->st_mode)) {
		diag_error(d, NULL, 0, "%s is not a regular file", path);
	} else if ((size_t)st->st_size > max) {
		diag_error(d, NULL, 0, "%s is larger than %zu bytes", path, max);
	} else {
		/* sized from fstat and read once, then wiped: no growing buffer leaves copies around */
		char *tmp = xmalloc((size_t)st->st_size + 1);
		ssize_t n = 0, got;
		while ((size_t)n < (size_t)st->st_size &&
		       ((got = read(fd, tmp + n, (size_t)st->st_size - (size_t)n)) > 0 || (got < 0 && errno == EINTR)))
			n += got > 0 ? got : 0;
		if ((size_t)n == (size_t)st->st_size) {
			secret_set(out, tmp, (size_t)n);
			status = STORE_OK;
		} else {
			fail(d, errno ? errno : EIO, "cannot read %s", path);
		}
		explicit_bzero(tmp, (size_t)st->st_size + 1);
		free(tmp);
	}
	close(fd);
	return status;
}


/* The temporary name beside BASE: one name per target, so a killed run's leftover is found and
 * removed by the next run, which holds the lock. */
static char *temp_name(const char *base)
{
	return xasprintf(".%s.hardenkit-new", base);
}

/* Writes DATA into a new temporary file in DIRFD; see store_create. Returns the name or NULL. */
static char *write_temp(int dirfd, const char *base, const char *path, uid_t uid, gid_t gid, mode_t mode,
			const char *data, size_t len, struct diag *d)
{
	char *tmp = temp_name(base);
	if (unlinkat(dirfd, tmp, 0) < 0 && errno != ENOENT) {
		fail(d, errno, "cannot remove the stale temporary file of %s", path);
		free(tmp);
		return NULL;
	}
	/* created 0400 (the mode is below the umask's reach): nobody else can open it at any moment */
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (fd < 0) {
		fail(d, errno, "cannot create a temporary file for %s", path);
		free(tmp);
		return NULL;
	}
	testhook_point("created");
	/* mode first: once the file belongs to UID, changing its mode would need CAP_FOWNER */
	bool ok = fchmod(fd, mode) == 0;
	const char *step = "set the mode of";
	if (ok) {
		testhook_point("chmod");
		/* a file that already has its owner needs no chown(2), which the oneshot's seccomp
		 * filter denies (@privileged) when its credentials need no capability */
		struct stat st;
		ok = fstat(fd, &st) == 0 && ((st.st_uid == uid && st.st_gid == gid) || fchown(fd, uid, gid) == 0);
		step = "set the owner of";
	}
	if (ok) {
		testhook_point("chown");
		size_t half = len / 2;
		ok = write_all(fd, data, half);
		if (ok) {
			testhook_point("half-written");
			ok = write_all(fd, data + half, len - half);
		}
		step = "write";
	}
	if (ok) {
		testhook_point("written");
		ok = fsync(fd) == 0;
		step = "sync";
	}
	int err = errno;
	if (close(fd) < 0 && ok) {
		ok = false;
		err = errno;
		step = "write";
	}
	if (!ok) {
		fail(d, err, "cannot %s %s", step, path);
		unlinkat(dirfd, tmp, 0);
		free(tmp);
		return NULL;
	}
	testhook_point("synced");
	return tmp;
}

enum store_status store_create(const struct fbroot *r, const char *path, uid_t uid, gid_t gid, mode_t mode,
			       const char *data, size_t len, bool mkdir, struct diag *d)
{
	char *base;
	int dirfd = root_open_parent(r, path, &base, mkdir, 0755);
	if (dirfd < 0) {
		fail(d, errno, "cannot open the directory of %s", path);
		return STORE_FAILED;
	}
	enum store_status status = STORE_FAILED;
	char *tmp = write_temp(dirfd, base, path, uid, gid, mode, data, len, d);
	if (tmp) {
		/* never replace: an existing file is some run's finished secret */
		int rc = renameat2(dirfd, tmp, dirfd, base, RENAME_NOREPLACE);
		if (rc < 0 && (errno == EINVAL || errno == ENOSYS)) {
			/* a file system without RENAME_NOREPLACE: link(2) refuses to replace too */
			rc = linkat(dirfd, tmp, dirfd, base, 0);
			if (rc == 0) {
				testhook_point("linked");
				unlinkat(dirfd, tmp, 0);
			}
		}
		int err = errno;
		if (rc == 0) {
			testhook_point("renamed");
			if (fsync(dirfd) == 0) {
				status = STORE_OK;
				testhook_point("dir-synced");
			} else {
				fail(d, errno, "cannot sync the directory of %s", path);
			}
		} else {
			unlinkat(dirfd, tmp, 0);
			if (err == EEXIST)
				status = STORE_EXISTS;
			else
				fail(d, err, "cannot rename the temporary file into %s", path);
		}
		free(tmp);
	}
	free(base);
	close(dirfd);
	return status;
}

bool store_replace(const struct fbroot *r, const char *path, const struct stat *st, const char *data, size_t len,
		   struct diag *d)
{
	char *base;
	int dirfd = root_open_parent(r, path, &base, false, 0);
	if (dirfd < 0) {
		fail(d, errno, "cannot open the directory of %s", path);
		return false;
	}
	bool ok = false;
	char *tmp = write_temp(dirfd, base, path, st->st_uid, st->st_gid, st->st_mode & 07777, data, len, d);
	if (tmp) {
		if (renameat(dirfd, tmp, dirfd, base) < 0) {
			fail(d, errno, "cannot rename the temporary file into %s", path);
			unlinkat(dirfd, tmp, 0);
		} else if (fsync(dirfd) < 0) {
			fail(d, errno, "cannot sync the directory of %s", path);
		} else {
			ok = true;
			testhook_point("replaced");
		}
		free(tmp);
	}
	free(base);
	close(dirfd);
	return ok;
}

int store_prepare(const struct fbroot *r, unsigned timeout, struct diag *d)
{
	int dirfd = root_open_dir(r, FB_STORE_DIR, true, 0700);
	if (dirfd < 0) {
		fail(d, errno, "cannot make the credential store " FB_STORE_DIR);
		return -1;
	}
	struct stat st;
	if (fstat(dirfd, &st) < 0 || st.st_uid != geteuid()) {
		diag_error(d, NULL, 0, FB_STORE_DIR " is not owned by uid %ld: not a store for secrets", (long)geteuid());
		close(dirfd);
		return -1;
	}
	if ((st.st_mode & 077) && fchmod(dirfd, 0700) < 0) {
		fail(d, errno, "cannot make " FB_STORE_DIR " root-only");
		close(dirfd);
		return -1;
	}
	int fd = openat(dirfd, ".hardenkit-firstboot.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) /* a read-only store can still be locked to check that everything is there */
		fd = openat(dirfd, ".hardenkit-firstboot.lock", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int err = errno;
	close(dirfd);
	if (fd < 0) {
		fail(d, err, "cannot open the lock file " FB_STORE_DIR "/.hardenkit-firstboot.lock");
		return -1;
	}
	/* bounded: a run stuck elsewhere must not hold the boot forever */
	for (unsigned long waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 50) {
		if (errno != EWOULDBLOCK && errno != EINTR) {
			fail(d, errno, "cannot lock " FB_STORE_DIR "/.hardenkit-firstboot.lock");
			close(fd);
			return -1;
		}
		if (waited >= timeout * 1000UL) {
			diag_error(d, NULL, 0, "another hardenkit firstboot still holds " FB_STORE_DIR
					       "/.hardenkit-firstboot.lock after %u seconds",
				   timeout);
			close(fd);
			return -1;
		}
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
	return fd;
}

/* Opens the root's /etc/passwd or /etc/group. */
static FILE *open_accounts(const struct fbroot *r, const char *path, struct diag *d)
{
	char *base;
	int dirfd = root_open_parent(r, path, &base, false, 0);
	int fd = dirfd >= 0 ? openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
	int err = errno;
	if (dirfd >= 0)
		close(dirfd);
	free(base);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	if (!f) {
		fail(d, err, "cannot read %s%s", r->is_slash ? "" : r->path, path);
		if (fd >= 0)
			close(fd);
	}
	return f;
}

bool store_user(const struct fbroot *r, const char *name, uid_t *uid, struct diag *d)
{
	FILE *f = open_accounts(r, "/etc/passwd", d);
	if (!f)
		return false;
	bool found = false;
	struct passwd *pw;
	while (!found && (pw = fgetpwent(f)))
		if (strcmp(pw->pw_name, name) == 0) {
			*uid = pw->pw_uid;
			found = true;
		}
	fclose(f);
	if (!found)
		diag_error(d, NULL, 0, "user \"%s\" is not in /etc/passwd", name);
	return found;
}

bool store_group(const struct fbroot *r, const char *name, gid_t *gid, struct diag *d)
{
	FILE *f = open_accounts(r, "/etc/group", d);
	if (!f)
		return false;
	bool found = false;
	struct group *gr;
	while (!found && (gr = fgetgrent(f)))
		if (strcmp(gr->gr_name, name) == 0) {
			*gid = gr->gr_gid;
			found = true;
		}
	fclose(f);
	if (!found)
		diag_error(d, NULL, 0, "group \"%s\" is not in /etc/group", name);
	return found;
}
