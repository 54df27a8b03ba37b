/* outset: the one module that writes generated files. A run stages every file in memory, then
 * commits them under a root directory all or nothing: temporary file, fsync, rename, fsync dir. */
#ifndef HK_OUTSET_H
#define HK_OUTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "diag.h"
#include "util.h"

struct outfile {
	char *path; /* relative to the root, no leading '/' */
	struct buf content;
	mode_t mode;
};

struct outset {
	struct outfile *v;
	size_t n;
	struct strlist dirs; /* directories to ship even when no file is staged in them */
};

/* Stages PATH (absolute inside the root, e.g. "/etc/foo.conf") with CONTENT, which the set
 * takes over. A later file with the same path replaces the earlier one. */
void outset_add(struct outset *set, const char *path, struct buf *content, mode_t mode);
const struct outfile *outset_find(const struct outset *set, const char *path);
/* Stages directory PATH: created (0755, with its parents) when missing, left as it is when it
 * exists. For a directory a package must ship empty, such as an include directory that only
 * first boot fills. */
void outset_add_dir(struct outset *set, const char *path);

/* Writes every staged file below ROOT, creating directories (0755) as needed and never
 * following a symlink inside ROOT. Owner is root:root when run as root, else the caller.
 * On failure no staged file is left behind, neither a temporary one nor a half-written one,
 * and the error names the file. Returns false on failure. */
bool outset_commit(const struct outset *set, const char *root, struct diag *d);
void outset_free(struct outset *set);

#endif
