/* lint: the `lint`, `rules` and `explain` subcommands: options, the run over the inputs
 * (lint/runner.c reads, lint/judge.c judges), the exit status (0 clean, 1 an error-level
 * finding, 2 unreadable input or usage). With lint/merge.c, the only places in lint/ that print. */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "../core/cli.h"
#include "../core/util.h"
#include "baseline.h"
#include "cache.h"
#include "inputs.h"
#include "judge.h"
#include "merge.h"
#include "policy.h"
#include "report.h"
#include "runner.h"
#include "shard.h"
#include "waiver.h"

#define FEATURES_FILE "/usr/share/apparmor-features/features"

static const char *find_parser(void)
{
	static const char *const places[] = { "/usr/sbin/apparmor_parser", "/sbin/apparmor_parser", NULL };
	for (size_t i = 0; places[i]; i++)
		if (access(places[i], X_OK) == 0)
			return places[i];
	return NULL;
}

static void print_help(FILE *out)
{
	fputs("Usage: hardenkit lint [OPTIONS] PATH…\n"
	      "       hardenkit lint [OPTIONS] --files-from FILE [-0] | --pool DIR\n"
	      "       hardenkit lint merge [-f FMT] SHARD.json…\n\n"
	      "Judges packages against the default-deny invariants. PATH is a .deb, .rpm,\n"
	      "Arch .pkg.tar.zst/.xz, Alpine .apk, a .tar.*, an unpacked tree (a DESTDIR), or one unit,\n"
	      "AppArmor profile or config file. Archives are streamed once; nothing is written.\n\n"
	      "Options:\n"
	      "  -f, --format FMT     text (default), json, sarif or tap\n"
	      "  -t, --threshold N    unit-exposure: highest exposure accepted (default 4.9; see\n"
	      "                       'hardenkit explain unit-exposure')\n"
	      "  -j, --jobs N         read N packages at a time, largest first (output order is the\n"
	      "                       order given)\n"
	      "      --no-apparmor-parser  do not run apparmor_parser (apparmor-invalid is skipped)\n"
	      "      --waivers FILE  the distribution's waivers (any rule); a package's own\n"
	      "                       usr/share/hardenkit/waivers/NAME.conf waives warnings only\n"
	      "      --files-from FILE  more PATHs, one a line (FILE - is standard input)\n"
	      "  -0, --null           --files-from lists are NUL-separated\n"
	      "      --pool DIR       every package archive below DIR (.deb .udeb .ddeb .rpm .apk\n"
	      "                       .pkg.tar.*), walked recursively in byte order\n"
	      "      --unreadable MODE  error (default): an unreadable package makes the run exit 2;\n"
	      "                       fail: it is that package's failure (exit 1), the others judged\n"
	      "      --max-bytes N    refuse a package of more than N bytes of content (default 8G)\n"
	      "      --max-ratio N    refuse a package expanding more than N times its size (200) ...\n"
	      "      --ratio-floor N  ... once its content passes N bytes (default 64M)\n"
	      "      --policy FILE    the distribution's policy: levels by rule and selector\n"
	      "      --baseline FILE  a previous JSON document: only findings not in it count\n"
	      "      --cache DIR      keep each archive's judgement in DIR, keyed by its SHA-256\n"
	      "      --cache-max N    trim DIR to N bytes, least recently used first (default 1G)\n"
	      "      --shard I/N      judge part I of N of the input (merge the JSON with 'lint merge')\n"
	      "  -h, --help           show this help\n\n"
	      "Sizes take a K, M, G or T suffix (powers of 1024).\n"
	      "Output: FILE:LINE: LEVEL: RULE: message, FILE being PATH/member. 'hardenkit rules' lists\n"
	      "the rules, 'hardenkit explain RULE' explains one.\n"
	      "Exit status: 0 no error-level finding, 1 at least one, 2 an input could not be read or\n"
	      "the command line is wrong.\n",
	      out);
}

/* "64M", "8G", "1000": a size in bytes (powers of 1024); false when it is not one. */
static bool parse_size(const char *s, unsigned long long *out)
{
	char *end;
	if (!*s || *s == '-')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s)
		return false;
	int shift = 0;
	if (*end) {
		const char *units = "KMGT", *u = strchr(units, *end);
		if (!u || end[1])
			return false;
		shift = 10 * (int)(u - units + 1);
	}
	if (shift && v > (ULLONG_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

/* Everything one run shares between its options, the runner's callbacks and the end. */
struct lint_run {
	struct inputs *inputs;
	struct shard_part shard;
	bool sharded;
	unsigned shard_i, shard_n;
	long long next_index;
	bool inputs_failed;
	struct judge judge;
	struct report_stream *out;
	struct baseline *baseline;
	bool unreadable_fails;
	bool summary, progress;
	bool *dist_used;
	size_t n_dist;
	size_t done, passed, failed, unreadable;
	int status;
};

static char *next_path(void *ctx, long long *index)
{
	struct lint_run *x = ctx;
	if (x->sharded) {
		if (x->shard.next >= x->shard.n)
			return NULL;
		size_t k = x->shard.next++;
		*index = x->shard.index[k];
		char *p = x->shard.paths[k];
		x->shard.paths[k] = NULL;
		return p;
	}
	*index = -1;
	return inputs_next(x->inputs, &x->inputs_failed);
}

static void judge_one(void *ctx, const char *path, struct lint_result *r)
{
	(void)path;
	judge_package(&((struct lint_run *)ctx)->judge, r);
}

static void emit_one(void *ctx, struct lint_result *r)
{
	struct lint_run *x = ctx;
	if (x->progress)
		fputs("\r\033[K", stderr);
	for (size_t i = 0; i < r->notes.n; i++) {
		const struct diag_msg *m = &r->notes.msgs[i];
		char *loc = report_location(r, m->file ? m->file : "");
		fprintf(stderr, "%s%s%u: %s: %s\n", loc, m->line ? ":" : "", m->line, diag_level_name(m->level), m->text);
		free(loc);
	}
	if (r->error)
		fprintf(stderr, "%s: error: %s\n", r->path, r->error);
	if (x->baseline)
		baseline_apply(x->baseline, r);
	enum pkg_status st = lint_result_status(r);
	if (st == PKG_UNREADABLE) {
		x->unreadable++;
		if (!x->unreadable_fails)
			x->status = EXIT_USAGE;
		else if (x->status == EXIT_OK)
			x->status = EXIT_FINDINGS;
	} else if (st == PKG_FAIL) {
		x->failed++;
		if (x->status == EXIT_OK)
			x->status = EXIT_FINDINGS;
	} else {
		x->passed++;
	}
	for (size_t k = 0; r->dist_used && k < x->n_dist; k++)
		x->dist_used[k] |= r->dist_used[k];
	report_package(x->out, r);
	x->done++;
	if (x->summary) {
		if (x->done == 1)
			fprintf(stderr, "%-40s %6s %8s  %s\n", "PACKAGE", "ERRORS", "WARNINGS", "VERDICT");
		size_t errors = findings_errors(&r->findings);
		fprintf(stderr, "%-40s %6zu %8zu  %s\n", r->name ? r->name : r->path, errors, r->findings.n - errors,
			pkg_status_name(st));
	} else if (x->progress) {
		fprintf(stderr, "[%zu] %s", x->done, r->path);
	}
	lint_result_free(r);
}

/* What the cached judgement depends on besides the archive and the data directory. */
static char *judge_options(const struct lint_options *o, const struct walk_limits *l)
{
	struct stat ps = { 0 }, fs = { 0 };
	if (o->apparmor_parser)
		stat(o->apparmor_parser, &ps);
	if (o->features_file)
		stat(o->features_file, &fs);
	return xasprintf("threshold=%.17g parser=%s:%lld:%lld features=%s:%lld:%lld limits=%llu,%llu,%llu", o->threshold,
			 o->apparmor_parser ? o->apparmor_parser : "-", (long long)ps.st_size, (long long)ps.st_mtime,
			 o->features_file ? o->features_file : "-", (long long)fs.st_size, (long long)fs.st_mtime,
			 (unsigned long long)l->max_bytes, (unsigned long long)l->max_ratio, (unsigned long long)l->ratio_floor);
}

int cmd_lint(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "merge") == 0)
		return lint_merge(argc - 1, argv + 1);
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },	 { "threshold", required_argument, NULL, 't' },
		{ "jobs", required_argument, NULL, 'j' },	 { "no-apparmor-parser", no_argument, NULL, 'P' },
		{ "waivers", required_argument, NULL, 'w' },	 { "files-from", required_argument, NULL, 'F' },
		{ "null", no_argument, NULL, '0' },		 { "pool", required_argument, NULL, 'p' },
		{ "unreadable", required_argument, NULL, 'U' },	 { "max-bytes", required_argument, NULL, 'B' },
		{ "max-ratio", required_argument, NULL, 'R' },	 { "ratio-floor", required_argument, NULL, 'L' },
		{ "policy", required_argument, NULL, 'y' },	 { "baseline", required_argument, NULL, 'b' },
		{ "cache", required_argument, NULL, 'c' },	 { "cache-max", required_argument, NULL, 'C' },
		{ "shard", required_argument, NULL, 's' },	 { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum report_format fmt = REPORT_TEXT;
	struct lint_options opts = { .threshold = LINT_DEFAULT_THRESHOLD, .datadir = cli_datadir() };
	struct walk_limits limits = walk_default_limits;
	bool parser = true, nul = false;
	long jobs = 1;
	const char *waiver_file = NULL, *policy_file = NULL, *baseline_file = NULL, *cache_dir = NULL;
	unsigned long long cache_max = 1ull << 30;
	struct strlist lists = { 0 }, pools = { 0 };
	struct lint_run x = { .status = EXIT_OK };
	int opt;
	while ((opt = getopt_long(argc, argv, "f:t:j:0h", options, NULL)) != -1) {
		char *end;
		unsigned long long v;
		switch (opt) {
		case 'f':
			if (!report_format_parse(optarg, &fmt))
				return cli_usage_error("lint", "unknown format '%s' (text, json, sarif, tap)", optarg);
			break;
		case 't':
			opts.threshold = strtod(optarg, &end);
			if (*end || end == optarg || opts.threshold < 0 || opts.threshold > 10)
				return cli_usage_error("lint", "--threshold wants a number from 0 to 10, not '%s'", optarg);
			break;
		case 'j':
			jobs = strtol(optarg, &end, 10);
			if (*end || end == optarg || jobs < 1 || jobs > 256)
				return cli_usage_error("lint", "--jobs wants a number from 1 to 256, not '%s'", optarg);
			break;
		case 'P':
			parser = false;
			break;
		case 'w':
			waiver_file = optarg;
			break;
		case 'F':
			strlist_push(&lists, optarg);
			break;
		case '0':
			nul = true;
			break;
		case 'p':
			strlist_push(&pools, optarg);
			break;
		case 'U':
			if (strcmp(optarg, "error") != 0 && strcmp(optarg, "fail") != 0)
				return cli_usage_error("lint", "--unreadable wants error or fail, not '%s'", optarg);
			x.unreadable_fails = strcmp(optarg, "fail") == 0;
			break;
		case 'B':
		case 'L':
			if (!parse_size(optarg, &v) || v == 0)
				return cli_usage_error("lint", "--%s wants a size in bytes (K, M, G, T suffixes), not '%s'",
						       opt == 'B' ? "max-bytes" : "ratio-floor", optarg);
			*(opt == 'B' ? &limits.max_bytes : &limits.ratio_floor) = v;
			break;
		case 'R':
			if (!parse_size(optarg, &v) || v == 0 || strpbrk(optarg, "KMGT"))
				return cli_usage_error("lint", "--max-ratio wants a whole number above 0, not '%s'", optarg);
			limits.max_ratio = v;
			break;
		case 'y':
			policy_file = optarg;
			break;
		case 'b':
			baseline_file = optarg;
			break;
		case 'c':
			cache_dir = optarg;
			break;
		case 'C':
			if (!parse_size(optarg, &cache_max))
				return cli_usage_error("lint", "--cache-max wants a size in bytes, not '%s'", optarg);
			break;
		case 's':
			if (!shard_parse(optarg, &x.shard_i, &x.shard_n))
				return cli_usage_error("lint", "--shard wants I/N with 1 <= I <= N <= 4096, not '%s'", optarg);
			x.sharded = true;
			break;
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("lint", "unknown option");
		}
	}
	if (optind >= argc && !lists.n && !pools.n) {
		strlist_free(&lists);
		strlist_free(&pools);
		return cli_usage_error("lint", "no package given");
	}
	if (nul && !lists.n) {
		strlist_free(&lists);
		strlist_free(&pools);
		return cli_usage_error("lint", "-0 describes --files-from lists: give one");
	}
	archive_set_limits(&limits);
	if (parser) {
		opts.apparmor_parser = find_parser();
		if (opts.apparmor_parser && access(FEATURES_FILE, R_OK) == 0)
			opts.features_file = FEATURES_FILE;
		if (!opts.apparmor_parser)
			fputs("hardenkit lint: note: apparmor_parser not found: apparmor-invalid is not checked\n", stderr);
	}
	int status = EXIT_USAGE;
	struct dialect_set dialects = { 0 };
	struct lint_data data = { 0 };
	struct waivers waivers = { 0 };
	struct policy policy = { 0 };
	struct diag d;
	diag_init(&d);
	char today[11];
	waiver_today(today);
	if (getenv("HK_LINT_TODAY") && strlen(getenv("HK_LINT_TODAY")) == 10)
		memcpy(today, getenv("HK_LINT_TODAY"), 11); /* tests pin the date waivers are judged on */
	x.inputs = inputs_new();
	for (int i = optind; i < argc; i++)
		inputs_add_path(x.inputs, argv[i]);
	bool ok = cli_load_dialects(&dialects);
	for (size_t i = 0; ok && i < lists.n; i++)
		ok = inputs_add_list(x.inputs, lists.v[i], nul);
	for (size_t i = 0; ok && i < pools.n; i++)
		ok = inputs_add_pool(x.inputs, pools.v[i]);
	ok = ok && lint_data_load(&data, cli_datadir(), &d);
	if (ok && waiver_file) {
		/* named absolutely: findings about it sit outside every package */
		char *abs = realpath(waiver_file, NULL);
		ok = waivers_load(&waivers, abs ? abs : waiver_file, &d);
		free(abs);
	}
	if (ok && policy_file)
		ok = lint_policy_load(&policy, policy_file, today, &d);
	if (ok && baseline_file)
		ok = (x.baseline = baseline_load(baseline_file, &d)) != NULL;
	diag_flush(&d, stderr);
	if (ok && cache_dir) {
		char judge[65];
		char *o = judge_options(&opts, &limits);
		cache_judge_digest(cli_datadir(), o, judge);
		free(o);
		ok = (x.judge.cache = cache_open(cache_dir, cache_max, judge)) != NULL;
	}
	if (!ok)
		goto out;
	x.judge = (struct judge){ &dialects, &data, &opts, &waivers, policy_file ? &policy : NULL, x.judge.cache, today };
	/* a reader that goes away (| head) must not kill a worker writing to apparmor_parser */
	signal(SIGPIPE, SIG_IGN);
	xmlInitParser(); /* libxml2 sets up its globals once, before the workers parse */

	if (x.sharded)
		shard_select(x.inputs, x.shard_i, x.shard_n, &x.shard, &x.inputs_failed);
	bool many = argc - optind > 1 || lists.n || pools.n;
	x.summary = many;
	x.progress = many && isatty(2);
	x.n_dist = waivers.n;
	x.dist_used = xcalloc(waivers.n + 1, sizeof *x.dist_used);
	x.out = report_open(stdout, fmt, fmt == REPORT_TEXT && isatty(1) && !getenv("NO_COLOR"));
	report_unreadable_fails(x.out, x.unreadable_fails);
	runner_run(&(struct runner_ops){ next_path, judge_one, emit_one }, &x, (size_t)jobs);
	if (x.progress)
		fputs("\r\033[K", stderr);

	/* distribution waivers that name no package are judged over the whole run */
	struct findings run = { 0 };
	for (size_t k = 0; k < waivers.n; k++) {
		const struct waiver *wv = &waivers.v[k];
		if (wv->package)
			continue;
		if (strcmp(wv->expires, today) < 0)
			findings_add(&run, lint_rule_find("waiver-expired"), wv->file, wv->line,
				     "the waiver of %s for %s expired on %s", wv->rule, wv->path, wv->expires);
		else if (!x.dist_used[k])
			findings_add(&run, lint_rule_find("waiver-unused"), wv->file, wv->line,
				     "the waiver of %s for %s covers no finding", wv->rule, wv->path);
	}
	if (run.n && x.status == EXIT_OK)
		x.status = EXIT_FINDINGS;
	json_t *tail = json_object();
	if (x.unreadable_fails)
		json_object_set_new(tail, "unreadable", json_string("fail"));
	if (x.baseline) {
		json_t *gone = baseline_disappeared(x.baseline);
		size_t i;
		json_t *e;
		json_array_foreach(gone, i, e)
			fprintf(stderr, "hardenkit lint: baseline: gone: %s: %s: %s: %s\n",
				json_string_value(json_object_get(e, "package")), json_string_value(json_object_get(e, "file")),
				json_string_value(json_object_get(e, "rule")), json_string_value(json_object_get(e, "message")));
		json_object_set_new(tail, "disappeared", gone);
	}
	if (x.sharded)
		json_object_set_new(tail, "shard", json_pack("{s:i, s:i, s:I}", "index", (json_int_t)x.shard_i, "count",
							    (json_int_t)x.shard_n, "total", (json_int_t)x.shard.total));
	bool written = report_close(x.out, &run, tail);
	findings_free(&run);
	if (x.summary)
		fprintf(stderr, "hardenkit lint: %zu packages: %zu pass, %zu fail, %zu unreadable\n", x.done, x.passed, x.failed,
			x.unreadable);
	status = x.status;
	if (x.inputs_failed)
		status = EXIT_USAGE;
	if (!written || fflush(stdout) != 0 || ferror(stdout))
		status = EXIT_USAGE;
out:
	cache_close(x.judge.cache);
	free(x.dist_used);
	shard_part_free(&x.shard);
	baseline_free(x.baseline);
	inputs_free(x.inputs);
	lint_policy_free(&policy);
	waivers_free(&waivers);
	lint_data_free(&data);
	dialect_set_free(&dialects);
	diag_free(&d);
	strlist_free(&lists);
	strlist_free(&pools);
	return status;
}

int cmd_rules(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		puts("Usage: hardenkit rules\n\nLists the linter's rules: id, level, tier and what each refuses.\n"
		     "'hardenkit explain RULE' says why and how to fix it.");
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("rules", "takes no arguments");
	for (const struct lint_rule *r = lint_rules; r->id; r++)
		printf("%-32s %-7s %-9s %s\n", r->id, diag_level_name(r->level),
		       r->tier == TIER_INVARIANT ? "invariant" : "warning", r->summary);
	return EXIT_OK;
}

int cmd_explain(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		puts("Usage: hardenkit explain RULE\n\nPrints what RULE refuses, why, and how to fix it.");
		return EXIT_OK;
	}
	if (argc != 2)
		return cli_usage_error("explain", "give one rule id ('hardenkit rules' lists them)");
	const struct lint_rule *r = lint_rule_find(argv[1]);
	if (!r) {
		fprintf(stderr, "hardenkit explain: no rule '%s' ('hardenkit rules' lists them)\n", argv[1]);
		return EXIT_USAGE;
	}
	printf("%s (%s, %s tier)\n  %s\n\n%s\n", r->id, diag_level_name(r->level),
	       r->tier == TIER_INVARIANT ? "invariant" : "warning", r->summary, r->explanation);
	return EXIT_OK;
}
