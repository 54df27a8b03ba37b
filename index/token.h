/* token: the release subkey on a PKCS#11 token, through p11-kit: the RFC 7512 pkcs11: URI, the
 * module, the login with a PIN from a file, key generation on the token and signing. */
#ifndef HK_INDEX_TOKEN_H
#define HK_INDEX_TOKEN_H

#include <openssl/evp.h>
#include <stdbool.h>

#include "../core/diag.h"
#include "../core/util.h"

struct token;

/* Opens the token URI names (module from --module, else the URI's module-path), logs in as
 * user with the PIN read from PIN_FILE, else from the URI's pin-source (a file). A PIN inside
 * the URI (pin-value) is refused: the URI travels in argv. */
struct token *token_open(const char *uri, const char *module, const char *pin_file, struct diag *d);
void token_close(struct token *t);

/* Generates a key pair on the token, labelled by the URI's object= (and id= when given):
 * private half CKA_TOKEN, CKA_PRIVATE, CKA_SENSITIVE, not CKA_EXTRACTABLE. TYPE is "ed25519"
 * or "p256". Refuses when a key with that label already exists. Returns the public key. */
EVP_PKEY *token_generate(struct token *t, const char *type, struct diag *d);
/* Finds the key pair the URI names and returns its public key. */
EVP_PKEY *token_public(struct token *t, struct diag *d);
/* signer.sign for the token key: one C_Sign per call (CKM_EDDSA, or CKM_ECDSA over SHA-256). */
bool token_sign(void *token, const unsigned char *msg, size_t len, struct buf *out, struct diag *d);
/* How many C_Sign operations this token has made (for the tests and the bench). */
unsigned long token_sign_count(const struct token *t);

/* For the tests: the private key's CKA_EXTRACTABLE, CKA_SENSITIVE, and whether reading its
 * CKA_VALUE succeeded. */
bool token_private_attrs(struct token *t, bool *extractable, bool *sensitive, bool *value_readable, struct diag *d);

#endif
