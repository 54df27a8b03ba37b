/* policy: the distribution's policy file (--policy): level overrides of findings by rule and
 * selector (package glob, section, priority, essential, unit kind), each with a reason. */
#ifndef HK_LINT_POLICY_H
#define HK_LINT_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/diag.h"
#include "report.h"
#include "rules.h"

/* Unlike a waiver, an entry hides nothing and is never "unused": it states how the
 * distribution grades what it selects. An expired entry stops applying (a note says so).
 * The first entry that selects a finding sets its level; the finding carries the reason. */
struct policy_entry {
	char *rule; /* a rule id or a glob of ids ("unit-*") */
	char *package, *section, *priority, *unit_kind; /* globs; NULL: any */
	int essential; /* -1 any, 0 or 1 */
	enum diag_level level;
	char *reason, *expires; /* expires: NULL for none */
	char *file;
	unsigned line;
	bool expired;
};

struct policy {
	struct policy_entry *v;
	size_t n;
};

/* The unit kinds a selector may name. */
extern const char *const policy_unit_kinds[];

/* Reads FILE; false with FILE:LINE messages in D. Entries expired on TODAY get a note in D. */
bool lint_policy_load(struct policy *p, const char *file, const char *today, struct diag *d);
void lint_policy_free(struct policy *p);
/* Sets the level of each finding of R that an entry selects. */
void lint_policy_apply(const struct policy *p, struct lint_result *r);

#endif
