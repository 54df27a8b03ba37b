/* installs: the package files that maintainer scripts install as configs with ucf(1), cp or
 * install ("ucf /usr/share/PKG/FILE /etc/PKG/FILE"), so the linter judges them where they land. */
#ifndef HK_LINT_INSTALLS_H
#define HK_LINT_INSTALLS_H

#include <stddef.h>

struct install {
	char *src, *dest; /* relative: "usr/share/dovecot/dovecot.conf", "etc/dovecot/dovecot.conf" */
	char *by; /* the script, as shown: "DEBIAN/postinst" */
	unsigned line; /* of the call in it */
};

struct installs {
	struct install *v;
	size_t n;
};

/* Adds the ucf, cp and install calls of maintainer script TEXT (shown as SCRIPT) whose source
 * is a file under /usr and whose destination is under /etc, once their variables are known:
 * literal assignments and `for VAR in WORDS` are followed in order; anything else computed (a
 * mktemp file, a function's argument) leaves the call out. */
void installs_scan(struct installs *in, const char *script, const char *text);
/* The install of package file PATH (relative), or NULL. */
const struct install *installs_find(const struct installs *in, const char *path);
void installs_free(struct installs *in);

#endif
