/* meta: TUF 1.0 metadata documents: the signed envelope (signing the canonical "signed" part,
 * checking a role's threshold of distinct keys), bounded reading, expiry times, and the
 * checks every role shares (_type, spec_version, version, expires). */
#ifndef HK_INDEX_META_H
#define HK_INDEX_META_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "../core/diag.h"
#include "../core/util.h"
#include "keys.h"

#define META_SPEC_VERSION "1.0.31"

/* Size limits of what a client reads (the spec's "upper bound", tuf-js's defaults). */
#define META_ROOT_MAX 512000
#define META_TIMESTAMP_MAX 16384
#define META_SNAPSHOT_MAX 2000000
#define META_TARGETS_MAX 64000000

/* Wraps SIGNED as {"signatures":[…],"signed":SIGNED}, one signature per signer over the
 * canonical form of SIGNED, and returns the document as compact sorted JSON in OUT. */
bool meta_sign(json_t *signed_part, struct signer *const *signers, size_t n, struct buf *out, struct diag *d);

/* Reads at most LIMIT bytes of PATH; refuses (naming the file) a larger file as soon as it
 * reads past the limit, a missing one, or one that is not strict JSON. */
json_t *meta_read(const char *path, size_t limit, struct buf *raw, struct diag *d);

/* Checks DOC (a signed envelope of role TYPE) against ROLE of ROOT_SIGNED: at least the
 * threshold of distinct key ids of that role have a valid signature over the canonical
 * signed part. Each key counts once however many signatures carry its id. */
bool meta_check_signatures(const json_t *doc, const json_t *root_signed, const char *role, const char *file,
			   struct diag *d);
/* Checks _type, spec_version (1.x), version (positive integer) and expires of DOC's signed
 * part; *VERSION and *EXPIRES get the values. Does not judge expiry. */
bool meta_check_common(const json_t *doc, const char *type, const char *file, int64_t *version, time_t *expires,
		       struct diag *d);

/* "YYYY-MM-DDTHH:MM:SSZ" in UTC. */
bool meta_parse_time(const char *s, time_t *t);
void meta_format_time(time_t t, char out[21]);

/* The hex SHA-256 of LEN bytes. Caller frees. */
char *meta_sha256_hex(const void *data, size_t len);

#endif
