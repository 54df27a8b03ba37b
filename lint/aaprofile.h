/* aaprofile: the outline of AppArmor profile text (profile and hat headers, attachments, mode
 * flags, nesting, whether a body is empty); the full grammar stays with apparmor_parser. */
#ifndef HK_LINT_AAPROFILE_H
#define HK_LINT_AAPROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/util.h"

struct aa_profile {
	char *name; /* "usr.sbin.foo", "/usr/sbin/foo" or a hat's "^name" */
	char *attach; /* the attachment path or glob, or NULL (named-only profile, hat) */
	struct strlist flags; /* "complain", "attach_disconnected", … */
	unsigned line, depth; /* depth 0: a top-level profile */
	size_t rules; /* statements in the body, nested profiles excluded */
	size_t parent; /* index of the enclosing profile, or (size_t)-1 */
};

struct aa_profiles {
	struct aa_profile *v;
	size_t n, cap;
};

/* Appends the profiles TEXT defines to OUT. */
void aa_parse(const char *text, struct aa_profiles *out);
void aa_profiles_free(struct aa_profiles *p);
bool aa_has_flag(const struct aa_profile *p, const char *flag);

#endif
