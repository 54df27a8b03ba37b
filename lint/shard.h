/* shard: the deterministic part of a run's input that `--shard I/N` judges: packages grouped
 * by name, the groups dealt to N shards largest first, each to the lightest shard so far. */
#ifndef HK_LINT_SHARD_H
#define HK_LINT_SHARD_H

#include <stdbool.h>
#include <stddef.h>

#include "inputs.h"

/* Every shard reads the whole list (names and sizes: about 100 bytes a path) and keeps its
 * own part with each path's position in the whole input, which `lint merge` orders by. A
 * package's versions and copies land in one shard, so a baseline's matches do not split. */
struct shard_part {
	char **paths;
	long long *index;
	size_t n, next;
	size_t total; /* paths in the whole input */
};

/* Parses "I/N" (1 <= I <= N <= 4096). */
bool shard_parse(const char *s, unsigned *i, unsigned *n);
/* Reads IN to its end and keeps shard I of N in OUT; *FAILED as inputs_next sets it. */
void shard_select(struct inputs *in, unsigned i, unsigned n, struct shard_part *out, bool *failed);
void shard_part_free(struct shard_part *p);
/* The package name a path's file name gives: "nginx" of ".../nginx_1.22.1-9_amd64.deb". */
char *shard_package_name(const char *path);

#endif
