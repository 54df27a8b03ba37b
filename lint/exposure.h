/* exposure: the "Overall exposure level" of `systemd-analyze security --offline=true` for a
 * service unit, computed in-process from the unit model. Owns the port of systemd 252's check table. */
#ifndef HK_EXPOSURE_H
#define HK_EXPOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/unitfile.h"

/* One check's outcome, as a row of systemd-analyze's table. */
struct exposure_row {
	const char *id; /* "PrivateNetwork=", "SystemCallFilter=~@mount", … */
	uint64_t weight, range;
	uint64_t badness; /* 0 … range */
	bool na; /* not applicable (runs as root, or DefaultDependencies=no): not counted */
};

/* Number of checks (rows) exposure_assess() fills. */
size_t exposure_n_checks(void);

/* Scores U. ROWS (may be NULL) gets exposure_n_checks() rows; *TENTHS the exposure in tenths
 * (systemd's integer, 0 … 100). Returns 0, or -1 if U cannot be scored: not a .service,
 * masked, or with a setting systemd refuses the unit for (RootDirectory= not absolute). */
int exposure_assess(const struct unitfile *u, struct exposure_row *rows, unsigned *tenths);

/* The exposure level, 0.0 … 10.0, with systemd's rounding (one decimal). 0, or -1 as above. */
int exposure_score(const struct unitfile *u, double *score);

#endif
