/* gen: turns one validated manifest into the files its package ships, staged in an outset.
 * Each generator owns one artefact; none touches the disk (outset_commit does). */
#ifndef HK_GEN_H
#define HK_GEN_H

#include "../core/dialect.h"
#include "../core/manifest.h"
#include "../core/outset.h"

/* AppArmor policy groups (templates/apparmor/profile.conf). */
struct policy_group {
	char *name, *when, *per;
	struct strlist rules;
};
struct policy {
	struct policy_group *v;
	size_t n;
};
bool policy_load(struct policy *p, const char *file, struct diag *d);
void policy_free(struct policy *p);

/* The localhost bind config, in the daemon's own dialect. */
void gen_bind(const struct manifest *m, const struct dialect *dl, struct outset *out);
/* The hardened unit or drop-in, and beside it NAME.socket (daemon.socket_activation) and
 * hardenkit-NAME.conf in tmpfiles.d; HARDENING is templates/units/hardening.conf's text. */
void gen_unit(const struct manifest *m, const char *hardening, struct outset *out);
/* The enforce-mode AppArmor profile. */
void gen_apparmor(const struct manifest *m, const struct policy *p, struct outset *out);

/* The daemon's binary: the first word of daemon.exec. Caller frees. */
char *gen_binary_of(const struct manifest *m);
/* Where the profile goes: /etc/apparmor.d/usr.sbin.NAME. Caller frees. */
char *gen_profile_path(const struct manifest *m);

/* Replaces @KEY@ placeholders in TEMPLATE from the NULL-terminated pairs in VARS
 * ({"PORT", "6379", …, NULL}). An unknown placeholder is left as it is. */
void gen_render(struct buf *out, const char *tmpl, const char *const *vars);

#endif
