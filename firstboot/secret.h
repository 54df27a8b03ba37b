/* secret: makes and checks secret values: OpenSSL randomness, the encodings a spec asks for, and
 * the derived forms (password hashes) a delivery may write instead of the value. */
#ifndef HK_SECRET_H
#define HK_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/manifest.h"

/* Bytes that hold a secret or something derived from it. Only secret_* functions allocate and
 * free them, and freeing clears the bytes first (OPENSSL_cleanse), so no copy outlives its use. */
struct secret {
	char *v; /* NUL-terminated */
	size_t len;
};

/* Several secrets: the derived forms a rendering produced, kept so messages can redact them. */
struct secret_list {
	struct secret *v;
	size_t n;
};

/* The length in characters of a secret of BITS bits of entropy in ENCODING. */
size_t secret_length(enum encoding encoding, int bits);

/* Fills S with a fresh secret from RAND_bytes. False (with S empty) when OpenSSL has no entropy. */
bool secret_generate(struct secret *s, enum encoding encoding, int bits);

/* True when V (LEN bytes) could have been made by secret_generate with ENCODING, at any strength
 * of 128..1024 bits; *EXACT says whether it has the length BITS gives. */
bool secret_valid(const char *v, size_t len, enum encoding encoding, int bits, bool *exact);

/* Copies LEN bytes into a new secret. */
void secret_set(struct secret *s, const char *v, size_t len);
void secret_free(struct secret *s);
void secret_list_free(struct secret_list *l);

/* True when NAME (LEN bytes) is a placeholder secret_render fills: SECRET and the derived forms. */
bool secret_placeholder_known(const char *name, size_t len);

/* Renders TMPL into OUT, replacing @SECRET@ with S and @SCRAM_SHA_256@, @SSHA@,
 * @MYSQL_NATIVE_PASSWORD@ with S's hashes; every derived value also goes into DERIVED (may be
 * NULL). Text that is not a placeholder, including an unknown one, is copied as it is. False
 * when OpenSSL fails. */
bool secret_render(struct secret *out, const char *tmpl, const struct secret *s, struct secret_list *derived);

/* Constant-time comparison of two secrets. */
bool secret_equal(const struct secret *a, const char *b, size_t blen);

/* The length of the placeholder name at AT ("@NAME@", NAME of [A-Z0-9_]), or 0 when AT does not
 * start one. Both gen and firstboot use this one definition. */
size_t placeholder_name_len(const char *at);

#endif
