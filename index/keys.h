/* keys: TUF key objects and signatures through OpenSSL: the key JSON and key id of a public key,
 * signature checks for the schemes we accept, and the offline master key (Ed25519, kept in a
 * PKCS#8 file encrypted with a passphrase read from a file). */
#ifndef HK_INDEX_KEYS_H
#define HK_INDEX_KEYS_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>

#include "../core/diag.h"
#include "../core/util.h"

/* The TUF key object of PUB: {"keytype":"ed25519","scheme":"ed25519","keyval":{"public":HEX}}
 * or {"keytype":"ecdsa","scheme":"ecdsa-sha2-nistp256","keyval":{"public":PEM}}; NULL for any
 * other key. */
json_t *keys_to_json(EVP_PKEY *pub);
/* The key id: hex SHA-256 of the canonical form of KEY (a key object). Caller frees. */
char *keys_id(const json_t *key);
/* The public key of a key object, when its keytype/scheme pair is one we accept; NULL with
 * *WHY set otherwise ("unknown key type ..."). */
EVP_PKEY *keys_from_json(const json_t *key, const char **why);
/* Whether SIGHEX (hex) is a valid signature by PUB over MSG under the key's scheme. */
bool keys_verify(EVP_PKEY *pub, const unsigned char *msg, size_t len, const char *sighex);

/* A signer: the master key in memory, or the token subkey (token.h). SIGN appends the hex
 * signature of MSG to OUT. */
struct signer {
	char *keyid;
	bool (*sign)(void *ctx, const unsigned char *msg, size_t len, struct buf *out, struct diag *d);
	void *ctx;
};
bool keys_evp_sign(void *pkey, const unsigned char *msg, size_t len, struct buf *out, struct diag *d);

/* Reads a passphrase or PIN: the first line of FILE, without its newline; refuses an empty
 * one and a file others can read. Caller wipes and frees. */
char *keys_read_secret(const char *file, struct diag *d);
/* Makes an Ed25519 key and writes it to PATH (0600, O_EXCL) as encrypted PKCS#8. */
EVP_PKEY *keys_master_generate(const char *path, const char *passphrase, struct diag *d);
EVP_PKEY *keys_master_load(const char *path, const char *passphrase, struct diag *d);

void hex_encode(const unsigned char *p, size_t n, struct buf *out);
/* Decodes lower- or upper-case hex; NULL when S is not an even run of hex digits. */
unsigned char *hex_decode(const char *s, size_t *n);

#endif
