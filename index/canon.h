/* canon: the OLPC canonical JSON that TUF signs, written from a jansson tree, and the strict
 * reader that refuses what canonical JSON cannot hold (duplicate keys, reals, NUL in strings).
 *
 * Why a serializer of our own on top of jansson: json_dumps(JSON_COMPACT|JSON_SORT_KEYS) is close
 * but not canonical. It escapes control characters ("\n", "\u0001") and may escape '/', where OLPC
 * escapes only '"' and '\\' and writes every other byte as it is; and it writes reals, which OLPC
 * forbids. A signature is over bytes, so a one-byte difference from what tuf-js or
 * python-tuf computes is a signature nobody else can check. Parsing stays jansson's. */
#ifndef HK_INDEX_CANON_H
#define HK_INDEX_CANON_H

#include <jansson.h>
#include <stdbool.h>

#include "../core/util.h"

/* Appends the canonical form of V to OUT. False (with *WHY set to a static string) when V holds
 * something canonical JSON cannot express: a real number. */
bool canon_dump(const json_t *v, struct buf *out, const char **why);

/* Parses DATA (LEN bytes) strictly: duplicate keys refused, NUL in strings refused, the whole
 * input one value. On failure returns NULL and writes "line L: what" into ERR (a jansson
 * error text). */
json_t *canon_parse(const char *data, size_t len, char *err, size_t errlen);

#endif
