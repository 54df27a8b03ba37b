/* store: every file firstboot touches, below an image root: reached without following a symlink,
 * created once and never replaced, rewritten atomically with mode and owner kept; and the run lock. */
#ifndef HK_STORE_H
#define HK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "../core/diag.h"
#include "secret.h"

/* The root every path is relative to: "/" on the installed system, an image with --root. */
struct fbroot {
	int fd;
	char *path;
	bool is_slash;
};

bool root_open(struct fbroot *r, const char *path, struct diag *d);
void root_close(struct fbroot *r);

/* Opens the directory that holds PATH (absolute, inside the root), never following a symlink.
 * With CREATE, missing directories are made: 0755, the last one DIR_MODE. *BASE gets the last
 * component. Returns the directory fd, or -1 with errno set. */
int root_open_parent(const struct fbroot *r, const char *path, char **base, bool create, mode_t dir_mode);

/* Opens (creating with MODE) the directory PATH itself, as root_open_parent does its parents. */
int root_open_dir(const struct fbroot *r, const char *path, bool create, mode_t mode);

enum store_status { STORE_OK, STORE_ABSENT, STORE_EXISTS, STORE_FAILED };

/* Reads the regular file PATH, at most MAX bytes, into OUT; its stat into ST.
 * STORE_ABSENT when there is no such file; STORE_FAILED (message in D) for a symlink, a
 * directory, a larger file or a read error. */
enum store_status store_read(const struct fbroot *r, const char *path, size_t max, struct secret *out,
			     struct stat *st, struct diag *d);

/* Creates PATH holding DATA, owned by UID:GID with MODE, and never replaces anything: a temporary
 * file in the same directory (O_CREAT|O_EXCL|O_NOFOLLOW), owner and mode set before the first
 * byte, fsync, a rename that refuses to replace, fsync of the directory. STORE_OK when created,
 * STORE_EXISTS (nothing written) when PATH already exists, STORE_FAILED with a message in D and
 * nothing left behind. With MKDIR the missing directories are made (0755). A temporary file that
 * a killed run left is removed first: callers hold the run lock, so no other run owns it. */
enum store_status store_create(const struct fbroot *r, const char *path, uid_t uid, gid_t gid, mode_t mode,
			       const char *data, size_t len, bool mkdir, struct diag *d);

/* Replaces the content of the existing PATH with DATA through a temporary file and a rename,
 * keeping the mode and owner in ST (from store_read). */
bool store_replace(const struct fbroot *r, const char *path, const struct stat *st, const char *data, size_t len,
		   struct diag *d);

/* Makes FB_STORE_DIR (0700, owned by the caller; an existing one loses group and other bits)
 * and takes the run lock in it, waiting at most TIMEOUT seconds. Returns the lock fd or -1. */
int store_prepare(const struct fbroot *r, unsigned timeout, struct diag *d);

/* Looks NAME up in the root's own /etc/passwd or /etc/group (an image's accounts are not the
 * build host's). False with a message when it is not there. */
bool store_user(const struct fbroot *r, const char *name, uid_t *uid, struct diag *d);
bool store_group(const struct fbroot *r, const char *name, gid_t *gid, struct diag *d);

/* True for errors about the disk rather than one file (full, read-only, I/O): the run stops at
 * the first, since every later step would fail the same way. */
bool store_errno_is_fatal(int err);
/* The errno of the last failed store operation. */
extern int store_errno;

#endif
