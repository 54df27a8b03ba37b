/* rules: the linter's rule table (id, level, tier, summary, explanation, check function) and
 * the findings the checks record; checks read only the fact base. */
#ifndef HK_LINT_RULES_H
#define HK_LINT_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/diag.h"
#include "facts.h"

/* Invariant: the default-deny contract (design.md); only the distribution-wide waiver file
 * may waive it. Warning: worth fixing, never a gate on its own. */
enum rule_tier { TIER_INVARIANT, TIER_WARNING };

struct lint_rule;

struct finding {
	const struct lint_rule *rule;
	enum diag_level level;
	char *file;
	unsigned line; /* 0: the whole file */
	char *message;
	char *policy; /* the reason of the policy entry that set its level (policy.h), or NULL */
};

struct findings {
	struct finding *v;
	size_t n, cap;
};

/* What the command line can change. */
struct lint_options {
	double threshold; /* unit-exposure: the highest exposure accepted */
	const char *apparmor_parser; /* the program apparmor-invalid runs, or NULL: the rule is not run */
	const char *features_file; /* --features-file for it, or NULL */
	const char *datadir; /* templates: the base nftables ruleset shipped rulesets are loaded on */
};

struct lint_rule {
	const char *id; /* stable kebab-case, never reused */
	enum diag_level level;
	enum rule_tier tier;
	const char *summary; /* one line: what the rule refuses */
	const char *explanation; /* why, and how to fix it: hardenkit explain ID */
	void (*check)(const struct lint_rule *self, const struct facts *f, const struct lint_options *o,
		      struct findings *out);
	const void *arg; /* the row's parameter for a generic check */
};

/* Every rule, in the order `hardenkit rules` lists them; the last row has a NULL id. */
extern const struct lint_rule lint_rules[];
const struct lint_rule *lint_rule_find(const char *id);
size_t lint_rule_count(void);

/* Runs every rule over F; OUT is sorted by file, line, rule and message. */
void lint_run(const struct facts *f, const struct lint_options *o, struct findings *out);

void findings_add(struct findings *out, const struct lint_rule *rule, const char *file, unsigned line,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void findings_free(struct findings *out);
/* Sorts by file, line, rule and message, and drops exact duplicates. */
void findings_sort(struct findings *out);
size_t findings_errors(const struct findings *out);

/* The default of --threshold; the explanation of unit-exposure says why. */
#define LINT_DEFAULT_THRESHOLD 4.9

#endif
