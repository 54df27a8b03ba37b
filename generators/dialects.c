/* dialects: the `hardenkit dialects` subcommand: list the knowledge base, or check files. */
#include "../core/cli.h"

#include <getopt.h>
#include <stdio.h>

static void print_help(FILE *out)
{
	fputs("Usage: hardenkit dialects [--check [FILE…]]\n\n"
	      "Lists the dialects of the knowledge base (DATADIR/dialects): name, what the daemon\n"
	      "binds when its config names no address, how gen writes the bind config.\n"
	      "With --check, validates the given dialect files (default: all) and prints nothing else.\n\n"
	      "  -c, --check   validate only\n"
	      "  -h, --help    show this help\n\n"
	      "Exit status: 0 all valid, 2 a file is invalid (reported as FILE:LINE: error: …).\n",
	      out);
}

static int check_files(int argc, char **argv)
{
	struct diag d;
	diag_init(&d);
	int status = EXIT_OK;
	for (int i = 0; i < argc; i++) {
		struct dialect *dl = dialect_load(argv[i], &d);
		if (!dl)
			status = EXIT_USAGE;
		dialect_free(dl);
	}
	diag_flush(&d, stderr);
	diag_free(&d);
	return status;
}

int cmd_dialects(int argc, char **argv)
{
	static const struct option options[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool check = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "ch", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			check = true;
			break;
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("dialects", "unknown option");
		}
	}
	if (optind < argc) {
		if (!check)
			return cli_usage_error("dialects", "files are only taken with --check");
		return check_files(argc - optind, argv + optind);
	}
	struct dialect_set set = { 0 };
	bool ok = cli_load_dialects(&set);
	if (!check) {
		printf("%-16s %-9s %-12s %s\n", "DIALECT", "SYNTAX", "NO-ADDRESS", "BIND CONFIG");
		for (size_t i = 0; i < set.n; i++)
			printf("%-16s %-9s %-12s %s %s\n", set.v[i]->name, dialect_syntax_name(set.v[i]->syntax),
			       listen_default_name(set.v[i]->listen.fallback),
			       set.v[i]->has_output ? output_method_name(set.v[i]->output.method) : "none",
			       set.v[i]->has_output ? set.v[i]->output.path : "(read by lint only)");
	}
	dialect_set_free(&set);
	return ok ? EXIT_OK : EXIT_USAGE;
}
