/* index: the `hardenkit index` command: its verbs (keys, certify, build, verify, check,
 * key-info), their options and exit statuses; the work is in repo.c, client.c and token.c. */
#include <getopt.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/cli.h"
#include "../core/diag.h"
#include "client.h"
#include "keys.h"
#include "meta.h"
#include "repo.h"
#include "token.h"

static const char usage[] =
	"Usage: hardenkit index keys [--master FILE --passphrase-file FILE]\n"
	"                            [--token URI --pin-file FILE [--module SO] --type ed25519|p256 --public-out FILE]\n"
	"       hardenkit index certify --repo DIR --master FILE --passphrase-file FILE --subkey FILE\n"
	"                            [--old-master FILE --old-passphrase-file FILE] [--expires-in DAYS]\n"
	"       hardenkit index build --repo DIR --pool DIR --token URI --pin-file FILE [--module SO]\n"
	"                            [--expires-in DAYS] [--timestamp-expires-in SECONDS | --timestamp-expires TIME]\n"
	"       hardenkit index verify --repo DIR --state DIR [--root FILE]\n"
	"       hardenkit index check --state DIR [--target PATH] FILE\n"
	"       hardenkit index key-info --token URI --pin-file FILE [--module SO]\n\n"
	"A TUF 1.0 repository: root.json signed by the offline master key, targets (the package\n"
	"index), snapshot and timestamp signed by a release subkey held on a PKCS#11 token.\n"
	"Secrets (passphrase, PIN) are read from files only. See hardenkit(1).\n";

struct opts {
	const char *master, *passphrase_file, *old_master, *old_passphrase_file, *token, *pin_file, *module, *type,
		*public_out, *repo, *pool, *subkey, *state, *root, *target, *ts_expires;
	long expires_days, ts_expires_in;
};

static int fail(struct diag *d, int status)
{
	diag_flush(d, stderr);
	diag_free(d);
	return status;
}

static EVP_PKEY *load_master(const char *file, const char *passfile, struct diag *d)
{
	char *pass = keys_read_secret(passfile, d);
	if (!pass)
		return NULL;
	EVP_PKEY *k = keys_master_load(file, pass, d);
	OPENSSL_cleanse(pass, strlen(pass));
	free(pass);
	return k;
}

static int do_keys(struct opts *o)
{
	struct diag d;
	diag_init(&d);
	if (!o->master && !o->token)
		return cli_usage_error("index keys", "give --master FILE, --token URI, or both");
	if (o->master) {
		if (!o->passphrase_file)
			return cli_usage_error("index keys", "--master needs --passphrase-file");
		char *pass = keys_read_secret(o->passphrase_file, &d);
		EVP_PKEY *k = pass ? keys_master_generate(o->master, pass, &d) : NULL;
		if (pass) {
			OPENSSL_cleanse(pass, strlen(pass));
			free(pass);
		}
		if (!k)
			return fail(&d, EXIT_FINDINGS);
		json_t *kj = keys_to_json(k);
		char *id = keys_id(kj);
		printf("master key %s written to %s (encrypted)\n", id, o->master);
		free(id);
		json_decref(kj);
		EVP_PKEY_free(k);
	}
	if (o->token) {
		if (!o->public_out)
			return cli_usage_error("index keys", "--token needs --public-out FILE");
		struct token *t = token_open(o->token, o->module, o->pin_file, &d);
		EVP_PKEY *pub = t ? token_generate(t, o->type ? o->type : "ed25519", &d) : NULL;
		token_close(t);
		if (!pub)
			return fail(&d, EXIT_FINDINGS);
		json_t *kj = keys_to_json(pub);
		char *id = keys_id(kj);
		FILE *f = fopen(o->public_out, "wx");
		bool ok = f && json_dumpf(kj, f, JSON_INDENT(2) | JSON_SORT_KEYS) == 0;
		if (f)
			ok = fclose(f) == 0 && ok;
		if (!ok)
			diag_error(&d, o->public_out, 0, "cannot write the subkey's public key (it exists, or the directory is not writable)");
		else
			printf("subkey %s generated on the token; public key in %s\n", id, o->public_out);
		free(id);
		json_decref(kj);
		EVP_PKEY_free(pub);
		if (!ok)
			return fail(&d, EXIT_FINDINGS);
	}
	diag_free(&d);
	return EXIT_OK;
}

static int do_certify(struct opts *o)
{
	if (!o->repo || !o->master || !o->passphrase_file || !o->subkey)
		return cli_usage_error("index certify", "needs --repo, --master, --passphrase-file and --subkey");
	if (!o->old_master != !o->old_passphrase_file)
		return cli_usage_error("index certify", "--old-master and --old-passphrase-file go together");
	struct diag d;
	diag_init(&d);
	EVP_PKEY *master = load_master(o->master, o->passphrase_file, &d);
	EVP_PKEY *old = master && o->old_master ? load_master(o->old_master, o->old_passphrase_file, &d) : NULL;
	if (!master || (o->old_master && !old)) {
		EVP_PKEY_free(master);
		return fail(&d, EXIT_FINDINGS);
	}
	json_error_t e;
	json_t *sub = json_load_file(o->subkey, JSON_REJECT_DUPLICATES, &e);
	const char *why = "not JSON";
	EVP_PKEY *subpub = sub ? keys_from_json(sub, &why) : NULL;
	bool ok = subpub != NULL;
	if (!ok)
		diag_error(&d, o->subkey, 0, "not a subkey public key file: %s", why);
	struct signer s_new = { 0 }, s_old = { 0 };
	struct signer *signers[2] = { &s_new, &s_old };
	if (ok) {
		json_t *mj = keys_to_json(master);
		s_new = (struct signer){ keys_id(mj), keys_evp_sign, master };
		json_decref(mj);
		if (old) {
			json_t *oj = keys_to_json(old);
			s_old = (struct signer){ keys_id(oj), keys_evp_sign, old };
			json_decref(oj);
		}
		/* the subkey object is rebuilt from the parsed key, so only accepted fields are certified */
		json_t *clean = keys_to_json(subpub);
		ok = repo_certify(o->repo, master, clean, signers, old ? 2 : 1, time(NULL) + o->expires_days * 86400, &d);
		json_decref(clean);
	}
	if (ok)
		printf("root certified in %s/metadata/root.json\n", o->repo);
	free(s_new.keyid);
	free(s_old.keyid);
	EVP_PKEY_free(subpub);
	json_decref(sub);
	EVP_PKEY_free(master);
	EVP_PKEY_free(old);
	return ok ? (diag_free(&d), EXIT_OK) : fail(&d, EXIT_FINDINGS);
}

static int do_build(struct opts *o)
{
	if (!o->repo || !o->pool || !o->token)
		return cli_usage_error("index build", "needs --repo, --pool and --token");
	struct build_opts b = { o->repo, o->pool, time(NULL) + o->expires_days * 86400, time(NULL) + o->ts_expires_in };
	if (o->ts_expires && !meta_parse_time(o->ts_expires, &b.timestamp_expires))
		return cli_usage_error("index build", "--timestamp-expires wants YYYY-MM-DDTHH:MM:SSZ");
	struct diag d;
	diag_init(&d);
	struct token *t = token_open(o->token, o->module, o->pin_file, &d);
	EVP_PKEY *pub = t ? token_public(t, &d) : NULL;
	bool ok = pub != NULL;
	if (ok) {
		json_t *kj = keys_to_json(pub);
		struct signer s = { keys_id(kj), token_sign, t };
		ok = repo_build(&b, &s, kj, &d);
		if (ok)
			printf("index signed in %s/metadata (%lu token signing operations)\n", o->repo, token_sign_count(t));
		free(s.keyid);
		json_decref(kj);
	}
	EVP_PKEY_free(pub);
	token_close(t);
	return ok ? (diag_free(&d), EXIT_OK) : fail(&d, EXIT_FINDINGS);
}

static int do_key_info(struct opts *o)
{
	if (!o->token)
		return cli_usage_error("index key-info", "needs --token");
	struct diag d;
	diag_init(&d);
	struct token *t = token_open(o->token, o->module, o->pin_file, &d);
	EVP_PKEY *pub = t ? token_public(t, &d) : NULL;
	bool ex, se, rd;
	bool ok = pub && token_private_attrs(t, &ex, &se, &rd, &d);
	if (ok) {
		json_t *kj = keys_to_json(pub);
		char *id = keys_id(kj);
		printf("keyid %s\nkeytype %s\nextractable %s\nsensitive %s\nvalue-readable %s\n", id,
		       json_string_value(json_object_get(kj, "keytype")), ex ? "true" : "false", se ? "true" : "false",
		       rd ? "true" : "false");
		free(id);
		json_decref(kj);
	}
	EVP_PKEY_free(pub);
	token_close(t);
	return ok ? (diag_free(&d), EXIT_OK) : fail(&d, EXIT_FINDINGS);
}

int cmd_index(int argc, char **argv)
{
	static const struct option options[] = {
		{ "master", required_argument, NULL, 'm' },
		{ "passphrase-file", required_argument, NULL, 'P' },
		{ "old-master", required_argument, NULL, 'M' },
		{ "old-passphrase-file", required_argument, NULL, 'Q' },
		{ "token", required_argument, NULL, 't' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "module", required_argument, NULL, 'L' },
		{ "type", required_argument, NULL, 'T' },
		{ "public-out", required_argument, NULL, 'o' },
		{ "repo", required_argument, NULL, 'r' },
		{ "pool", required_argument, NULL, 'l' },
		{ "subkey", required_argument, NULL, 'k' },
		{ "state", required_argument, NULL, 's' },
		{ "root", required_argument, NULL, 'R' },
		{ "target", required_argument, NULL, 'g' },
		{ "expires-in", required_argument, NULL, 'e' },
		{ "timestamp-expires-in", required_argument, NULL, 'x' },
		{ "timestamp-expires", required_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	const char *verb = argv[1];
	struct opts o = { .expires_days = -1, .ts_expires_in = 86400 };
	int opt;
	optind = 2;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		char *end;
		switch (opt) {
		case 'm': o.master = optarg; break;
		case 'P': o.passphrase_file = optarg; break;
		case 'M': o.old_master = optarg; break;
		case 'Q': o.old_passphrase_file = optarg; break;
		case 't': o.token = optarg; break;
		case 'p': o.pin_file = optarg; break;
		case 'L': o.module = optarg; break;
		case 'T': o.type = optarg; break;
		case 'o': o.public_out = optarg; break;
		case 'r': o.repo = optarg; break;
		case 'l': o.pool = optarg; break;
		case 'k': o.subkey = optarg; break;
		case 's': o.state = optarg; break;
		case 'R': o.root = optarg; break;
		case 'g': o.target = optarg; break;
		case 'X': o.ts_expires = optarg; break;
		case 'e':
		case 'x': {
			long v = strtol(optarg, &end, 10);
			if (*end || end == optarg || v <= 0)
				return cli_usage_error("index", "%s wants a positive number", opt == 'e' ? "--expires-in" : "--timestamp-expires-in");
			if (opt == 'e')
				o.expires_days = v;
			else
				o.ts_expires_in = v;
			break;
		}
		case 'h':
			fputs(usage, stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("index", "unknown option");
		}
	}
	if (strcmp(verb, "keys") == 0 || strcmp(verb, "certify") == 0 || strcmp(verb, "build") == 0 ||
	    strcmp(verb, "key-info") == 0) {
		if (optind != argc)
			return cli_usage_error("index", "unexpected argument '%s'", argv[optind]);
	}
	if (strcmp(verb, "keys") == 0)
		return do_keys(&o);
	if (strcmp(verb, "certify") == 0) {
		if (o.expires_days < 0)
			o.expires_days = 365;
		return do_certify(&o);
	}
	if (strcmp(verb, "build") == 0 || strcmp(verb, "sign") == 0) {
		if (o.expires_days < 0)
			o.expires_days = 30;
		return do_build(&o);
	}
	if (strcmp(verb, "key-info") == 0)
		return do_key_info(&o);
	struct diag d;
	diag_init(&d);
	if (strcmp(verb, "verify") == 0) {
		if (!o.repo || !o.state || optind != argc)
			return cli_usage_error("index verify", "needs --repo DIR and --state DIR");
		char *metadir = xasprintf("%s/metadata", o.repo);
		int st = client_verify(metadir, o.state, o.root, time(NULL), &d);
		free(metadir);
		return fail(&d, st);
	}
	if (strcmp(verb, "check") == 0) {
		if (!o.state || optind != argc - 1)
			return cli_usage_error("index check", "needs --state DIR and one FILE");
		return fail(&d, client_check(o.state, o.target, argv[optind], &d));
	}
	diag_free(&d);
	return cli_usage_error("index", "unknown verb '%s' (keys, certify, build, verify, check, key-info)", verb);
}
