/* check: proves rulesets with libnftables (dry run, in a throwaway network namespace) before
 * anything is installed: the staged output of `firewall -o`, and existing files (--check). */
#ifndef HK_FW_CHECK_H
#define HK_FW_CHECK_H

#include <stdbool.h>

#include "../core/outset.h"
#include "ruleset.h"

enum fw_check_status {
	FW_CHECK_OK,
	FW_CHECK_FAILED, /* libnftables rejects something, or the check could not run */
	FW_CHECK_UNREADABLE, /* a file to check could not be read */
};

/* Checks the nft files staged in OUT as they will be loaded below DESTDIR: the ruleset with
 * every snippet its include finds there (the staged ones and those DESTDIR already holds),
 * then each snippet alone on the base ruleset, since a package installs or removes its
 * snippet by itself. Errors name the files as DESTDIR/…:LINE. */
enum fw_check_status fw_check_output(const struct outset *out, const char *destdir, const struct fw_templates *t,
				     struct diag *d);

/* Checks each FILE on top of the base ruleset, as nftables.service would load it on a
 * hardenkit host. Relative includes resolve against FILE's directory (as /etc/nftables.conf's
 * do against /etc), then INCLUDE_DIRS. */
enum fw_check_status fw_check_files(char *const *files, size_t n, const struct strlist *include_dirs,
				    const struct fw_templates *t, struct diag *d);

/* FILE's directory, for resolving its relative includes. Caller frees. */
char *fw_dirname(const char *file);
/* Whether FILE can be opened and is a regular file; else a message in D. */
bool fw_readable(const char *file, struct diag *d);

#endif
