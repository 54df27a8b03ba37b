/* unitfile: systemd unit files parsed and merged with their drop-ins by systemd's own rules.
 * Owns the parsed model; the linter's rules and the exposure score only read it. */
#ifndef HK_UNITFILE_H
#define HK_UNITFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

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
	/* Every assignment in order, empty ones included. Not every key resets on an empty
	 * assignment: systemd ignores "NoNewPrivileges=" (not a boolean) and "CapabilityBoundingSet="
	 * means the empty set; code that must follow such a key replays this. */
	struct unit_value *history;
	size_t n_history;
};

struct unitfile {
	char *name; /* "nginx.service" */
	char **files; /* main file first, then drop-ins in the order applied */
	size_t n_files;
	struct unit_entry *entries;
	size_t n_entries;
	bool masked; /* unitfile_load_root: a symlink to /dev/null or an empty file; no entries */
	unsigned bad_lines; /* lines systemd refuses the whole unit for (bad section header, not UTF-8) */
	/* private to unitfile.c: a hash index of entries by section and key, so that a hostile
	 * file of many keys costs linear time */
	size_t *slots;
	size_t n_slots;
};

/* Starts an empty unit named NAME. */
struct unitfile *unitfile_new(const char *name);
void unitfile_free(struct unitfile *u);

/* Applies one file's text (the main unit first, then each drop-in in systemd's order: by
 * file name across directories, later directories overridden by earlier). FILE names it in
 * messages. Syntax problems go to D as FILE:LINE errors; returns 0, or -1 if TEXT is not a
 * unit file at all. Continuation lines (trailing backslash) and comments (#, ;) are handled. */
int unitfile_apply(struct unitfile *u, const char *file, const char *text, size_t len, struct diag *d);

/* Finds NAME ("nginx.service", "postgresql@15-main.service") below ROOT as systemd 252 would with
 * --root: the first of its unit directories (/etc/systemd/system … /lib/systemd/system,
 * /usr/lib/systemd/system) that has the unit or, for an instance, its template; then every
 * drop-in (NAME.d, the template's, the dash prefixes' "foo-.service.d", the type's "service.d",
 * and those of aliases) by file name across the directories, the earlier directory masking a
 * same-named file in a later one. Symlinks resolve inside ROOT, never outside it. A unit that is
 * a symlink to /dev/null or an empty file comes back with masked set. NULL with a message in D if
 * the unit is not found or a file cannot be read. */
struct unitfile *unitfile_load_root(const char *root, const char *name, struct diag *d);

/* The merged entry for SECTION/KEY (case-sensitive, as systemd), or NULL if never assigned. */
const struct unit_entry *unitfile_get(const struct unitfile *u, const char *section, const char *key);

/* The last surviving value of SECTION/KEY, or NULL (unset, or reset by an empty assignment).
 * Right for single-valued keys such as ProtectSystem= or NoNewPrivileges=. */
const struct unit_value *unitfile_last(const struct unitfile *u, const char *section, const char *key);

/* A boolean key as systemd sees it: the last assignment that parses as a boolean (others,
 * the empty one included, are ignored with a warning by systemd), or DFLT. */
bool unitfile_bool(const struct unitfile *u, const char *section, const char *key, bool dflt);

/* systemd's boolean parsing (1/yes/y/true/t/on and 0/no/n/false/f/off): 1, 0, or -1 if V is
 * not a boolean. */
int unit_parse_boolean(const char *v);

#endif
