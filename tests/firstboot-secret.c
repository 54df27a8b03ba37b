/* firstboot-secret: the secret module and the spec format, without a disk: lengths and alphabets
 * of each encoding at each strength, that every character of an alphabet turns up, the alnum
 * policy, the derived forms against known answers, rendering, and the spec's refusals. */
#include "tap.h"
#include "../firstboot/secret.h"
#include "../firstboot/spec.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

static const char *const alphabets[] = {
	[ENCODING_HEX] = "0123456789abcdef",
	[ENCODING_BASE64URL] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
	[ENCODING_ALNUM] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
};

static void encodings(void)
{
	/* characters = ceil(bits / bits-per-character) */
	static const struct {
		enum encoding e;
		int bits;
		size_t len;
	} want[] = {
		{ ENCODING_HEX, 128, 32 },       { ENCODING_HEX, 256, 64 },       { ENCODING_HEX, 1024, 256 },
		{ ENCODING_BASE64URL, 128, 22 }, { ENCODING_BASE64URL, 256, 43 }, { ENCODING_BASE64URL, 384, 64 },
		{ ENCODING_ALNUM, 128, 22 },     { ENCODING_ALNUM, 256, 43 },     { ENCODING_ALNUM, 1024, 172 },
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		is_int(secret_length(want[i].e, want[i].bits), want[i].len, "%s at %d bits: %zu characters",
		       encoding_name(want[i].e), want[i].bits, want[i].len);
		struct secret s = { 0 };
		bool made = secret_generate(&s, want[i].e, want[i].bits), exact = false;
		ok(made && s.len == want[i].len && strlen(s.v) == s.len &&
			   strspn(s.v, alphabets[want[i].e]) == s.len &&
			   secret_valid(s.v, s.len, want[i].e, want[i].bits, &exact) && exact,
		   "a generated %s secret of %d bits has that length, its alphabet only, and passes the check",
		   encoding_name(want[i].e), want[i].bits);
		secret_free(&s);
		ok(s.v == NULL && s.len == 0, "secret_free forgets it");
	}

	/* 2000 secrets: every character of each alphabet turns up, two values are never the same,
	 * and no position is stuck */
	for (int e = 0; e <= ENCODING_ALNUM; e++) {
		int seen[256] = { 0 };
		char first[64] = "";
		bool repeated = false;
		for (int n = 0; n < 2000; n++) {
			struct secret s = { 0 };
			secret_generate(&s, (enum encoding)e, 128);
			for (size_t i = 0; i < s.len; i++)
				seen[(unsigned char)s.v[i]]++;
			if (n == 0)
				snprintf(first, sizeof first, "%s", s.v);
			else
				repeated |= strcmp(first, s.v) == 0;
			secret_free(&s);
		}
		size_t missing = 0;
		for (const char *c = alphabets[e]; *c; c++)
			missing += seen[(unsigned char)*c] == 0;
		ok(missing == 0 && !repeated, "%s: all %zu characters of the alphabet occur in 2000 secrets, no repeat",
		   encoding_name((enum encoding)e), strlen(alphabets[e]));
	}

	bool exact;
	ok(!secret_valid("AAAAAAAAAAAAAAAAAAAAAAAA", 24, ENCODING_ALNUM, 128, &exact),
	   "alnum without a lower-case letter or a digit fails the stated policy");
	ok(secret_valid("Aa1AAAAAAAAAAAAAAAAAAA", 22, ENCODING_ALNUM, 128, &exact) && exact, "with all three it passes");
	ok(!secret_valid("0123456789abcdef0123456789abcdeG", 32, ENCODING_HEX, 128, &exact),
	   "a character outside the alphabet fails");
	ok(!secret_valid("0123456789abcdef", 16, ENCODING_HEX, 128, &exact), "a value shorter than 128 bits fails");
	ok(secret_valid("0123456789abcdef0123456789abcdef0123", 36, ENCODING_HEX, 128, &exact) && !exact,
	   "another strength is still a secret, not of the spec's length");
	ok(!secret_valid("0123456789abcdef\0" "123456789abcdef", 32, ENCODING_HEX, 128, &exact), "a NUL byte fails");
}

static void derived(void)
{
	struct secret pw, out = { 0 };
	secret_set(&pw, "password", 8);
	struct secret_list list = { 0 };
	ok(secret_render(&out, "@MYSQL_NATIVE_PASSWORD@", &pw, &list), "render @MYSQL_NATIVE_PASSWORD@");
	/* MySQL's documented value of PASSWORD('password') */
	is_str(out.v, "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19", "mysql_native_password of 'password'");
	is_int(list.n, 1, "the derived value is kept for redaction");
	secret_free(&out);
	secret_list_free(&list);

	ok(secret_render(&out, "@SSHA@", &pw, NULL), "render @SSHA@");
	unsigned char raw[64];
	int n = str_has_prefix(out.v, "{SSHA}") ? EVP_DecodeBlock(raw, (const unsigned char *)out.v + 6, (int)strlen(out.v + 6)) : -1;
	/* EVP_DecodeBlock counts the padding: 28 bytes of digest and salt are 40 characters, one '=' */
	unsigned char digest[SHA_DIGEST_LENGTH], buf[64];
	memcpy(buf, "password", 8);
	memcpy(buf + 8, raw + SHA_DIGEST_LENGTH, 8);
	SHA1(buf, 16, digest);
	ok(n == 30 && memcmp(digest, raw, SHA_DIGEST_LENGTH) == 0, "{SSHA} is base64(SHA1(password salt) salt), 8 bytes of salt");
	secret_free(&out);

	ok(secret_render(&out, "PASSWORD '@SCRAM_SHA_256@'", &pw, NULL), "render @SCRAM_SHA_256@");
	char salt64[64], stored64[64], server64[64];
	int got = sscanf(out.v, "PASSWORD 'SCRAM-SHA-256$4096:%63[^$]$%63[^:]:%63[^']'", salt64, stored64, server64);
	unsigned char salt[32], salted[32], client[32], stored[32], server[32], want_stored[48], want_server[48];
	unsigned len = 32;
	int saltlen = got == 3 ? EVP_DecodeBlock(salt, (unsigned char *)salt64, (int)strlen(salt64)) : 0;
	/* RFC 5802: StoredKey = H(HMAC(SaltedPassword, "Client Key")), ServerKey = HMAC(SaltedPassword, "Server Key") */
	PKCS5_PBKDF2_HMAC("password", 8, salt, 16, 4096, EVP_sha256(), 32, salted);
	HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Client Key", 10, client, &len);
	SHA256(client, 32, stored);
	HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Server Key", 10, server, &len);
	EVP_DecodeBlock(want_stored, (unsigned char *)stored64, (int)strlen(stored64));
	EVP_DecodeBlock(want_server, (unsigned char *)server64, (int)strlen(server64));
	ok(got == 3 && saltlen == 18 && memcmp(stored, want_stored, 32) == 0 && memcmp(server, want_server, 32) == 0,
	   "SCRAM-SHA-256$4096:salt$StoredKey:ServerKey as RFC 5802 and pg_authid define them");
	secret_free(&out);

	ok(secret_render(&out, "requirepass @SECRET@ root@localhost @UNKNOWN@ @@", &pw, NULL), "render text around the secret");
	is_str(out.v, "requirepass password root@localhost @UNKNOWN@ @@", "only known placeholders are replaced");
	secret_free(&out);
	ok(secret_render(&out, "@SECRET@@SECRET@ @SSHA@ @SSHA@", &pw, NULL), "render a placeholder twice");
	char a[64], b[64];
	ok(sscanf(out.v, "passwordpassword %63s %63s", a, b) == 2 && strcmp(a, b) == 0,
	   "one rendering derives each form once: the same salt wherever it is used");
	secret_free(&out);
	ok(secret_equal(&pw, "password", 8) && !secret_equal(&pw, "passwore", 8) && !secret_equal(&pw, "pass", 4),
	   "secret_equal");
	secret_free(&pw);
	is_int(placeholder_name_len("@SECRET@"), 6, "placeholder_name_len(@SECRET@)");
	is_int(placeholder_name_len("@localhost IDENTIFIED VIA x USING '@"), 0, "an '@' in SQL is no placeholder");
}

/* A spec that parses, then variants that must not. */
static const char good[] = "name = \"x\";\nunit = \"x.service\";\ncredentials = (\n  {\n"
			   "    name = \"pw\"; description = \"d\"; strength = 256; encoding = \"hex\"; delivery = \"apply\";\n"
			   "    secret = { path = \"/etc/credstore/x.pw\"; user = \"root\"; group = \"root\"; mode = \"0400\"; };\n"
			   "    apply = { command = [\"/bin/true\", \"--user\"]; user = \"nobody\"; group = \"nogroup\";\n"
			   "              input = [\"PASSWORD '@SCRAM_SHA_256@'\"]; timeout = 10; stamp = \"/var/lib/x/pw\"; };\n"
			   "  }\n);\n";

static void spec_case(const char *from, const char *to, const char *want, const char *what)
{
	char text[2048];
	const char *at = strstr(good, from);
	snprintf(text, sizeof text, "%.*s%s%s", (int)(at - good), good, to, at + strlen(from));
	struct diag d;
	diag_init(&d);
	struct spec *s = spec_parse(text, "t.conf", &d);
	bool found = false;
	for (size_t i = 0; i < d.n; i++)
		found |= strstr(d.msgs[i].text, want) != NULL;
	if (!ok(!s && found, "refused: %s", what))
		for (size_t i = 0; i < d.n; i++)
			diag("%s", d.msgs[i].text);
	spec_free(s);
	diag_free(&d);
}

static void specs(void)
{
	struct diag d;
	diag_init(&d);
	struct spec *s = spec_parse(good, "t.conf", &d);
	ok(s && s->n == 1 && s->v[0].apply && s->v[0].apply->timeout == 10 && s->v[0].secret.mode == 0400,
	   "a valid spec parses");
	struct buf b = { 0 };
	if (s)
		spec_format(&b, s, "# header\n");
	struct spec *back = b.data ? spec_parse(b.data, "formatted", &d) : NULL;
	struct buf again = { 0 };
	if (back)
		spec_format(&again, back, "# header\n");
	ok(back && again.data && strcmp(b.data, again.data) == 0, "spec_format writes what spec_parse reads, the same again");
	buf_free(&b);
	buf_free(&again);
	spec_free(back);
	spec_free(s);
	diag_free(&d);

	spec_case("[\"/bin/true\", \"--user\"]", "[\"/bin/true\", \"@SECRET@\"]",
		  "apply.command[1]: @SECRET@ may not appear here", "the secret in a command's argv");
	spec_case("\"/var/lib/x/pw\"", "\"/var/lib/@SSHA@\"", "apply.stamp: @SSHA@ may not appear here", "a derived form in a path");
	spec_case("\"PASSWORD '@SCRAM_SHA_256@'\"", "\"@PASSWORD@\"", "unknown placeholder @PASSWORD@",
		  "an unknown placeholder where the secret goes");
	spec_case("mode = \"0400\"", "mode = \"0440\"", "\"0440\" is not allowed", "a secret file with group bits");
	spec_case("\"/etc/credstore/x.pw\"", "\"/etc/x.pw\"", "must be a file directly in /etc/credstore",
		  "a secret outside the store");
	spec_case("\"/etc/credstore/x.pw\"", "\"/etc/credstore/../shadow\"", "is not an absolute path without",
		  "a path with '..'");
	spec_case("[\"/bin/true\",", "[\"true\",", "must be an absolute path", "a relative command");
	spec_case("user = \"nobody\"", "user = \"no body\"", "is not a user or group name", "a user name with a blank");
	spec_case("delivery = \"apply\"", "delivery = \"include\"", "needs an include group", "an include delivery with no file");
	spec_case("strength = 256", "strength = 64", "out of range 128..1024", "fewer than 128 bits");
	spec_case("name = \"x\";", "@include \"/etc/shadow\"\nname = \"x\";", "@include is not allowed", "@include");
	spec_case("timeout = 10;", "timeout = 10; extra = 1;", "unknown key", "an unknown key");
}

int main(void)
{
	encodings();
	derived();
	specs();
	return done_testing();
}
