/* nftns: runs libnftables in a throwaway network namespace (a forked child), so that checking
 * or loading a ruleset never reads or changes the host's own; and reads nft's messages back. */
#ifndef HK_FW_NFTNS_H
#define HK_FW_NFTNS_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/diag.h"
#include "../core/util.h"

/* The empty table put into every family before a run with sentinels: if it is gone
 * afterwards, the run flushed the ruleset. */
#define NFTNS_SENTINEL "hardenkit_sentinel"

struct nftns_job {
	const char *setup; /* text loaded for real first (e.g. the base ruleset), or NULL */
	const char *setup_name; /* what messages about SETUP call it */
	bool sentinels; /* before SETUP, an empty NFTNS_SENTINEL table in every family */
	const char *file; /* the file to run */
	const struct strlist *include_paths; /* replace nft's default (/etc); NULL: none */
	bool dry_run; /* nft --check: parse, evaluate, let the kernel validate, commit nothing */
	bool list; /* afterwards, `list ruleset` in libnftables' JSON form */
};

struct nftns_result {
	bool setup_ok;
	char *setup_errors; /* nft's messages about SETUP */
	bool ok; /* FILE ran without error */
	char *errors; /* nft's messages about FILE */
	char *json; /* the listing, or NULL */
	struct strlist sentinels; /* families whose sentinel table was loaded */
};

/* Runs every job, in order, in one child inside a fresh network namespace (a fresh user
 * namespace too when not root); each job starts from an empty ruleset. Returns false, with
 * a message in D, when the child could not run; a job's own failure is in its result. */
bool nftns_run(const struct nftns_job *jobs, size_t n, struct nftns_result *results, struct diag *d);
void nftns_result_free(struct nftns_result *r);

/* A path prefix nft prints (FROM) and how messages show it (TO). */
struct nftns_rename {
	const char *from, *to;
};

/* Adds nft's messages in ERRORS to D as FILE:LINE errors, renaming file names by MAP, and
 * naming FALLBACK when nft gives no location. SEEN, when given, holds the messages already
 * added, so that a file checked twice reports each problem once. Returns how many messages
 * ERRORS holds, added or already seen: 0 means nft said nothing this function understands. */
size_t nftns_errors(const char *errors, const struct nftns_rename *map, size_t n_map, const char *fallback,
		    struct strlist *seen, struct diag *d);

#endif
