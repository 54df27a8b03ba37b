/* unitkind: what each unit of a package is for (a daemon, a oneshot, a timer's job, a
 * socket-activated service, boot plumbing), judged from its own units, for policy selectors. */
#ifndef HK_LINT_UNITKIND_H
#define HK_LINT_UNITKIND_H

#include "facts.h"
#include "report.h"

/* Fills R->kinds from F's units: one row per unit, with the files it is made of. */
void unitkind_gather(const struct facts *f, struct lint_result *r);

#endif
