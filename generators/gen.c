/* gen: the `hardenkit gen` subcommand: validate manifests, run every generator, commit the
 * result into DESTDIR all or nothing. */
#include "gen.h"
#include "credentials.h"
#include "../firewall/check.h"
#include "../firewall/ruleset.h"
#include "../core/cli.h"
#include "../core/schema.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static void print_help(FILE *out)
{
	fputs("Usage: hardenkit gen --check MANIFEST…\n"
	      "       hardenkit gen -o DESTDIR MANIFEST…\n\n"
	      "Validates package manifests (hardenkit-manifest(5)) and writes, below DESTDIR, what each\n"
	      "package ships to be default-deny: a localhost bind config in the daemon's dialect, a\n"
	      "hardened systemd unit (or a drop-in over the package's unit) and an enforce-mode\n"
	      "AppArmor profile; with credentials, the first-boot spec, oneshot unit, drop-in and\n"
	      "profile; with a public listener, the nftables snippet (checked by libnftables).\n"
	      "Output is byte-identical between runs.\n\n"
	      "  -c, --check        validate only; write nothing\n"
	      "  -l, --list         validate, then print one tab-separated line per manifest:\n"
	      "                     name, unit, unit|drop-in, packages (comma-separated),\n"
	      "                     number of relaxations, profile path\n"
	      "  -o, --output DIR   the staging root (DESTDIR) to write into\n"
	      "  -h, --help         show this help\n\n"
	      "Every problem is reported as FILE:LINE: error: …. Exit status: 0 success,\n"
	      "1 writing failed (nothing partial is left), 2 usage error or invalid manifest.\n",
	      out);
}

static void print_listing(const struct manifest *m)
{
	char *profile = gen_profile_path(m);
	printf("%s\t%s\t%s\t", m->name, m->daemon.unit, m->daemon.upstream_unit ? "drop-in" : "unit");
	for (size_t i = 0; i < m->packages.n; i++)
		printf("%s%s", i ? "," : "", m->packages.v[i]);
	printf("\t%zu\t%s\n", m->n_relaxations, profile);
	free(profile);
}

/* The nftables snippet of each manifest with a public listener, so that installing the
 * package opens exactly its own ports; checked by libnftables with what DESTDIR holds before
 * anything is written. */
static bool gen_firewall_snippets(struct manifest *const *ms, size_t n, struct outset *out, const char *destdir,
				  struct diag *d)
{
	struct fw_templates t = { 0 };
	if (!fw_templates_load(&t, cli_datadir(), d))
		return false;
	/* checked as the host loads them: on the ruleset that `hardenkit firewall` installs */
	struct outset check = { 0 };
	struct buf ruleset = { 0 };
	fw_render_ruleset(&ruleset, &t, true);
	outset_add(&check, FW_RULESET_PATH, &ruleset, 0644);
	for (size_t i = 0; i < n; i++) {
		if (!fw_has_public(ms[i]))
			continue;
		struct buf b = { 0 }, copy = { 0 };
		fw_render_snippet(&b, &t, ms[i]);
		buf_append(&copy, b.data, b.len);
		char *path = fw_snippet_path(ms[i]);
		outset_add(out, path, &b, 0644);
		outset_add(&check, path, &copy, 0644);
		free(path);
	}
	bool ok = fw_check_output(&check, destdir, &t, d) == FW_CHECK_OK;
	outset_free(&check);
	fw_templates_free(&t);
	return ok;
}

int cmd_gen(int argc, char **argv)
{
	static const struct option options[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "list", no_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool check_only = false, list = false;
	const char *destdir = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "clo:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			check_only = true;
			break;
		case 'l':
			check_only = list = true;
			break;
		case 'o':
			destdir = optarg;
			break;
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("gen", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("gen", "no manifest given");
	if (check_only == (destdir != NULL))
		return cli_usage_error("gen", "give either --check, --list or -o DESTDIR");

	struct diag d;
	diag_init(&d);
	struct dialect_set dialects = { 0 };
	struct policy policy = { 0 };
	char *hardening_file = xasprintf("%s/units/hardening.conf", cli_datadir());
	char *policy_file = xasprintf("%s/apparmor/profile.conf", cli_datadir());
	char *hardening = read_text_file(hardening_file, &d);
	bool templates_ok = cli_load_dialects(&dialects) && hardening && policy_load(&policy, policy_file, &d);
	free(hardening_file);
	free(policy_file);
	if (!templates_ok) {
		diag_flush(&d, stderr);
		diag_free(&d);
		free(hardening);
		policy_free(&policy);
		dialect_set_free(&dialects);
		return EXIT_USAGE;
	}

	size_t n = (size_t)(argc - optind);
	struct manifest **manifests = xcalloc(n, sizeof *manifests);
	size_t valid = 0;
	for (size_t i = 0; i < n; i++) {
		manifests[i] = manifest_load(argv[optind + (int)i], &dialects, &d);
		valid += manifests[i] != NULL;
	}
	diag_flush(&d, stderr);

	int status = EXIT_OK;
	if (valid != n) {
		status = EXIT_USAGE;
	} else if (list) {
		for (size_t i = 0; i < n; i++)
			print_listing(manifests[i]);
	} else if (check_only) {
		printf("hardenkit gen: %zu manifest%s valid\n", n, n == 1 ? "" : "s");
	} else {
		struct outset out = { 0 };
		bool staged = true, any_public = false;
		for (size_t i = 0; i < n; i++) {
			const struct dialect *dl = dialect_set_find(&dialects, manifests[i]->config.dialect);
			gen_bind(manifests[i], dl, &out);
			gen_unit(manifests[i], hardening, &out);
			gen_apparmor(manifests[i], &policy, &out);
			staged &= gen_credentials_checked(manifests[i], dl, &out, &d);
			any_public |= fw_has_public(manifests[i]);
		}
		if (staged && any_public)
			staged = gen_firewall_snippets(manifests, n, &out, destdir, &d);
		if (!staged)
			status = EXIT_USAGE; /* a template the manifests need is missing or broken */
		else if (!outset_commit(&out, destdir, &d))
			status = EXIT_FINDINGS;
		diag_flush(&d, stderr);
		outset_free(&out);
	}

	for (size_t i = 0; i < n; i++)
		manifest_free(manifests[i]);
	free(manifests);
	diag_free(&d);
	free(hardening);
	policy_free(&policy);
	dialect_set_free(&dialects);
	return status;
}
