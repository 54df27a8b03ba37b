/* secret: secret values and their derived forms; see secret.h. */
#include "secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const char hex_digits[] = "0123456789abcdef";
static const char base64url_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char alnum_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void secret_alloc(struct secret *s, size_t len)
{
	s->v = xmalloc(len + 1);
	s->len = len;
	s->v[len] = '\0';
	/* best effort: keeps the page out of swap; a small RLIMIT_MEMLOCK may refuse, which is
	 * no reason to fail */
	(void)mlock(s->v, len + 1);
}

void secret_free(struct secret *s)
{
	if (!s->v)
		return;
	OPENSSL_cleanse(s->v, s->len + 1);
	(void)munlock(s->v, s->len + 1);
	free(s->v);
	s->v = NULL;
	s->len = 0;
}

void secret_set(struct secret *s, const char *v, size_t len)
{
	secret_alloc(s, len);
	memcpy(s->v, v, len);
}

void secret_list_free(struct secret_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		secret_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* log2(62): each alnum character carries this many bits */
#define ALNUM_BITS 5.954196310386876

size_t secret_length(enum encoding encoding, int bits)
{
	size_t bytes = ((size_t)bits + 7) / 8;
	switch (encoding) {
	case ENCODING_HEX:
		return 2 * bytes;
	case ENCODING_BASE64URL:
		return (bytes * 8 + 5) / 6;
	case ENCODING_ALNUM: {
		size_t n = 0;
		while ((double)n * ALNUM_BITS < (double)bits)
			n++;
		return n;
	}
	}
	return 0;
}

/* The alnum policy a generated password satisfies, stated once: letters and digits only (no
 * character any config syntax, shell or SQL literal needs to quote), and at least one upper-case
 * letter, one lower-case letter and one digit, for daemons that enforce character classes. */
static bool alnum_policy(const char *v, size_t len)
{
	bool upper = false, lower = false, digit = false;
	for (size_t i = 0; i < len; i++) {
		upper |= v[i] >= 'A' && v[i] <= 'Z';
		lower |= v[i] >= 'a' && v[i] <= 'z';
		digit |= v[i] >= '0' && v[i] <= '9';
	}
	return upper && lower && digit;
}

static bool fill_hex(char *out, size_t len)
{
	unsigned char raw[128];
	size_t bytes = len / 2;
	if (RAND_bytes(raw, (int)bytes) != 1)
		return false;
	for (size_t i = 0; i < bytes; i++) {
		out[2 * i] = hex_digits[raw[i] >> 4];
		out[2 * i + 1] = hex_digits[raw[i] & 15];
	}
	OPENSSL_cleanse(raw, sizeof raw);
	return true;
}

static bool fill_base64url(char *out, size_t len)
{
	unsigned char raw[130];
	size_t bytes = len * 6 / 8 + 1;
	if (RAND_bytes(raw, (int)bytes) != 1)
		return false;
	/* 6 bits per character, taken in order from the random bytes */
	for (size_t i = 0; i < len; i++) {
		size_t bit = i * 6, byte = bit / 8, shift = bit % 8;
		unsigned v = ((unsigned)raw[byte] << 8 | raw[byte + 1]) >> (10 - shift);
		out[i] = base64url_digits[v & 63];
	}
	OPENSSL_cleanse(raw, sizeof raw);
	return true;
}

static bool fill_alnum(char *out, size_t len)
{
	unsigned char raw[64];
	size_t have = 0, pos = sizeof raw;
	do {
		have = 0;
		while (have < len) {
			if (pos == sizeof raw) {
				if (RAND_bytes(raw, (int)sizeof raw) != 1)
					return false;
				pos = 0;
			}
			/* rejection keeps every character equally likely: 248 = 4 * 62 */
			unsigned char b = raw[pos++];
			if (b < 248)
				out[have++] = alnum_digits[b % 62];
		}
		/* redrawing the whole value keeps it uniform over the values the policy accepts */
	} while (!alnum_policy(out, len));
	OPENSSL_cleanse(raw, sizeof raw);
	return true;
}

static const struct {
	const char *digits;
	bool (*fill)(char *out, size_t len);
} encodings[] = {
	[ENCODING_HEX] = { hex_digits, fill_hex },
	[ENCODING_BASE64URL] = { base64url_digits, fill_base64url },
	[ENCODING_ALNUM] = { alnum_digits, fill_alnum },
};

bool secret_generate(struct secret *s, enum encoding encoding, int bits)
{
	secret_alloc(s, secret_length(encoding, bits));
	if (!encodings[encoding].fill(s->v, s->len)) {
		secret_free(s);
		return false;
	}
	return true;
}

bool secret_valid(const char *v, size_t len, enum encoding encoding, int bits, bool *exact)
{
	*exact = len == secret_length(encoding, bits);
	if (len < secret_length(encoding, 128) || len > secret_length(encoding, 1024))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!v[i] || !strchr(encodings[encoding].digits, v[i]))
			return false;
	return encoding != ENCODING_ALNUM || alnum_policy(v, len);
}

bool secret_equal(const struct secret *a, const char *b, size_t blen)
{
	return a->len == blen && CRYPTO_memcmp(a->v, b, blen) == 0;
}

size_t placeholder_name_len(const char *at)
{
	if (at[0] != '@')
		return 0;
	size_t n = 1;
	while ((at[n] >= 'A' && at[n] <= 'Z') || (at[n] >= '0' && at[n] <= '9') || at[n] == '_')
		n++;
	return n > 1 && at[n] == '@' ? n - 1 : 0;
}

/* Standard base64 with padding, as password hash formats spell it. */
static void base64(char *out, const unsigned char *in, size_t len)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

static bool derive_copy(struct secret *out, const struct secret *in)
{
	secret_set(out, in->v, in->len);
	return true;
}

/* PostgreSQL's SCRAM-SHA-256 verifier (RFC 5802/7677, as pg_authid stores it), so the password
 * itself never reaches the server, its statement log or its memory. */
static bool derive_scram_sha_256(struct secret *out, const struct secret *in)
{
	enum { SALT = 16, ITER = 4096, KEY = 32 };
	unsigned char salt[SALT], salted[KEY], client[KEY], stored[KEY], server[KEY];
	unsigned len = KEY;
	bool ok = RAND_bytes(salt, SALT) == 1 &&
		  PKCS5_PBKDF2_HMAC(in->v, (int)in->len, salt, SALT, ITER, EVP_sha256(), KEY, salted) == 1 &&
		  HMAC(EVP_sha256(), salted, KEY, (const unsigned char *)"Client Key", 10, client, &len) &&
		  SHA256(client, KEY, stored) &&
		  HMAC(EVP_sha256(), salted, KEY, (const unsigned char *)"Server Key", 10, server, &len);
	if (ok) {
		char b_salt[4 * SALT / 3 + 4], b_stored[4 * KEY / 3 + 4], b_server[4 * KEY / 3 + 4];
		base64(b_salt, salt, SALT);
		base64(b_stored, stored, KEY);
		base64(b_server, server, KEY);
		char text[160];
		int n = snprintf(text, sizeof text, "SCRAM-SHA-256$%d:%s$%s:%s", ITER, b_salt, b_stored, b_server);
		secret_set(out, text, (size_t)n);
		OPENSSL_cleanse(text, sizeof text);
	}
	OPENSSL_cleanse(salted, KEY);
	OPENSSL_cleanse(client, KEY);
	return ok;
}

/* OpenLDAP's {SSHA}: base64(SHA1(password salt) salt), what slappasswd writes by default. */
static bool derive_ssha(struct secret *out, const struct secret *in)
{
	enum { SALT = 8 };
	unsigned char buf[SHA_DIGEST_LENGTH + SALT], salt[SALT];
	if (RAND_bytes(salt, SALT) != 1)
		return false;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) && EVP_DigestUpdate(ctx, in->v, in->len) &&
		  EVP_DigestUpdate(ctx, salt, SALT) && EVP_DigestFinal_ex(ctx, buf, NULL);
	EVP_MD_CTX_free(ctx); /* clears its state */
	if (ok) {
		memcpy(buf + SHA_DIGEST_LENGTH, salt, SALT);
		char text[8 + 4 * sizeof buf / 3 + 4];
		memcpy(text, "{SSHA}", 6);
		base64(text + 6, buf, sizeof buf);
		secret_set(out, text, strlen(text));
		OPENSSL_cleanse(text, sizeof text);
	}
	OPENSSL_cleanse(buf, sizeof buf);
	return ok;
}

/* MySQL/MariaDB mysql_native_password: '*' and the upper-case hex of SHA1(SHA1(password)). */
static bool derive_mysql_native(struct secret *out, const struct secret *in)
{
	unsigned char once[SHA_DIGEST_LENGTH], twice[SHA_DIGEST_LENGTH];
	bool ok = SHA1((const unsigned char *)in->v, in->len, once) && SHA1(once, sizeof once, twice);
	if (ok) {
		char text[2 + 2 * SHA_DIGEST_LENGTH];
		text[0] = '*';
		for (size_t i = 0; i < SHA_DIGEST_LENGTH; i++) {
			text[1 + 2 * i] = "0123456789ABCDEF"[twice[i] >> 4];
			text[2 + 2 * i] = "0123456789ABCDEF"[twice[i] & 15];
		}
		secret_set(out, text, 1 + 2 * SHA_DIGEST_LENGTH);
	}
	OPENSSL_cleanse(once, sizeof once);
	OPENSSL_cleanse(twice, sizeof twice);
	return ok;
}

/* Mosquitto 2.0's password file hash, as mosquitto_passwd writes it: "$7$" (PBKDF2-HMAC-SHA512),
 * the iterations, then base64 of a 12-byte salt and of the 64-byte key (password_mosq.c). */
static bool derive_mosquitto_pbkdf2(struct secret *out, const struct secret *in)
{
	enum { SALT = 12, ITER = 101, KEY = 64 };
	unsigned char salt[SALT], key[KEY];
	bool ok = RAND_bytes(salt, SALT) == 1 &&
		  PKCS5_PBKDF2_HMAC(in->v, (int)in->len, salt, SALT, ITER, EVP_sha512(), KEY, key) == 1;
	if (ok) {
		char b_salt[4 * SALT / 3 + 4], b_key[4 * KEY / 3 + 4], text[160];
		base64(b_salt, salt, SALT);
		base64(b_key, key, KEY);
		int n = snprintf(text, sizeof text, "$7$%d$%s$%s", ITER, b_salt, b_key);
		secret_set(out, text, (size_t)n);
		OPENSSL_cleanse(text, sizeof text);
	}
	OPENSSL_cleanse(key, KEY);
	return ok;
}

/* The placeholders a delivery template may use where the secret goes. */
static const struct {
	const char *name;
	bool (*derive)(struct secret *out, const struct secret *in);
} placeholders[] = {
	{ "SECRET", derive_copy },
	{ "SCRAM_SHA_256", derive_scram_sha_256 },
	{ "SSHA", derive_ssha },
	{ "MYSQL_NATIVE_PASSWORD", derive_mysql_native },
	{ "MOSQUITTO_PBKDF2", derive_mosquitto_pbkdf2 },
};
enum { N_PLACEHOLDERS = sizeof placeholders / sizeof *placeholders };

static int placeholder_index(const char *name, size_t len)
{
	for (int i = 0; i < N_PLACEHOLDERS; i++)
		if (strlen(placeholders[i].name) == len && strncmp(placeholders[i].name, name, len) == 0)
			return i;
	return -1;
}

bool secret_placeholder_known(const char *name, size_t len)
{
	return placeholder_index(name, len) >= 0;
}

bool secret_render(struct secret *out, const char *tmpl, const struct secret *s, struct secret_list *derived)
{
	/* each derived form is computed once per rendering: one salt, one value, however often used */
	struct secret values[N_PLACEHOLDERS] = { 0 };
	bool ok = true;
	size_t total = 0;
	for (const char *p = tmpl; *p && ok;) {
		size_t n = placeholder_name_len(p);
		int i = n ? placeholder_index(p + 1, n) : -1;
		if (i < 0) {
			total++;
			p++;
			continue;
		}
		if (!values[i].v)
			ok = placeholders[i].derive(&values[i], s);
		total += values[i].len;
		p += n + 2;
	}
	if (ok) {
		/* sized once: a growing buffer would leave copies behind in freed memory */
		secret_alloc(out, total);
		size_t at = 0;
		for (const char *p = tmpl; *p;) {
			size_t n = placeholder_name_len(p);
			int i = n ? placeholder_index(p + 1, n) : -1;
			if (i < 0) {
				out->v[at++] = *p++;
				continue;
			}
			memcpy(out->v + at, values[i].v, values[i].len);
			at += values[i].len;
			p += n + 2;
		}
	}
	for (int i = 0; i < N_PLACEHOLDERS; i++) {
		if (values[i].v && derived && ok) {
			derived->v = xreallocarray(derived->v, derived->n + 1, sizeof *derived->v);
			derived->v[derived->n++] = values[i];
		} else {
			secret_free(&values[i]);
		}
	}
	return ok;
}
