/* credentials: the first-boot side of a manifest's credentials: the spec `hardenkit firstboot`
 * obeys, the oneshot unit that runs it before the service, and the service drop-in that waits for it. */
#ifndef HK_GEN_CREDENTIALS_H
#define HK_GEN_CREDENTIALS_H

#include <stdbool.h>

#include "../core/diag.h"
#include "../core/dialect.h"
#include "../core/manifest.h"
#include "../core/outset.h"

/* Stages, for a manifest with credentials, FB_SPEC_DIR/NAME.conf,
 * /usr/lib/systemd/system/hardenkit-firstboot-NAME.service and the service's drop-in
 * UNIT.d/60-hardenkit-credentials.conf; nothing for a manifest without credentials. How a
 * credential reaches the daemon is data: templates/credentials/DIALECT.conf (one row per
 * credential name and delivery) and the unit templates beside it, in the data directory.
 * Problems (a delivery with no template row, a template that does not load) go to D as
 * FILE:LINE and nothing is staged for the manifest. Returns false on a problem. */
bool gen_credentials_checked(const struct manifest *m, const struct dialect *dl, struct outset *out, struct diag *d);

/* gen_credentials_checked for callers without a diag: problems are printed on stderr as
 * FILE:LINE: error: …, the only output a generator makes, since nothing else would report them. */
void gen_credentials(const struct manifest *m, const struct dialect *dl, struct outset *out);

#endif
