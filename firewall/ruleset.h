/* ruleset: the host's default-deny nftables ruleset, each package's port snippet and the
 * nftables.service drop-in, rendered from templates/nftables/ and the manifests, in memory only. */
#ifndef HK_FW_RULESET_H
#define HK_FW_RULESET_H

#include <stdbool.h>

#include "../core/manifest.h"
#include "../core/outset.h"

/* Where nftables.service (Debian 12) loads the ruleset from, and where the ruleset's glob
 * include finds the packages' snippets: relative to nft's include path, /etc by default. */
#define FW_RULESET_PATH "/etc/nftables.conf"
#define FW_INCLUDE_DIR "/etc"
#define FW_SNIPPET_DIR "nftables.d/hardenkit"
#define FW_SNIPPET_PREFIX FW_INCLUDE_DIR "/" FW_SNIPPET_DIR "/"
#define FW_DROPIN_PATH "/usr/lib/systemd/system/nftables.service.d/50-hardenkit.conf"
/* The one table hardenkit owns: family inet, so IPv4 and IPv6 share every rule. */
#define FW_FAMILY "inet"
#define FW_TABLE "hardenkit"

/* The texts of templates/nftables/, with the file each came from (for messages). */
struct fw_templates {
	char *ruleset, *snippet, *dropin;
	char *ruleset_file, *snippet_file, *dropin_file;
};

/* Reads DATADIR/nftables/{nftables.conf,snippet.nft,nftables.service.conf}. */
bool fw_templates_load(struct fw_templates *t, const char *datadir, struct diag *d);
void fw_templates_free(struct fw_templates *t);

/* The named set a listener's port goes into, or NULL when it opens nothing (loopback, unix). */
const char *fw_public_set(const struct listener *l);
/* Whether M declares at least one public tcp or udp listener: only those get a snippet. */
bool fw_has_public(const struct manifest *m);

/* The main ruleset. It names no package: the packages' ports live in their snippets, so the
 * same file serves every host. Without INCLUDE, the base alone (no package opens a port). */
void fw_render_ruleset(struct buf *out, const struct fw_templates *t, bool include);
/* The snippet of M (which must have a public listener) and its path inside the root. */
void fw_render_snippet(struct buf *out, const struct fw_templates *t, const struct manifest *m);
char *fw_snippet_path(const struct manifest *m);

/* Stages the ruleset, the drop-in and one snippet per manifest with a public listener. */
void fw_build(struct outset *out, const struct fw_templates *t, struct manifest *const *ms, size_t n);

#endif
