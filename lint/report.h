/* report: the linter's outputs (text, JSON per design.md's contract, SARIF 2.1.0, TAP) from
 * the results of every package, in the order the packages were given. */
#ifndef HK_LINT_REPORT_H
#define HK_LINT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/util.h"

#include "rules.h"

enum report_format { REPORT_TEXT, REPORT_JSON, REPORT_SARIF, REPORT_TAP };

struct unit_score {
	char *name;
	bool scored;
	double exposure;
};

/* What a policy selector reads about a unit (policy.h): its kind and the files it is made of. */
struct unit_kind {
	char *name;
	char *kind; /* "daemon", "oneshot", "timer-job", "socket-activated", "boot-plumbing" */
	struct strlist files;
};

/* A package's own waiver file, kept as text so that a cached result can be judged again. */
struct own_waiver {
	char *path, *text;
};

enum pkg_status { PKG_PASS, PKG_FAIL, PKG_UNREADABLE };

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
	struct findings baselined; /* in the --baseline document: shown in JSON, not counted */
	bool *dist_used; /* which distribution waivers covered a finding here */
	struct diag notes; /* file: the member (relative), placed by report_location when printed */
	/* a refusal by a limit (archive.h): the option, its bound, the figure past it */
	char *limit;
	unsigned long long limit_value, limit_seen, input_size;
	/* the package's metadata the policy selects on: NULL or -1 when the package has none */
	char *section, *priority;
	int essential;
	struct unit_kind *kinds;
	size_t n_kinds;
	struct own_waiver *own_waivers;
	size_t n_own_waivers;
	bool baseline; /* a --baseline was applied: JSON lists "baselined", even empty */
	long long index; /* the position in the whole input, written with --shard; -1 otherwise */
};

enum pkg_status lint_result_status(const struct lint_result *r);
const char *pkg_status_name(enum pkg_status s);
/* A finding's fingerprint: 16 hex digits of SHA-256 over rule, file and message, so that it
 * survives an edit that moves the line (baseline.h). */
void finding_fingerprint(const char *rule, const char *file, const char *message, char out[17]);

void lint_result_free(struct lint_result *r);
/* Where a finding is shown in text and SARIF: PATH/FILE, or PATH for a single file. */
char *report_location(const struct lint_result *r, const char *file);
bool report_format_parse(const char *s, enum report_format *out);
/* RUN: findings about the run itself (distribution waivers unused or expired), or NULL. */
void report_write(FILE *out, enum report_format fmt, const struct lint_result *rs, size_t n,
		  const struct findings *run, bool colour);
/* The same writers for a command that judges with a rule table of its own (observe: the
 * lint ids where the meaning is the same, listen-public and phone-home, and rows of its own):
 * RULES, ending with a NULL id, stand for lint_rules in SARIF's rule list and ruleIndex, and
 * TAP has one test per package and row of RULES. Findings must point into RULES. */
void report_write_rules(FILE *out, enum report_format fmt, const struct lint_rule *rules,
			const struct lint_result *rs, size_t n, const struct findings *run, bool colour);

/* The same documents written one package at a time, so that a run over an archive holds only
 * the packages in flight: report_open, report_package for each in order, report_close. TAP's
 * plan and its waiver test come first, so its package lines wait in an unlinked temporary
 * file. TAIL: top-level JSON fields after "findings" (baseline, shard), or NULL; the stream
 * takes it. report_close returns false when the output could not be written. */
struct report_stream;
struct report_stream *report_open(FILE *out, enum report_format fmt, bool colour);
void report_package(struct report_stream *s, const struct lint_result *r);
/* --unreadable=fail: the text output names each unreadable package, as the failure it is. */
void report_unreadable_fails(struct report_stream *s, bool fails);
bool report_close(struct report_stream *s, const struct findings *run, void *tail);

#endif
