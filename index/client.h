/* client: what every machine runs. verify follows the TUF 1.0 client workflow (§5) from a
 * pinned root over a local mirror and keeps the accepted metadata in a state directory,
 * replaced atomically; check streams a downloaded archive against the accepted index. */
#ifndef HK_INDEX_CLIENT_H
#define HK_INDEX_CLIENT_H

#include <stdbool.h>
#include <time.h>

#include "../core/diag.h"

/* Refreshes the trusted metadata in STATE from the mirror METADIR (the repository's metadata/
 * directory). PINNED is the root of trust used when STATE holds none yet. NOW is the clock.
 * On any refusal the state is left exactly as it was. Returns 0 accepted, 1 refused,
 * 2 state or pinned root unreadable. */
int client_verify(const char *metadir, const char *state, const char *pinned, time_t now, struct diag *d);

/* Checks FILE against the target TARGET (NULL: the one target whose file name is FILE's) of
 * the accepted index in STATE: size and SHA-256, streaming, refusing as soon as FILE runs past
 * the declared size. Returns 0 match, 1 refused, 2 unreadable. */
int client_check(const char *state, const char *target, const char *file, struct diag *d);

#endif
