/* token: the release subkey on a PKCS#11 token through p11-kit; see token.h.
 * p11-kit rather than libp11: Debian 12's libp11 (0.4.12) knows RSA and ECDSA keys only, not
 * Ed25519 (CKK_EC_EDWARDS / CKM_EDDSA), while p11-kit gives the RFC 7512 URI parser, the PIN
 * sources and module loading, and leaves the PKCS#11 calls to us: both key types, same code. */
#include "token.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>
#include <p11-kit/p11-kit.h>
#include <p11-kit/pin.h>
#include <p11-kit/uri.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

struct token {
	CK_FUNCTION_LIST *f;
	CK_SESSION_HANDLE session;
	P11KitUri *uri;
	CK_OBJECT_HANDLE priv;
	CK_KEY_TYPE key_type;
	unsigned long signs;
	bool logged_in;
};

/* DER of the curve OIDs, as CKA_EC_PARAMS wants them */
static const unsigned char oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
static const unsigned char oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };

static void ck_error(struct diag *d, const char *what, CK_RV rv)
{
	diag_error(d, NULL, 0, "token: %s failed: %s", what, p11_kit_strerror(rv));
}

static char *pin_from_source(const char *source, struct diag *d)
{
	const char *path = str_has_prefix(source, "file:") ? source + 5 : source;
	return keys_read_secret(path, d);
}

struct token *token_open(const char *uri_text, const char *module, const char *pin_file, struct diag *d)
{
	P11KitUri *uri = p11_kit_uri_new();
	int r = p11_kit_uri_parse(uri_text, P11_KIT_URI_FOR_ANY, uri);
	if (r != P11_KIT_URI_OK) {
		diag_error(d, NULL, 0, "token URI '%s': %s", uri_text, p11_kit_uri_message(r));
		p11_kit_uri_free(uri);
		return NULL;
	}
	if (p11_kit_uri_get_pin_value(uri)) {
		diag_error(d, NULL, 0, "token URI: pin-value is refused (argv is readable by every user); use --pin-file or pin-source=");
		p11_kit_uri_free(uri);
		return NULL;
	}
	if (!module)
		module = p11_kit_uri_get_module_path(uri);
	if (!module) {
		diag_error(d, NULL, 0, "token URI: no module (give --module PATH or module-path= in the URI)");
		p11_kit_uri_free(uri);
		return NULL;
	}
	CK_FUNCTION_LIST *f = p11_kit_module_load(module, 0);
	if (!f) {
		diag_error(d, module, 0, "cannot load the PKCS#11 module: %s", p11_kit_message() ? p11_kit_message() : "?");
		p11_kit_uri_free(uri);
		return NULL;
	}
	CK_RV rv = p11_kit_module_initialize(f);
	if (rv != CKR_OK) {
		ck_error(d, "C_Initialize", rv);
		p11_kit_module_release(f);
		p11_kit_uri_free(uri);
		return NULL;
	}
	struct token *t = xcalloc(1, sizeof *t);
	t->f = f;
	t->uri = uri;
	t->session = CK_INVALID_HANDLE;
	CK_ULONG n = 0;
	rv = f->C_GetSlotList(CK_TRUE, NULL, &n);
	CK_SLOT_ID *slots = xcalloc(n ? n : 1, sizeof *slots);
	if (rv == CKR_OK)
		rv = f->C_GetSlotList(CK_TRUE, slots, &n);
	CK_SLOT_ID slot = 0;
	bool found = false;
	for (CK_ULONG i = 0; rv == CKR_OK && i < n && !found; i++) {
		CK_TOKEN_INFO info;
		if (f->C_GetTokenInfo(slots[i], &info) == CKR_OK && p11_kit_uri_match_token_info(uri, &info)) {
			slot = slots[i];
			found = true;
		}
	}
	free(slots);
	if (!found) {
		diag_error(d, NULL, 0, "token: no token matches '%s' (absent or not initialized)", uri_text);
		token_close(t);
		return NULL;
	}
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &t->session);
	if (rv != CKR_OK) {
		ck_error(d, "C_OpenSession", rv);
		token_close(t);
		return NULL;
	}
	const char *source = p11_kit_uri_get_pin_source(uri);
	char *pin = pin_file ? keys_read_secret(pin_file, d) : source ? pin_from_source(source, d) : NULL;
	if (!pin) {
		if (!pin_file && !source)
			diag_error(d, NULL, 0, "token: no PIN (give --pin-file FILE or pin-source= in the URI)");
		token_close(t);
		return NULL;
	}
	rv = f->C_Login(t->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	OPENSSL_cleanse(pin, strlen(pin));
	free(pin);
	if (rv == CKR_PIN_INCORRECT)
		diag_error(d, NULL, 0, "token: wrong PIN");
	else if (rv == CKR_PIN_LOCKED)
		diag_error(d, NULL, 0, "token: the user PIN is locked");
	else if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
		ck_error(d, "C_Login", rv);
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		token_close(t);
		return NULL;
	}
	t->logged_in = true;
	return t;
}

void token_close(struct token *t)
{
	if (!t)
		return;
	if (t->session != CK_INVALID_HANDLE) {
		if (t->logged_in)
			t->f->C_Logout(t->session);
		t->f->C_CloseSession(t->session);
	}
	p11_kit_module_finalize(t->f);
	p11_kit_module_release(t->f);
	p11_kit_uri_free(t->uri);
	free(t);
}

/* The URI's object= and id= as a search template, plus CLASS. */
static size_t uri_template(struct token *t, CK_OBJECT_CLASS *cls, CK_ATTRIBUTE *tmpl)
{
	size_t n = 0;
	tmpl[n++] = (CK_ATTRIBUTE){ CKA_CLASS, cls, sizeof *cls };
	CK_ATTRIBUTE *a = p11_kit_uri_get_attribute(t->uri, CKA_LABEL);
	if (a)
		tmpl[n++] = *a;
	a = p11_kit_uri_get_attribute(t->uri, CKA_ID);
	if (a)
		tmpl[n++] = *a;
	return n;
}

static CK_RV find_one(struct token *t, CK_OBJECT_CLASS cls, CK_OBJECT_HANDLE *out, CK_ULONG *count)
{
	CK_ATTRIBUTE tmpl[3];
	size_t n = uri_template(t, &cls, tmpl);
	CK_RV rv = t->f->C_FindObjectsInit(t->session, tmpl, n);
	if (rv != CKR_OK)
		return rv;
	CK_OBJECT_HANDLE h[2];
	rv = t->f->C_FindObjects(t->session, h, 2, count);
	t->f->C_FindObjectsFinal(t->session);
	if (rv == CKR_OK && *count >= 1)
		*out = h[0];
	return rv;
}

static EVP_PKEY *public_from_point(CK_KEY_TYPE kt, const unsigned char *der, size_t n, struct diag *d)
{
	/* CKA_EC_POINT is a DER OCTET STRING around the point */
	const unsigned char *p = der;
	size_t len = n;
	if (n >= 2 && der[0] == 0x04 && der[1] == n - 2) {
		p = der + 2;
		len = n - 2;
	}
	EVP_PKEY *k = NULL;
	if (kt == CKK_EC_EDWARDS && len == 32) {
		k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, p, len);
	} else if (kt == CKK_EC && len == 65 && p[0] == 0x04) {
		OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
		OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
		OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, p, len);
		OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(b);
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
		if (ctx && EVP_PKEY_fromdata_init(ctx) == 1)
			EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params);
		EVP_PKEY_CTX_free(ctx);
		OSSL_PARAM_free(params);
		OSSL_PARAM_BLD_free(b);
	}
	ERR_clear_error();
	if (!k)
		diag_error(d, NULL, 0, "token: the public key is neither Ed25519 nor P-256");
	return k;
}

static EVP_PKEY *read_public(struct token *t, CK_OBJECT_HANDLE pub, struct diag *d)
{
	CK_KEY_TYPE kt;
	unsigned char point[128];
	CK_ATTRIBUTE a[2] = { { CKA_KEY_TYPE, &kt, sizeof kt }, { CKA_EC_POINT, point, sizeof point } };
	CK_RV rv = t->f->C_GetAttributeValue(t->session, pub, a, 2);
	if (rv != CKR_OK) {
		ck_error(d, "reading the public key", rv);
		return NULL;
	}
	t->key_type = kt;
	return public_from_point(kt, point, a[1].ulValueLen, d);
}

EVP_PKEY *token_generate(struct token *t, const char *type, struct diag *d)
{
	if (!p11_kit_uri_get_attribute(t->uri, CKA_LABEL)) {
		diag_error(d, NULL, 0, "token URI: name the key with object=LABEL");
		return NULL;
	}
	CK_OBJECT_HANDLE h;
	CK_ULONG count = 0;
	CK_RV rv = find_one(t, CKO_PRIVATE_KEY, &h, &count);
	if (rv == CKR_OK && count > 0) {
		diag_error(d, NULL, 0, "token: a key with this label already exists; refusing to make a second");
		return NULL;
	}
	bool ed = strcmp(type, "ed25519") == 0;
	if (!ed && strcmp(type, "p256") != 0) {
		diag_error(d, NULL, 0, "unknown subkey type '%s' (ed25519 or p256)", type);
		return NULL;
	}
	CK_MECHANISM mech = { ed ? CKM_EC_EDWARDS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE *label = p11_kit_uri_get_attribute(t->uri, CKA_LABEL);
	CK_ATTRIBUTE *id = p11_kit_uri_get_attribute(t->uri, CKA_ID);
	CK_ATTRIBUTE pub[6] = {
		{ CKA_EC_PARAMS, (void *)(ed ? oid_ed25519 : oid_p256), ed ? sizeof oid_ed25519 : sizeof oid_p256 },
		{ CKA_TOKEN, &yes, sizeof yes },
		{ CKA_VERIFY, &yes, sizeof yes },
		*label,
	};
	CK_ULONG npub = 4;
	if (id)
		pub[npub++] = *id;
	CK_ATTRIBUTE priv[8] = {
		{ CKA_TOKEN, &yes, sizeof yes },     { CKA_PRIVATE, &yes, sizeof yes },
		{ CKA_SENSITIVE, &yes, sizeof yes }, { CKA_EXTRACTABLE, &no, sizeof no },
		{ CKA_SIGN, &yes, sizeof yes },      *label,
	};
	CK_ULONG npriv = 6;
	if (id)
		priv[npriv++] = *id;
	CK_OBJECT_HANDLE hpub, hpriv;
	rv = t->f->C_GenerateKeyPair(t->session, &mech, pub, npub, priv, npriv, &hpub, &hpriv);
	if (rv != CKR_OK) {
		ck_error(d, "C_GenerateKeyPair", rv);
		return NULL;
	}
	t->priv = hpriv;
	return read_public(t, hpub, d);
}

EVP_PKEY *token_public(struct token *t, struct diag *d)
{
	CK_OBJECT_HANDLE pub;
	CK_ULONG count = 0;
	CK_RV rv = find_one(t, CKO_PUBLIC_KEY, &pub, &count);
	if (rv == CKR_OK && count == 1)
		rv = find_one(t, CKO_PRIVATE_KEY, &t->priv, &count);
	if (rv != CKR_OK) {
		ck_error(d, "C_FindObjects", rv);
		return NULL;
	}
	if (count != 1) {
		diag_error(d, NULL, 0, count ? "token: the URI names more than one key pair" : "token: no key pair matches the URI");
		return NULL;
	}
	return read_public(t, pub, d);
}

bool token_sign(void *ctx, const unsigned char *msg, size_t len, struct buf *out, struct diag *d)
{
	struct token *t = ctx;
	bool ed = t->key_type == CKK_EC_EDWARDS;
	unsigned char digest[SHA256_DIGEST_LENGTH];
	if (!ed) {
		SHA256(msg, len, digest);
		msg = digest;
		len = sizeof digest;
	}
	CK_MECHANISM mech = { ed ? CKM_EDDSA : CKM_ECDSA, NULL, 0 };
	CK_RV rv = t->f->C_SignInit(t->session, &mech, t->priv);
	unsigned char sig[128];
	CK_ULONG n = sizeof sig;
	if (rv == CKR_OK)
		rv = t->f->C_Sign(t->session, (CK_BYTE_PTR)msg, len, sig, &n);
	if (rv != CKR_OK) {
		ck_error(d, "C_Sign", rv);
		return false;
	}
	t->signs++;
	if (ed) {
		hex_encode(sig, n, out);
		return true;
	}
	/* PKCS#11 gives r||s; TUF (and OpenSSL) want the DER ECDSA-Sig-Value */
	if (n != 64) {
		diag_error(d, NULL, 0, "token: an ECDSA P-256 signature of %lu bytes", (unsigned long)n);
		return false;
	}
	ECDSA_SIG *s = ECDSA_SIG_new();
	ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
	unsigned char *der = NULL;
	int dn = i2d_ECDSA_SIG(s, &der);
	ECDSA_SIG_free(s);
	if (dn <= 0) {
		diag_error(d, NULL, 0, "token: cannot encode the ECDSA signature");
		return false;
	}
	hex_encode(der, (size_t)dn, out);
	OPENSSL_free(der);
	return true;
}

unsigned long token_sign_count(const struct token *t)
{
	return t->signs;
}

bool token_private_attrs(struct token *t, bool *extractable, bool *sensitive, bool *value_readable, struct diag *d)
{
	CK_BBOOL ex = CK_TRUE, se = CK_FALSE;
	CK_ATTRIBUTE a[2] = { { CKA_EXTRACTABLE, &ex, sizeof ex }, { CKA_SENSITIVE, &se, sizeof se } };
	CK_RV rv = t->f->C_GetAttributeValue(t->session, t->priv, a, 2);
	if (rv != CKR_OK) {
		ck_error(d, "C_GetAttributeValue", rv);
		return false;
	}
	*extractable = ex;
	*sensitive = se;
	unsigned char value[256];
	CK_ATTRIBUTE v = { CKA_VALUE, value, sizeof value };
	rv = t->f->C_GetAttributeValue(t->session, t->priv, &v, 1);
	*value_readable = rv == CKR_OK && v.ulValueLen != CK_UNAVAILABLE_INFORMATION;
	return true;
}
