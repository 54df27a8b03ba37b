/* firewall: the `hardenkit firewall` subcommand: write the host's default-deny ruleset from the
 * manifests (checked by libnftables before anything is written), check files, audit rulesets. */
#include "audit.h"
#include "check.h"
#include "lines.h"
#include "nftns.h"
#include "ruleset.h"
#include "../core/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_help(FILE *out)
{
	fputs("Usage: hardenkit firewall -o DESTDIR [MANIFEST…]\n"
	      "       hardenkit firewall --check [-I DIR]… FILE…\n"
	      "       hardenkit firewall --audit [-m MANIFEST]… [-I DIR]… FILE…\n\n"
	      "Writes the host's default-deny nftables ruleset below DESTDIR: " FW_RULESET_PATH " (one\n"
	      "table, " FW_FAMILY " " FW_TABLE "; input and forward drop what nobody allowed), one file per\n"
	      "manifest with a public listener in " FW_SNIPPET_PREFIX "NAME.nft that adds\n"
	      "its ports to the sets public_tcp/public_udp, and a hardened drop-in for nftables.service.\n"
	      "Before anything is written, libnftables checks the ruleset (with every snippet DESTDIR\n"
	      "holds) and each snippet alone, in dry-run mode, in a throwaway network namespace.\n\n"
	      "  -o, --output DIR    the staging root (DESTDIR) to write into\n"
	      "  -c, --check         check each FILE (a ruleset or a snippet) with libnftables, on top\n"
	      "                      of the base ruleset, as nftables.service would load it\n"
	      "  -a, --audit         load each FILE into a throwaway network namespace and judge the\n"
	      "                      result from its JSON form: firewall-open (an input chain with\n"
	      "                      policy accept; a rule accepting new inbound connections to a port\n"
	      "                      no -m manifest declares public), firewall-disabled (flush ruleset)\n"
	      "  -m, --manifest FILE with --audit: a manifest whose public ports are declared\n"
	      "  -I, --include DIR   also resolve FILE's relative includes against DIR (FILE's own\n"
	      "                      directory is searched first; the build host's /etc never is)\n"
	      "  -h, --help          show this help\n\n"
	      "Problems read FILE:LINE: error: …; findings FILE:LINE: error: RULE: message.\n"
	      "Exit status: 0 success (no finding); 1 libnftables rejects the generated or checked\n"
	      "ruleset, writing failed (nothing is written), or --audit found something; 2 usage\n"
	      "error, invalid manifest, unreadable template or file, a file --audit cannot load.\n",
	      out);
}

/* The manifests, validated as gen validates them except for the dialect: the firewall reads
 * only the listeners, and runs where the dialect knowledge base may not be installed. */
static struct manifest **load_manifests(char *const *files, size_t n, struct diag *d)
{
	struct manifest **ms = xcalloc(n, sizeof *ms);
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		ms[i] = manifest_load(files[i], NULL, d);
		ok = ok && ms[i];
	}
	/* two manifests of one name would write one snippet: the second would silently win */
	for (size_t i = 0; ok && i < n; i++)
		for (size_t k = 0; k < i; k++)
			if (strcmp(ms[i]->name, ms[k]->name) == 0) {
				diag_error(d, files[i], 1, "manifest '%s' is given twice (also %s)", ms[i]->name, files[k]);
				ok = false;
			}
	if (!ok) {
		for (size_t i = 0; i < n; i++)
			manifest_free(ms[i]);
		free(ms);
		return NULL;
	}
	return ms;
}

static void free_manifests(struct manifest **ms, size_t n)
{
	for (size_t i = 0; ms && i < n; i++)
		manifest_free(ms[i]);
	free(ms);
}

static int generate(const char *destdir, char *const *files, size_t n, const struct fw_templates *t, struct diag *d)
{
	struct manifest **ms = load_manifests(files, n, d);
	if (!ms && n) {
		diag_flush(d, stderr);
		return EXIT_USAGE;
	}
	struct outset out = { 0 };
	fw_build(&out, t, ms, n);
	int status = EXIT_OK;
	if (fw_check_output(&out, destdir, t, d) != FW_CHECK_OK) {
		diag_add(d, DIAG_NOTE, destdir, 0, "libnftables rejects the ruleset: nothing was written");
		status = EXIT_FINDINGS;
	} else if (!outset_commit(&out, destdir, d)) {
		status = EXIT_FINDINGS;
	}
	diag_flush(d, stderr);
	outset_free(&out);
	free_manifests(ms, n);
	return status;
}

static int check(char *const *files, size_t n, const struct strlist *includes, const struct fw_templates *t,
		 struct diag *d)
{
	enum fw_check_status s = fw_check_files(files, n, includes, t, d);
	diag_flush(d, stderr);
	if (s == FW_CHECK_OK)
		printf("hardenkit firewall: %zu file%s pass%s libnftables' check\n", n, n == 1 ? "" : "s",
		       n == 1 ? "es" : "");
	return s == FW_CHECK_OK ? EXIT_OK : s == FW_CHECK_FAILED ? EXIT_FINDINGS : EXIT_USAGE;
}

/* FILE's text for pointing findings at lines; NULL (no lines) when it cannot be read whole. */
static char *read_for_lines(const char *file)
{
	FILE *fp = fopen(file, "re");
	if (!fp)
		return NULL;
	struct buf b = { 0 };
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0 && b.len < (64u << 20))
		buf_append(&b, chunk, got);
	bool ok = !ferror(fp) && b.len < (64u << 20);
	fclose(fp);
	if (!ok || (b.data && strlen(b.data) != b.len)) {
		buf_free(&b);
		return NULL;
	}
	return b.data ? b.data : xstrdup("");
}

static int audit(char *const *files, size_t n, char *const *manifest_files, size_t n_manifests,
		 const struct strlist *includes, const struct fw_templates *t, struct diag *d)
{
	struct manifest **ms = load_manifests(manifest_files, n_manifests, d);
	bool readable = ms || !n_manifests;
	for (size_t i = 0; i < n; i++)
		readable = fw_readable(files[i], d) && readable;
	if (!readable) {
		diag_flush(d, stderr);
		free_manifests(ms, n_manifests);
		return EXIT_USAGE;
	}
	struct fw_declared *declared = xcalloc(1, sizeof *declared);
	for (size_t i = 0; i < n_manifests; i++)
		fw_declared_add(declared, ms[i]);

	struct buf base = { 0 };
	fw_render_ruleset(&base, t, false);
	struct nftns_job *jobs = xcalloc(n, sizeof *jobs);
	struct strlist *inc = xcalloc(n, sizeof *inc);
	for (size_t i = 0; i < n; i++) {
		char *dir = fw_dirname(files[i]);
		strlist_push(&inc[i], dir);
		free(dir);
		for (size_t k = 0; includes && k < includes->n; k++)
			strlist_push(&inc[i], includes->v[k]);
		/* loaded for real, as on a hardenkit host: sentinels, then the base, then FILE */
		jobs[i] = (struct nftns_job){ .setup = base.data, .setup_name = t->ruleset_file, .sentinels = true,
					      .file = files[i], .include_paths = &inc[i], .list = true };
	}
	struct nftns_result *res = xcalloc(n, sizeof *res);
	int status = EXIT_OK;
	size_t findings = 0;
	size_t judged = n;
	if (!nftns_run(jobs, n, res, d)) {
		status = EXIT_USAGE;
		judged = 0;
	}
	for (size_t i = 0; i < judged; i++) {
		struct fw_facts f = { .file = files[i], .declared = declared, .base = true };
		if (!res[i].setup_ok) {
			if (!nftns_errors(res[i].setup_errors, NULL, 0, t->ruleset_file, NULL, d))
				diag_error(d, t->ruleset_file, 0, "libnftables rejects the base ruleset");
			status = EXIT_USAGE;
			continue;
		}
		if (!res[i].ok || !res[i].json) {
			if (!nftns_errors(res[i].errors, NULL, 0, files[i], NULL, d))
				diag_error(d, files[i], 0, "libnftables cannot load it");
			diag_add(d, DIAG_NOTE, files[i], 0, "a ruleset libnftables cannot load cannot be audited");
			status = EXIT_USAGE;
			continue;
		}
		if (!fw_facts_parse(&f, res[i].json, d)) {
			status = EXIT_USAGE;
			continue;
		}
		f.sentinels = res[i].sentinels;
		res[i].sentinels = (struct strlist){ 0 };
		char *text = read_for_lines(files[i]);
		struct fw_lines *lines = text ? fw_lines_parse(text) : NULL;
		f.lines = lines;
		struct fw_findings out = { 0 };
		fw_audit(&f, &out);
		struct diag found;
		diag_init(&found);
		for (size_t k = 0; k < out.n; k++)
			diag_add(&found, out.v[k].level, files[i], out.v[k].line, "%s: %s", out.v[k].rule, out.v[k].message);
		diag_flush(&found, stdout);
		diag_free(&found);
		findings += out.n;
		fw_findings_free(&out);
		fw_lines_free(lines);
		free(text);
		fw_facts_free(&f);
	}
	diag_flush(d, stderr);
	if (status == EXIT_OK && findings)
		status = EXIT_FINDINGS;
	for (size_t i = 0; i < n; i++) {
		nftns_result_free(&res[i]);
		strlist_free(&inc[i]);
	}
	free(res);
	free(jobs);
	free(inc);
	free(declared);
	buf_free(&base);
	free_manifests(ms, n_manifests);
	return status;
}

int cmd_firewall(int argc, char **argv)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "check", no_argument, NULL, 'c' },
		{ "audit", no_argument, NULL, 'a' },
		{ "manifest", required_argument, NULL, 'm' },
		{ "include", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *destdir = NULL;
	bool check_mode = false, audit_mode = false;
	struct strlist manifests = { 0 }, includes = { 0 };
	int opt, status;
	while ((opt = getopt_long(argc, argv, "o:cam:I:h", options, NULL)) != -1) {
		switch (opt) {
		case 'o':
			destdir = optarg;
			break;
		case 'c':
			check_mode = true;
			break;
		case 'a':
			audit_mode = true;
			break;
		case 'm':
			strlist_push(&manifests, optarg);
			break;
		case 'I':
			strlist_push(&includes, optarg);
			break;
		case 'h':
			print_help(stdout);
			strlist_free(&manifests);
			strlist_free(&includes);
			return EXIT_OK;
		default:
			strlist_free(&manifests);
			strlist_free(&includes);
			return cli_usage_error("firewall", "unknown option");
		}
	}
	size_t n = (size_t)(argc - optind);
	const char *wrong = NULL;
	if ((destdir != NULL) + check_mode + audit_mode != 1)
		wrong = "give one of -o DESTDIR, --check or --audit";
	else if (!destdir && !n)
		wrong = "no file given";
	else if (manifests.n && !audit_mode)
		wrong = "-m belongs to --audit (with -o, manifests are arguments)";
	else if (includes.n && destdir)
		wrong = "-I belongs to --check and --audit";
	if (wrong) {
		strlist_free(&manifests);
		strlist_free(&includes);
		return cli_usage_error("firewall", "%s", wrong);
	}

	struct diag d;
	diag_init(&d);
	struct fw_templates t;
	if (!fw_templates_load(&t, cli_datadir(), &d)) {
		diag_flush(&d, stderr);
		status = EXIT_USAGE;
	} else if (destdir) {
		status = generate(destdir, argv + optind, n, &t, &d);
	} else if (check_mode) {
		status = check(argv + optind, n, &includes, &t, &d);
	} else {
		status = audit(argv + optind, n, manifests.v, manifests.n, &includes, &t, &d);
	}
	fw_templates_free(&t);
	diag_free(&d);
	strlist_free(&manifests);
	strlist_free(&includes);
	return status;
}
