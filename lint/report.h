/* report: the linter's outputs (text, JSON per design.md's contract, SARIF 2.1.0, TAP) from
 * the results of every package, in the order the packages were given. */
#ifndef HK_LINT_REPORT_H
#define HK_LINT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "rules.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_SARIF, REPORT_TAP };

struct unit_score {
	char *name;
	bool scored;
	double exposure;
};

/* What is kept of one package once its facts are gone. */
struct lint_result {
	char *path; /* as given */
	char *name, *version;
	bool single; /* one file given alone: findings name PATH itself */
	char *error; /* the input could not be read: why (no findings then) */
	struct unit_score *units;
	size_t n_units;
	struct findings findings;
	struct findings waived; /* covered by a valid waiver: shown in JSON, not counted */
	bool *dist_used; /* which distribution waivers covered a finding here */
	struct diag notes;
};

void lint_result_free(struct lint_result *r);
/* Where a finding is shown in text and SARIF: PATH/FILE, or PATH for a single file. */
char *report_location(const struct lint_result *r, const char *file);
bool report_format_parse(const char *s, enum report_format *out);
/* RUN: findings about the run itself (distribution waivers unused or expired), or NULL. */
void report_write(FILE *out, enum report_format fmt, const struct lint_result *rs, size_t n,
		  const struct findings *run, bool colour);

#endif
