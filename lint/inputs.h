/* inputs: where the packages of one lint run come from, one path at a time: the command line,
 * a list file or standard input (--files-from, one path a line or NUL-separated), pools. */
#ifndef HK_LINT_INPUTS_H
#define HK_LINT_INPUTS_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/util.h"

/* A pool is walked recursively, each directory's entries in byte order, so that two runs (and
 * every shard) see the same order; only package archives count in it (.deb .udeb .ddeb .rpm
 * .apk .pkg.tar.*), not the source tarballs and signatures a pool also holds. Memory is one
 * directory's listing per level, never the whole list. */
struct inputs;

struct inputs *inputs_new(void);
void inputs_add_path(struct inputs *in, const char *path);
/* FILE "-" is standard input. False (with a message on stderr) when it cannot be opened. */
bool inputs_add_list(struct inputs *in, const char *file, bool nul);
/* False when DIR is not a readable directory (said on stderr). */
bool inputs_add_pool(struct inputs *in, const char *dir);
bool inputs_empty(const struct inputs *in);
/* The next path (caller frees), or NULL at the end; *FAILED is set when a list or pool could
 * not be read to its end (said on stderr). */
char *inputs_next(struct inputs *in, bool *failed);
void inputs_free(struct inputs *in);
/* Whether NAME is a package archive as a pool holds them. */
bool inputs_is_package(const char *name);

#endif
