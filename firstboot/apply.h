/* apply: runs a delivery's one-time apply command (postgres --single, slapmodify, …) inside the
 * root, as the daemon's user, with the secret on its standard input and nowhere else. */
#ifndef HK_APPLY_H
#define HK_APPLY_H

#include <stdbool.h>
#include <sys/types.h>

#include "../core/util.h"
#include "secret.h"
#include "spec.h"
#include "store.h"

struct apply_result {
	int status; /* the exit status; -1 when killed by a signal or timed out */
	bool timed_out;
	struct buf output; /* stdout and stderr, at most APPLY_MAX_OUTPUT bytes */
};

#define APPLY_MAX_OUTPUT (64 * 1024)

/* Runs A's command chrooted into R (when R is not "/"), as UID:GID with no supplementary groups,
 * in an environment of its own (PATH, LC_ALL=C, HOME=/), with INPUT on stdin; waits at most
 * A->timeout seconds, then kills it. False (message in D) when the command could not be started. */
bool apply_run(const struct fbroot *r, const struct spec_apply *a, uid_t uid, gid_t gid, const struct secret *input,
	       struct apply_result *res, struct diag *d);

/* Replaces every occurrence of each secret in HIDE inside B by "(secret)". */
void apply_redact(struct buf *b, const struct secret_list *hide);

#endif
