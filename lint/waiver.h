/* waiver: accepted findings, each with its rule, path pattern, reason and expiry. The
 * distribution-wide file (--waivers) may waive any rule; a package's own file
 * (usr/share/hardenkit/waivers/NAME.conf in it) may waive only warning-tier rules. */
#ifndef HK_LINT_WAIVER_H
#define HK_LINT_WAIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/diag.h"
#include "rules.h"

/* Where a package keeps its own waivers, relative to its root. */
#define WAIVER_PACKAGE_GLOB "usr/share/hardenkit/waivers/*.conf"

struct waiver {
	char *rule, *path, *package, *reason, *expires; /* package: NULL for any */
	char *file;
	unsigned line;
	bool distribution;
};

struct waivers {
	struct waiver *v;
	size_t n;
};

/* Reads waivers from TEXT (FILE names it); false with FILE:LINE messages in D. */
bool waivers_parse(struct waivers *w, const char *file, const char *text, bool distribution, struct diag *d);
/* Reads the distribution-wide FILE. */
bool waivers_load(struct waivers *w, const char *file, struct diag *d);
void waivers_free(struct waivers *w);

/* Moves the findings of OUT that a valid waiver of W covers into WAIVED; adds waiver-expired,
 * waiver-forbidden and (for the package's own waivers) waiver-unused findings to OUT. USED
 * (W->n flags) records which waivers covered something. TODAY: "YYYY-MM-DD". */
void waivers_apply(const struct waivers *w, const char *package, const char *today, struct findings *out,
		   struct findings *waived, bool *used);

/* Today in UTC, "YYYY-MM-DD". */
void waiver_today(char out[11]);

#endif
