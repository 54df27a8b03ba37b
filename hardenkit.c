/* hardenkit: the command-line entry point. Parses global options and dispatches to the
 * subcommand table; each subcommand owns its own options, help and exit status. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "core/cli.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "gen", cmd_gen, "validate manifests and generate hardened configuration into a staging root" },
	{ "firewall", cmd_firewall, "write the host's default-deny nftables ruleset from the manifests; check or audit rulesets" },
	{ "dialects", cmd_dialects, "list or check the dialect knowledge base" },
	{ "lint", cmd_lint, "judge packages (.deb .rpm .pkg.tar.* .apk .tar.* trees, files) against the default-deny invariants" },
	{ "rules", cmd_rules, "list the linter's rules" },
	{ "explain", cmd_explain, "explain one linter rule: what it refuses, why, how to fix it" },
	{ "firstboot", cmd_firstboot, "make the first-boot credentials gen declared, once, on the installed system" },
	{ "index", cmd_index, "sign and verify the package index (TUF 1.0): token-held subkey, offline master key" },
	{ "exposure", cmd_exposure, "print the exposure score of service units, as systemd-analyze security computes it" },
	{ "observe", cmd_observe, "install a package into a Debian root, boot it, and report what it listens on and reaches" },
};

static void print_help(FILE *out)
{
	fputs("Usage: hardenkit [--datadir DIR] COMMAND [ARGS…]\n"
	      "       hardenkit --help | --version\n\n"
	      "Build-time hardening for server packages: localhost-only bind configs, sandboxed\n"
	      "systemd units and enforce-mode AppArmor profiles, generated from per-package manifests.\n\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nOptions:\n"
	      "  --datadir DIR  read dialects and templates from DIR (default: $HARDENKIT_DATADIR,\n"
	      "                 else the installed share/hardenkit)\n"
	      "  -h, --help     show this help\n"
	      "  -V, --version  show the version\n\n"
	      "'hardenkit COMMAND --help' describes each command. Exit status: 0 success,\n"
	      "1 findings or a failed step, 2 usage error or unreadable input.\n"
	      "See hardenkit(1) and hardenkit-manifest(5).\n",
	      out);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "datadir", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	/* '+' stops at the command name: its options belong to the command */
	while ((opt = getopt_long(argc, argv, "+hV", options, NULL)) != -1) {
		switch (opt) {
		case 'D':
			cli_set_datadir(optarg);
			break;
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		case 'V':
			printf("hardenkit %s\n", HK_VERSION);
			return EXIT_OK;
		default:
			fputs("Try 'hardenkit --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		print_help(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[optind];
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
		if (strcmp(commands[i].name, name) == 0) {
			int first = optind;
			optind = 0; /* the command runs its own getopt from scratch */
			return commands[i].run(argc - first, argv + first);
		}
	}
	fprintf(stderr, "hardenkit: '%s' is not a hardenkit command. See 'hardenkit --help'.\n", name);
	return EXIT_USAGE;
}
