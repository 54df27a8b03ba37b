/* meta: TUF metadata envelopes, bounded reads and the shared checks; see meta.h. */
#include "meta.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "canon.h"

char *meta_sha256_hex(const void *data, size_t len)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256(data, len, md);
	struct buf hex = { 0 };
	hex_encode(md, sizeof md, &hex);
	return hex.data;
}

bool meta_sign(json_t *signed_part, struct signer *const *signers, size_t n, struct buf *out, struct diag *d)
{
	struct buf msg = { 0 };
	const char *why;
	if (!canon_dump(signed_part, &msg, &why)) {
		diag_error(d, NULL, 0, "cannot sign metadata holding %s", why);
		buf_free(&msg);
		return false;
	}
	json_t *sigs = json_array();
	bool ok = true;
	for (size_t i = 0; i < n && ok; i++) {
		struct buf sig = { 0 };
		ok = signers[i]->sign(signers[i]->ctx, (const unsigned char *)msg.data, msg.len, &sig, d);
		if (ok)
			json_array_append_new(sigs, json_pack("{s:s, s:s}", "keyid", signers[i]->keyid, "sig", sig.data));
		buf_free(&sig);
	}
	buf_free(&msg);
	json_t *doc = json_pack("{s:o, s:O}", "signatures", sigs, "signed", signed_part);
	/* the file is plain JSON, sorted and compact: the canonical form is only what is signed
	 * (it writes control characters raw, as in a PEM key's newlines, which JSON forbids) */
	char *text = ok ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (text)
		buf_puts(out, text);
	ok = ok && text;
	free(text);
	json_decref(doc);
	return ok;
}

json_t *meta_read(const char *path, size_t limit, struct buf *raw, struct diag *d)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_error(d, path, 0, "cannot read: %s", strerror(errno));
		return NULL;
	}
	struct buf b = { 0 };
	char chunk[65536];
	ssize_t r;
	bool big = false;
	while ((r = read(fd, chunk, sizeof chunk)) > 0) {
		if (b.len + (size_t)r > limit) {
			big = true;
			break;
		}
		buf_append(&b, chunk, (size_t)r);
	}
	int err = errno;
	close(fd);
	if (big || r < 0) {
		if (big)
			diag_error(d, path, 0, "larger than the %zu bytes allowed for it; refused", limit);
		else
			diag_error(d, path, 0, "cannot read: %s", strerror(err));
		buf_free(&b);
		return NULL;
	}
	char why[200];
	json_t *v = canon_parse(b.data ? b.data : "", b.len, why, sizeof why);
	if (!v) {
		diag_error(d, path, 0, "not valid JSON (%s)", why);
		buf_free(&b);
		return NULL;
	}
	if (raw)
		*raw = b;
	else
		buf_free(&b);
	return v;
}

bool meta_check_signatures(const json_t *doc, const json_t *root_signed, const char *role, const char *file,
			   struct diag *d)
{
	json_t *sigs = json_object_get(doc, "signatures");
	json_t *signed_part = json_object_get(doc, "signed");
	json_t *r = json_object_get(json_object_get(root_signed, "roles"), role);
	json_t *keyids = json_object_get(r, "keyids");
	json_t *keys = json_object_get(root_signed, "keys");
	json_int_t threshold = json_integer_value(json_object_get(r, "threshold"));
	if (!json_is_array(sigs) || !json_is_object(signed_part)) {
		diag_error(d, file, 0, "not a signed TUF document (no signatures array or signed object)");
		return false;
	}
	if (!json_is_array(keyids) || threshold < 1) {
		diag_error(d, file, 0, "the trusted root has no valid '%s' role", role);
		return false;
	}
	struct buf msg = { 0 };
	const char *why;
	if (!canon_dump(signed_part, &msg, &why)) {
		diag_error(d, file, 0, "the signed part holds %s; refused", why);
		buf_free(&msg);
		return false;
	}
	json_int_t good = 0;
	const char *unknown_why = NULL;
	/* count distinct authorised key ids: a key's signature repeated is still one signature */
	size_t i;
	json_t *kid;
	json_array_foreach(keyids, i, kid)
	{
		const char *id = json_string_value(kid);
		json_t *key = id ? json_object_get(keys, id) : NULL;
		if (!key)
			continue;
		const char *w = NULL;
		EVP_PKEY *pub = keys_from_json(key, &w);
		if (!pub) {
			unknown_why = w;
			continue;
		}
		size_t j;
		json_t *s;
		json_array_foreach(sigs, j, s)
		{
			const char *sid = json_string_value(json_object_get(s, "keyid"));
			const char *sig = json_string_value(json_object_get(s, "sig"));
			if (sid && sig && strcmp(sid, id) == 0 &&
			    keys_verify(pub, (const unsigned char *)msg.data, msg.len, sig)) {
				good++;
				break;
			}
		}
		EVP_PKEY_free(pub);
	}
	buf_free(&msg);
	if (good < threshold) {
		if (unknown_why && good == 0)
			diag_error(d, file, 0, "%s role: %s in the trusted root; %lld of %lld required signatures valid",
				   role, unknown_why, (long long)good, (long long)threshold);
		else
			diag_error(d, file, 0, "%s role: %lld of %lld required signatures by distinct keys the trusted root names are valid; refused",
				   role, (long long)good, (long long)threshold);
		return false;
	}
	return true;
}

bool meta_parse_time(const char *s, time_t *t)
{
	struct tm tm = { 0 };
	char z = 0;
	int n = 0;
	if (!s || strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec, &z, &n) != 7 ||
	    z != 'Z' || n != 20)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = timegm(&tm);
	return *t != (time_t)-1;
}

void meta_format_time(time_t t, char out[21])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

bool meta_check_common(const json_t *doc, const char *type, const char *file, int64_t *version, time_t *expires,
		       struct diag *d)
{
	json_t *s = json_object_get(doc, "signed");
	const char *t = json_string_value(json_object_get(s, "_type"));
	const char *spec = json_string_value(json_object_get(s, "spec_version"));
	json_t *v = json_object_get(s, "version");
	const char *exp = json_string_value(json_object_get(s, "expires"));
	if (!t || strcmp(t, type) != 0) {
		diag_error(d, file, 0, "_type is '%s', expected '%s'", t ? t : "(none)", type);
		return false;
	}
	if (!spec || !str_has_prefix(spec, "1.")) {
		diag_error(d, file, 0, "spec_version '%s' is not 1.x", spec ? spec : "(none)");
		return false;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 1) {
		diag_error(d, file, 0, "version is not a positive integer");
		return false;
	}
	if (!meta_parse_time(exp, expires)) {
		diag_error(d, file, 0, "expires is not a UTC time YYYY-MM-DDTHH:MM:SSZ");
		return false;
	}
	*version = json_integer_value(v);
	return true;
}
