/* baseline: a previous run's JSON document (--baseline): findings in it no longer count, and
 * what it holds that this run no longer finds is listed as disappeared. */
#ifndef HK_LINT_BASELINE_H
#define HK_LINT_BASELINE_H

#include <stdbool.h>

#include "../core/diag.h"
#include "report.h"

/* A finding matches by package name, rule, file and fingerprint (report.h): the line is not
 * part of it, so an edit above a line does not re-open its finding; two equal findings in one
 * file are counted, so a second copy of a known problem is new. */
struct baseline;

/* Reads FILE (a `lint --format=json` document); NULL with FILE's message in D. */
struct baseline *baseline_load(const char *file, struct diag *d);
/* Moves the findings of R that the baseline holds into R->baselined (each baseline finding
 * covers one). Called in input order by one thread. */
void baseline_apply(struct baseline *b, struct lint_result *r);
/* The baseline's findings no finding of this run matched, sorted: a JSON array (caller owns). */
void *baseline_disappeared(const struct baseline *b);
void baseline_free(struct baseline *b);

#endif
