/* keys: TUF key objects, signature checks and the master key file; see keys.h. */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canon.h"

void hex_encode(const unsigned char *p, size_t n, struct buf *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		char two[2] = { digits[p[i] >> 4], digits[p[i] & 15] };
		buf_append(out, two, 2);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

unsigned char *hex_decode(const char *s, size_t *n)
{
	size_t len = strlen(s);
	if (len % 2)
		return NULL;
	unsigned char *p = xmalloc(len / 2 + 1);
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(p);
			return NULL;
		}
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	*n = len / 2;
	return p;
}

json_t *keys_to_json(EVP_PKEY *pub)
{
	if (EVP_PKEY_is_a(pub, "ED25519")) {
		unsigned char raw[32];
		size_t n = sizeof raw;
		if (EVP_PKEY_get_raw_public_key(pub, raw, &n) != 1 || n != 32)
			return NULL;
		struct buf hex = { 0 };
		hex_encode(raw, n, &hex);
		json_t *k = json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ed25519", "scheme", "ed25519", "keyval", "public",
				      hex.data);
		buf_free(&hex);
		return k;
	}
	if (EVP_PKEY_is_a(pub, "EC")) {
		char group[64];
		if (!EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) ||
		    strcmp(group, "prime256v1") != 0)
			return NULL;
		BIO *bio = BIO_new(BIO_s_mem());
		PEM_write_bio_PUBKEY(bio, pub);
		char *pem;
		long n = BIO_get_mem_data(bio, &pem);
		char *s = xmalloc((size_t)n + 1);
		memcpy(s, pem, (size_t)n);
		s[n] = 0;
		BIO_free(bio);
		json_t *k = json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ecdsa", "scheme", "ecdsa-sha2-nistp256", "keyval",
				      "public", s);
		free(s);
		return k;
	}
	return NULL;
}

char *keys_id(const json_t *key)
{
	struct buf c = { 0 };
	const char *why;
	if (!canon_dump(key, &c, &why)) {
		buf_free(&c);
		return NULL;
	}
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)c.data, c.len, md);
	buf_free(&c);
	struct buf hex = { 0 };
	hex_encode(md, sizeof md, &hex);
	return hex.data;
}

EVP_PKEY *keys_from_json(const json_t *key, const char **why)
{
	const char *type = NULL, *scheme = NULL, *pub = NULL;
	if (json_unpack((json_t *)key, "{s:s, s:s, s:{s:s}}", "keytype", &type, "scheme", &scheme, "keyval", "public",
			&pub) != 0) {
		*why = "a key object without keytype, scheme or keyval.public";
		return NULL;
	}
	if (strcmp(type, "ed25519") == 0 && strcmp(scheme, "ed25519") == 0) {
		size_t n;
		unsigned char *raw = hex_decode(pub, &n);
		EVP_PKEY *k = raw && n == 32 ? EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, n) : NULL;
		free(raw);
		if (!k)
			*why = "an ed25519 key whose public value is not 32 bytes of hex";
		return k;
	}
	if ((strcmp(type, "ecdsa") == 0 || strcmp(type, "ecdsa-sha2-nistp256") == 0) &&
	    strcmp(scheme, "ecdsa-sha2-nistp256") == 0) {
		BIO *bio = BIO_new_mem_buf(pub, -1);
		EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		BIO_free(bio);
		char group[64];
		if (k && (!EVP_PKEY_is_a(k, "EC") ||
			  !EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) ||
			  strcmp(group, "prime256v1") != 0)) {
			EVP_PKEY_free(k);
			k = NULL;
		}
		if (!k)
			*why = "an ecdsa-sha2-nistp256 key that is not a P-256 public key in PEM";
		ERR_clear_error();
		return k;
	}
	*why = "an unknown key type or signature scheme";
	return NULL;
}

bool keys_verify(EVP_PKEY *pub, const unsigned char *msg, size_t len, const char *sighex)
{
	size_t n;
	unsigned char *sig = hex_decode(sighex, &n);
	if (!sig)
		return false;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *md = EVP_PKEY_is_a(pub, "ED25519") ? NULL : EVP_sha256();
	bool ok = EVP_DigestVerifyInit(ctx, NULL, md, NULL, pub) == 1 && EVP_DigestVerify(ctx, sig, n, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	free(sig);
	ERR_clear_error();
	return ok;
}

bool keys_evp_sign(void *pkey, const unsigned char *msg, size_t len, struct buf *out, struct diag *d)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[128];
	size_t n = sizeof sig;
	bool ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 && EVP_DigestSign(ctx, sig, &n, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		diag_error(d, NULL, 0, "signing with the master key failed");
		return false;
	}
	hex_encode(sig, n, out);
	return true;
}

char *keys_read_secret(const char *file, struct diag *d)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		diag_error(d, file, 0, "cannot read the secret: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		diag_error(d, file, 0, "a secret file must be a regular file that only its owner can read (mode 0600 or 0400)");
		close(fd);
		return NULL;
	}
	char *s = xcalloc(1025, 1);
	ssize_t n = read(fd, s, 1024);
	close(fd);
	if (n < 0)
		n = 0;
	s[n] = 0;
	s[strcspn(s, "\r\n")] = 0;
	if (!*s) {
		diag_error(d, file, 1, "the secret is empty");
		free(s);
		return NULL;
	}
	return s;
}

EVP_PKEY *keys_master_generate(const char *path, const char *passphrase, struct diag *d)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!k) {
		diag_error(d, NULL, 0, "OpenSSL could not make an Ed25519 key");
		return NULL;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		diag_error(d, path, 0, "cannot create the master key file: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		EVP_PKEY_free(k);
		return NULL;
	}
	/* PKCS#8 v2: PBES2 with PBKDF2 and AES-256-CBC, OpenSSL's default for an encrypted key */
	bool ok = PEM_write_PKCS8PrivateKey(f, k, EVP_aes_256_cbc(), NULL, 0, NULL, (void *)passphrase) == 1;
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
	ok = fclose(f) == 0 && ok;
	if (!ok) {
		diag_error(d, path, 0, "cannot write the master key");
		unlink(path);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

EVP_PKEY *keys_master_load(const char *path, const char *passphrase, struct diag *d)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		diag_error(d, path, 0, "cannot read the master key: %s", strerror(errno));
		return NULL;
	}
	EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, (void *)passphrase);
	fclose(f);
	ERR_clear_error();
	if (!k || !EVP_PKEY_is_a(k, "ED25519")) {
		diag_error(d, path, 0, "not an Ed25519 master key, or the passphrase is wrong");
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}
