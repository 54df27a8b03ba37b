/* repo: the signing side. certify writes a root version signed by the master key(s);
 * build hashes a pool of package archives once and writes targets, snapshot and timestamp,
 * each signed by the token subkey in one token operation. */
#ifndef HK_INDEX_REPO_H
#define HK_INDEX_REPO_H

#include <stdbool.h>
#include <time.h>

#include "../core/diag.h"
#include "keys.h"

/* Repository layout (consistent snapshots, TUF 1.0 §6.2):
 *   REPO/metadata/N.root.json, root.json, timestamp.json, N.snapshot.json, N.targets.json
 *   REPO/targets/DIR/SHA256.BASENAME  (each pool file, hard-linked or copied) */

/* Writes the next root version listing MASTER for the root role and SUBKEY (a key object)
 * for targets, snapshot and timestamp, signed by each of SIGNERS (the new master, and the old
 * one when the master rotates). */
bool repo_certify(const char *repo, EVP_PKEY *master, const json_t *subkey, struct signer *const *signers, size_t n,
		  time_t expires, struct diag *d);

struct build_opts {
	const char *repo, *pool;
	time_t expires, timestamp_expires;
};
/* Hashes every file of the pool, then signs the three role files with SIGNER, which must be
 * the key the current root certifies for targets, snapshot and timestamp. */
bool repo_build(const struct build_opts *o, struct signer *signer, const json_t *signer_key, struct diag *d);

#endif
