/* lint: the `lint`, `rules` and `explain` subcommands: options, the workers that read and
 * judge packages (-j), the exit status (0 clean, 1 an error-level finding, 2 unreadable input
 * or usage). The only place in lint/ that prints. */
#include <getopt.h>
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
#include "exposure.h"
#include "checks.h"
#include "report.h"
#include "waiver.h"

#define FEATURES_FILE "/usr/share/apparmor-features/features"

struct job {
	char **paths;
	size_t n;
	size_t *order; /* which path each turn takes: largest first */
	struct lint_result *results;
	atomic_size_t next, done;
	const struct dialect_set *dialects;
	const struct lint_data *data;
	const struct lint_options *opts;
	const struct waivers *waivers; /* the distribution's */
	const char *today;
	bool progress;
	pthread_mutex_t lock;
};

/* The distribution's waivers and the package's own, applied to the package's findings. */
static void apply_waivers(const struct job *j, const struct facts *f, struct lint_result *r)
{
	struct waivers all = { 0 };
	size_t nd = j->waivers->n;
	all.v = xcalloc(nd + 1, sizeof *all.v);
	if (nd)
		memcpy(all.v, j->waivers->v, nd * sizeof *all.v); /* borrowed, not freed here */
	all.n = nd;
	struct waivers own = { 0 };
	const struct lint_rule *invalid = lint_rule_find("waiver-invalid");
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (ff->role != ROLE_WAIVER || !ff->text)
			continue;
		struct diag d;
		diag_init(&d);
		if (!waivers_parse(&own, ff->path, ff->text, false, &d))
			for (size_t k = 0; k < d.n; k++)
				findings_add(&r->findings, invalid, ff->path, d.msgs[k].line, "%s", d.msgs[k].text);
		diag_free(&d);
	}
	if (own.n) {
		all.v = xreallocarray(all.v, nd + own.n, sizeof *all.v);
		memcpy(all.v + nd, own.v, own.n * sizeof *all.v);
		all.n = nd + own.n;
	}
	bool *used = xcalloc(all.n + 1, sizeof *used);
	waivers_apply(&all, f->name, j->today, &r->findings, &r->waived, used);
	r->dist_used = xcalloc(nd + 1, sizeof *r->dist_used);
	if (nd)
		memcpy(r->dist_used, used, nd * sizeof *used);
	free(used);
	free(all.v);
	waivers_free(&own);
	findings_sort(&r->findings);
}

static void lint_one(const struct job *j, const char *path, struct lint_result *r)
{
	r->path = xstrdup(path);
	diag_init(&r->notes);
	struct diag d;
	diag_init(&d);
	struct facts f;
	if (facts_gather(&f, path, j->dialects, j->data, &d) != 0) {
		r->error = xstrdup(d.n ? d.msgs[0].text : "cannot be read");
		facts_free(&f);
		diag_free(&d);
		return;
	}
	diag_free(&d);
	r->single = f.display != NULL;
	r->name = f.name ? xstrdup(f.name) : NULL;
	r->version = f.version ? xstrdup(f.version) : NULL;
	lint_run(&f, j->opts, &r->findings);
	apply_waivers(j, &f, r);
	r->units = xcalloc(f.n_units ? f.n_units : 1, sizeof *r->units);
	for (size_t i = 0; i < f.n_units; i++) {
		if (!unit_is_service(&f.units[i]))
			continue;
		struct unit_score *u = &r->units[r->n_units++];
		u->name = xstrdup(f.units[i].u->name);
		u->scored = exposure_score(f.units[i].u, &u->exposure) == 0;
	}
	for (size_t i = 0; i < f.notes.n; i++) {
		const struct diag_msg *m = &f.notes.msgs[i];
		char *loc = report_location(r, m->file && !r->single ? m->file : "");
		diag_add(&r->notes, m->level == DIAG_ERROR ? DIAG_WARNING : m->level, loc, m->line, "%s", m->text);
		free(loc);
	}
	facts_free(&f);
}

static void *worker(void *arg)
{
	struct job *j = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&j->next, 1);
		if (i >= j->n)
			break;
		i = j->order[i];
		lint_one(j, j->paths[i], &j->results[i]);
		size_t done = atomic_fetch_add(&j->done, 1) + 1;
		if (j->progress) {
			pthread_mutex_lock(&j->lock);
			fprintf(stderr, "\r\033[K[%zu/%zu] %s", done, j->n, j->paths[i]);
			fflush(stderr);
			pthread_mutex_unlock(&j->lock);
		}
	}
	return NULL;
}

/* Largest archive first: with several workers, the biggest package started last would leave
 * the others idle while it alone is read (longest-processing-time-first scheduling). Results
 * keep their place in the order given, so output does not depend on this. */
static off_t path_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
}

struct sized_path {
	off_t size;
	size_t index;
};

static int larger_first(const void *a, const void *b)
{
	const struct sized_path *x = a, *y = b;
	if (x->size != y->size)
		return x->size < y->size ? 1 : -1;
	return x->index < y->index ? -1 : x->index > y->index; /* ties keep the order given */
}

static size_t *largest_first(char **paths, size_t n)
{
	struct sized_path *sized = xcalloc(n ? n : 1, sizeof *sized);
	for (size_t i = 0; i < n; i++)
		sized[i] = (struct sized_path){ path_size(paths[i]), i };
	qsort(sized, n, sizeof *sized, larger_first);
	size_t *order = xcalloc(n ? n : 1, sizeof *order);
	for (size_t i = 0; i < n; i++)
		order[i] = sized[i].index;
	free(sized);
	return order;
}

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
	fputs("Usage: hardenkit lint [OPTIONS] PATH…\n\n"
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
	      "  -h, --help           show this help\n\n"
	      "Output: FILE:LINE: LEVEL: RULE: message, FILE being PATH/member. 'hardenkit rules' lists\n"
	      "the rules, 'hardenkit explain RULE' explains one.\n"
	      "Exit status: 0 no error-level finding, 1 at least one, 2 an input could not be read or\n"
	      "the command line is wrong.\n",
	      out);
}

int cmd_lint(int argc, char **argv)
{
	static const struct option options[] = {
		{ "format", required_argument, NULL, 'f' },  { "threshold", required_argument, NULL, 't' },
		{ "jobs", required_argument, NULL, 'j' },    { "no-apparmor-parser", no_argument, NULL, 'P' },
		{ "waivers", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },	     { NULL, 0, NULL, 0 },
	};
	enum report_format fmt = REPORT_TEXT;
	struct lint_options opts = { .threshold = LINT_DEFAULT_THRESHOLD, .datadir = cli_datadir() };
	bool parser = true;
	long jobs = 1;
	const char *waiver_file = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "f:t:j:h", options, NULL)) != -1) {
		char *end;
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
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("lint", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("lint", "no package given");
	if (parser) {
		opts.apparmor_parser = find_parser();
		if (opts.apparmor_parser && access(FEATURES_FILE, R_OK) == 0)
			opts.features_file = FEATURES_FILE;
		if (!opts.apparmor_parser)
			fputs("hardenkit lint: note: apparmor_parser not found: apparmor-invalid is not checked\n", stderr);
	}
	struct dialect_set dialects = { 0 };
	if (!cli_load_dialects(&dialects)) {
		dialect_set_free(&dialects);
		return EXIT_USAGE;
	}
	struct lint_data data;
	struct diag d;
	diag_init(&d);
	if (!lint_data_load(&data, cli_datadir(), &d)) {
		diag_flush(&d, stderr);
		diag_free(&d);
		lint_data_free(&data);
		dialect_set_free(&dialects);
		return EXIT_USAGE;
	}
	struct waivers waivers = { 0 };
	if (waiver_file) {
		/* named absolutely: findings about it sit outside every package */
		char *abs = realpath(waiver_file, NULL);
		bool ok = waivers_load(&waivers, abs ? abs : waiver_file, &d);
		free(abs);
		if (!ok) {
			diag_flush(&d, stderr);
			diag_free(&d);
			waivers_free(&waivers);
			lint_data_free(&data);
			dialect_set_free(&dialects);
			return EXIT_USAGE;
		}
	}
	diag_free(&d);
	char today[11];
	waiver_today(today);
	if (getenv("HK_LINT_TODAY") && strlen(getenv("HK_LINT_TODAY")) == 10)
		memcpy(today, getenv("HK_LINT_TODAY"), 11); /* tests pin the date waivers are judged on */
	/* a reader that goes away (| head) must not kill a worker writing to apparmor_parser */
	signal(SIGPIPE, SIG_IGN);
	xmlInitParser(); /* libxml2 sets up its globals once, before the workers parse */

	size_t n = (size_t)(argc - optind);
	struct job j = { .paths = argv + optind, .n = n, .dialects = &dialects, .data = &data, .opts = &opts,
			 .waivers = &waivers, .today = today, .progress = n > 1 && isatty(2) };
	j.results = xcalloc(n, sizeof *j.results);
	j.order = largest_first(j.paths, n);
	pthread_mutex_init(&j.lock, NULL);
	size_t workers = (size_t)jobs < n ? (size_t)jobs : n;
	pthread_t *tids = xcalloc(workers, sizeof *tids);
	size_t started = 0;
	for (size_t i = 1; i < workers; i++)
		if (pthread_create(&tids[i], NULL, worker, &j) == 0)
			started = i;
	worker(&j);
	for (size_t i = 1; i <= started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	free(j.order);
	pthread_mutex_destroy(&j.lock);
	if (j.progress)
		fputs("\r\033[K", stderr);

	int status = EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		const struct lint_result *r = &j.results[i];
		diag_flush((struct diag *)&r->notes, stderr);
		if (r->error) {
			fprintf(stderr, "%s: error: %s\n", r->path, r->error);
			status = EXIT_USAGE;
		} else if (findings_errors(&r->findings) && status == EXIT_OK) {
			status = EXIT_FINDINGS;
		}
	}
	/* distribution waivers that name no package are judged over the whole run */
	struct findings run = { 0 };
	for (size_t k = 0; k < waivers.n; k++) {
		const struct waiver *wv = &waivers.v[k];
		if (wv->package)
			continue;
		bool used = false;
		for (size_t i = 0; i < n; i++)
			used |= j.results[i].dist_used && j.results[i].dist_used[k];
		if (strcmp(wv->expires, today) < 0)
			findings_add(&run, lint_rule_find("waiver-expired"), wv->file, wv->line,
				     "the waiver of %s for %s expired on %s", wv->rule, wv->path, wv->expires);
		else if (!used)
			findings_add(&run, lint_rule_find("waiver-unused"), wv->file, wv->line,
				     "the waiver of %s for %s covers no finding", wv->rule, wv->path);
	}
	if (run.n && status == EXIT_OK)
		status = EXIT_FINDINGS;
	report_write(stdout, fmt, j.results, n, &run, fmt == REPORT_TEXT && isatty(1) && !getenv("NO_COLOR"));
	findings_free(&run);
	waivers_free(&waivers);
	if (n > 1) {
		/* repository mode: a summary on stderr, so stdout stays one document */
		fprintf(stderr, "%-40s %6s %8s  %s\n", "PACKAGE", "ERRORS", "WARNINGS", "VERDICT");
		for (size_t i = 0; i < n; i++) {
			const struct lint_result *r = &j.results[i];
			size_t errors = findings_errors(&r->findings);
			fprintf(stderr, "%-40s %6zu %8zu  %s\n", r->name ? r->name : r->path, errors, r->findings.n - errors,
				r->error ? "unreadable" : errors ? "fail" : "pass");
		}
	}
	for (size_t i = 0; i < n; i++)
		lint_result_free(&j.results[i]);
	free(j.results);
	lint_data_free(&data);
	dialect_set_free(&dialects);
	if (fflush(stdout) != 0 || ferror(stdout))
		status = EXIT_USAGE;
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
