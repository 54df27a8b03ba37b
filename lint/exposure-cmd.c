/* exposure-cmd: `hardenkit exposure [--root DIR] UNIT…`, the exposure score of service units
 * found below a root (or the host) the way systemd would find them; see lint/exposure.h. */
#include "exposure.h"
#include "../core/cli.h"
#include "../core/util.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_help(FILE *out)
{
	fputs("Usage: hardenkit exposure [--root DIR] [--json] [--detail] UNIT…\n\n"
	      "Prints each service unit's exposure level, the number `systemd-analyze security\n"
	      "--offline=true` prints as \"Overall exposure level\" (systemd 252's checks), as\n"
	      "UNIT<TAB>SCORE. A UNIT is a name, found with its drop-ins in systemd's unit directories\n"
	      "below DIR (default /), or a path to a single unit file (read alone, no drop-ins).\n\n"
	      "Options:\n"
	      "  --root DIR  look for units below DIR; symlinks there resolve inside DIR\n"
	      "  --json      print [{\"unit\":…,\"exposure\":…},…] instead\n"
	      "  --detail    also print every check: UNIT<TAB>CHECK<TAB>BADNESS/RANGE<TAB>WEIGHT\n"
	      "  -h, --help  show this help\n\n"
	      "Exit status: 0 every unit scored; 2 a unit was not found, is masked, is not a service,\n"
	      "could not be read or has lines systemd would refuse it for, or usage error.\n",
	      out);
}

/* A single unit file named by path: read it alone. */
static struct unitfile *load_path(const char *path, struct diag *d)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		diag_error(d, path, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;
	buf_puts(&b, "");
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (4u << 20))
		buf_append(&b, chunk, n);
	bool err = ferror(f) || b.len >= (4u << 20);
	fclose(f);
	if (err) {
		diag_error(d, path, 0, "cannot read (or larger than 4 MiB)");
		buf_free(&b);
		return NULL;
	}
	const char *base = strrchr(path, '/');
	struct unitfile *u = unitfile_new(base ? base + 1 : path);
	if (unitfile_apply(u, path, b.data, b.len, d) < 0) {
		unitfile_free(u);
		u = NULL;
	}
	buf_free(&b);
	return u;
}

int cmd_exposure(int argc, char **argv)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "detail", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = "/";
	bool json = false, detail = false;
	int opt;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			root = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'd':
			detail = true;
			break;
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("exposure", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("exposure", "no unit named");

	int status = EXIT_OK;
	json_t *out = json ? json_array() : NULL;
	struct exposure_row *rows = xcalloc(exposure_n_checks(), sizeof *rows);
	for (int i = optind; i < argc; i++) {
		struct diag d;
		diag_init(&d);
		const char *arg = argv[i];
		struct unitfile *u = strchr(arg, '/') ? load_path(arg, &d) : unitfile_load_root(root, arg, &d);
		unsigned tenths = 0;
		if (u && u->bad_lines)
			diag_error(&d, NULL, 0, "%s: systemd refuses this unit (bad setting), cannot analyze", u->name);
		else if (u && u->masked)
			diag_error(&d, NULL, 0, "unit %s is masked, cannot analyze", u->name);
		else if (u && exposure_assess(u, rows, &tenths) < 0)
			diag_error(&d, NULL, 0, "unit %s is not a service, or has a setting systemd refuses it for; cannot analyze",
				   u->name);
		if (!u || d.errors) {
			diag_flush(&d, stderr);
			diag_free(&d);
			unitfile_free(u);
			status = EXIT_USAGE;
			continue;
		}
		diag_free(&d); /* warnings about lines systemd ignores change nothing here */
		if (json) {
			json_t *o = json_pack("{s:s, s:f}", "unit", u->name, "exposure", tenths / 10.0);
			if (detail) {
				json_t *checks = json_array();
				for (size_t k = 0; k < exposure_n_checks(); k++)
					json_array_append_new(checks,
							      rows[k].na ? json_pack("{s:s, s:n}", "check", rows[k].id, "badness")
									 : json_pack("{s:s, s:I, s:I, s:I}", "check", rows[k].id, "badness",
										     (json_int_t)rows[k].badness, "range",
										     (json_int_t)rows[k].range, "weight",
										     (json_int_t)rows[k].weight));
				json_object_set_new(o, "checks", checks);
			}
			json_array_append_new(out, o);
		} else {
			printf("%s\t%u.%u\n", u->name, tenths / 10, tenths % 10);
			for (size_t k = 0; detail && k < exposure_n_checks(); k++) {
				if (rows[k].na)
					printf("%s\t%s\tn/a\t%llu\n", u->name, rows[k].id, (unsigned long long)rows[k].weight);
				else
					printf("%s\t%s\t%llu/%llu\t%llu\n", u->name, rows[k].id, (unsigned long long)rows[k].badness,
					       (unsigned long long)rows[k].range, (unsigned long long)rows[k].weight);
			}
		}
		unitfile_free(u);
	}
	free(rows);
	if (json) {
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(4));
		putchar('\n');
		json_decref(out);
	}
	return status;
}
