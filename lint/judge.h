/* judge: one package from path to verdict: read through the cache or the archive walker, the
 * rules run, then the policy's levels and the waivers applied. Runs in the worker threads. */
#ifndef HK_LINT_JUDGE_H
#define HK_LINT_JUDGE_H

#include "cache.h"
#include "policy.h"
#include "report.h"
#include "rules.h"
#include "waiver.h"

struct judge {
	const struct dialect_set *dialects;
	const struct lint_data *data;
	const struct lint_options *opts;
	const struct waivers *waivers; /* the distribution's */
	const struct policy *policy; /* or NULL */
	struct cache *cache; /* or NULL */
	const char *today;
};

/* Judges R->path into R: R->error when it cannot be read. */
void judge_package(const struct judge *j, struct lint_result *r);

#endif
