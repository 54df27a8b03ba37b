/* judge: what `hardenkit observe` concludes from the records observe-run printed for one
 * package (listeners, connection attempts, DNS queries, unit states, processes): its rule table
 * and the findings, in lint's result shape so lint's reporters write them. */
#ifndef HK_OBSERVE_JUDGE_H
#define HK_OBSERVE_JUDGE_H

#include <stddef.h>

#include "../lint/report.h"

/* One record line: its kind (first field) and the fields after it. */
struct obs_record {
	char *kind;
	char **f;
	size_t n;
};

struct obs_records {
	struct obs_record *v;
	size_t n, cap;
};

/* Observe's rules: listen-public and phone-home keep lint's ids and meaning, judged on behaviour;
 * the observed-* rows record what was seen or why nothing could be. Ends with a NULL id. */
extern const struct lint_rule observe_rules[];

/* Splits LINE (without its newline) at tabs into a new record of RS. */
void obs_records_add(struct obs_records *rs, const char *line);
void obs_records_free(struct obs_records *rs);

/* Fills R (path already set) from RS: name, version, units, findings; an `error` record becomes
 * R->error. */
void observe_judge(const struct obs_records *rs, struct lint_result *r);

#endif
