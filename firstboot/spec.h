/* spec: the first-boot credential spec (/usr/lib/hardenkit/firstboot/NAME.conf), the contract
 * between gen, which writes it from a manifest and its delivery template, and firstboot, which obeys it. */
#ifndef HK_SPEC_H
#define HK_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "../core/diag.h"
#include "../core/manifest.h"
#include "../core/util.h"

/* Where the specs live, relative to the (image) root. */
#define FB_SPEC_DIR "/usr/lib/hardenkit/firstboot"
/* The root-only store every secret is kept in (0700 root); LoadCredential= reads it. */
#define FB_STORE_DIR "/etc/credstore"
/* Stamps that record a finished apply step. */
#define FB_STAMP_DIR "/var/lib/hardenkit/firstboot"
/* The binary the oneshot units run. */
#define FB_BINARY "/usr/bin/hardenkit"
/* Where gen puts each first-boot unit's AppArmor profile. */
#define FB_PROFILE_DIR "/etc/apparmor.d"

/* A file firstboot creates once and never replaces. */
struct spec_file {
	char *path, *user, *group;
	mode_t mode; /* 0400 or 0600: no group or other bits, ever */
};

/* A file in the daemon's own dialect that holds the secret (redis requirepass, …). */
struct spec_include {
	struct spec_file file;
	struct strlist lines; /* may use @SECRET@ and the derived placeholders */
};

/* A rewrite of lines in an existing config file (e.g. commenting out a default community). */
struct spec_rewrite {
	char *file;
	struct strlist match; /* fnmatch(3) patterns, matched against the line with blanks squeezed */
	char *replace; /* what a matching line becomes; @LINE@ is the line as it was */
};

/* A one-time command that hands the secret to the daemon's own store, on its standard input. */
struct spec_apply {
	struct strlist command; /* argv; never holds the secret */
	char *user, *group;
	struct strlist input; /* lines written to the command's stdin */
	unsigned timeout; /* seconds */
	char *stamp; /* created when the command succeeded */
};

struct spec_credential {
	char *name, *description;
	int strength;
	enum encoding encoding;
	enum delivery delivery;
	struct spec_file secret;
	struct spec_include *include; /* each NULL when the delivery has no such step */
	struct spec_rewrite *rewrite;
	struct spec_apply *apply;
	unsigned line;
};

struct spec {
	char *file;
	char *name, *unit;
	struct spec_credential *v;
	size_t n;
};

/* Loads and validates a spec from TEXT (read from FILE, for messages). Returns NULL with every
 * problem in D as FILE:LINE. A spec never puts a secret placeholder into a path, a user name or
 * a command's argv: only include lines, rewrite replacements and apply input may carry it. */
struct spec *spec_parse(const char *text, const char *file, struct diag *d);
void spec_free(struct spec *s);

/* Writes S in the format spec_parse reads, after a comment HEADER ("# …" lines). */
void spec_format(struct buf *out, const struct spec *s, const char *header);

/* Appends the files that exist once C is complete: the secret, the include file, the apply
 * stamp. The oneshot unit runs while any of them is missing. */
void spec_artifacts(const struct spec_credential *c, struct strlist *out);

/* "0400" for 0400. Returns a static string. */
const char *spec_mode_name(mode_t mode);

#endif
