/* cache: a directory of judged packages (--cache DIR), keyed by the archive's SHA-256, its file
 * name, the hardenkit version and a digest of the data it is judged with. */
#ifndef HK_LINT_CACHE_H
#define HK_LINT_CACHE_H

#include <stdbool.h>

#include "report.h"

/* An entry holds what the rules found in one archive, before the run's waivers, policy and
 * baseline are applied: those are read anew each run, so changing them never needs a re-read
 * and never serves a stale verdict. Entries are written to a temporary file and renamed into
 * place (two runs sharing a directory see an old entry, a new one or none, never half of one),
 * carry a SHA-256 of their own content (a corrupt one is ignored, recomputed and rewritten),
 * and the directory is kept under a size bound by removing the least recently used. */
struct cache;

/* JUDGE: the digest of what the results depend on besides the archive (cache_judge_digest).
 * NULL with a message on stderr when DIR cannot be made or used. */
struct cache *cache_open(const char *dir, unsigned long long max_bytes, const char judge[65]);
/* The entry key of PATH (a regular file): false for anything else, or when it cannot be read. */
bool cache_key(struct cache *c, const char *path, char key[65]);
/* Fills R (its path and index kept) from the entry; false when there is none or it is corrupt. */
bool cache_get(struct cache *c, const char key[65], struct lint_result *r);
void cache_put(struct cache *c, const char key[65], const struct lint_result *r);
/* Trims the directory to its bound, reports hits and misses on stderr, frees C. */
void cache_close(struct cache *c);

/* SHA-256 over the version, every file below DATADIR (names and contents, in byte order)
 * and the option text OPTIONS (threshold, limits, the apparmor_parser used). */
void cache_judge_digest(const char *datadir, const char *options, char out[65]);

#endif
