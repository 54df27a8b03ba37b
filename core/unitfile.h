/* unitfile: systemd unit files parsed and merged with their drop-ins by systemd's own rules.
 * Owns the parsed model; the linter's rules and the exposure score only read it. */
#ifndef HK_UNITFILE_H
#define HK_UNITFILE_H

#include <stddef.h>

#include "core/diag.h"

/* One effective assignment after merging: the value as written (specifiers unexpanded),
 * where it came from. For list-valued keys systemd accumulates assignments and an empty one
 * resets the list; the merged entry keeps every surviving assignment in order. */
struct unit_value {
	char *text;
	const char *file; /* points into the unit's file list */
	unsigned line;
};

struct unit_entry {
	char *section; /* "Service", "Unit", "Install", "Socket", … */
	char *key;
	struct unit_value *values; /* surviving assignments, oldest first; n == 0: reset or unset */
	size_t n;
};

struct unitfile {
	char *name; /* "nginx.service" */
	char **files; /* main file first, then drop-ins in the order applied */
	size_t n_files;
	struct unit_entry *entries;
	size_t n_entries;
};

/* Starts an empty unit named NAME. */
struct unitfile *unitfile_new(const char *name);
void unitfile_free(struct unitfile *u);

/* Applies one file's text (the main unit first, then each drop-in in systemd's order: by
 * file name across directories, later directories overridden by earlier). FILE names it in
 * messages. Syntax problems go to D as FILE:LINE errors; returns 0, or -1 if TEXT is not a
 * unit file at all. Continuation lines (trailing backslash) and comments (#, ;) are handled. */
int unitfile_apply(struct unitfile *u, const char *file, const char *text, size_t len, struct diag *d);

/* The merged entry for SECTION/KEY (case-sensitive, as systemd), or NULL if never assigned. */
const struct unit_entry *unitfile_get(const struct unitfile *u, const char *section, const char *key);

/* The last surviving value of SECTION/KEY, or NULL (unset, or reset by an empty assignment).
 * Right for single-valued keys such as ProtectSystem= or NoNewPrivileges=. */
const struct unit_value *unitfile_last(const struct unitfile *u, const char *section, const char *key);

/* systemd's boolean parsing (1/yes/y/true/t/on and 0/no/n/false/f/off): 1, 0, or -1 if V is
 * not a boolean. */
int unit_parse_boolean(const char *v);

#endif
