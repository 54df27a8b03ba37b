/* merge: reading shard documents back into results (report.h) and writing them through the
 * same report stream in the input's order; see merge.h. The shards' documents are held in
 * memory while they are joined. */
#include "merge.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cli.h"
#include "../core/util.h"
#include "report.h"

struct shard_doc {
	const char *file;
	json_t *doc;
	size_t next; /* the next of its packages to join */
};

static bool level_of(const char *s, enum diag_level *out)
{
	static const char *const names[] = { "note", "warning", "error" };
	for (int i = 0; i < 3; i++)
		if (s && strcmp(s, names[i]) == 0) {
			*out = (enum diag_level)i;
			return true;
		}
	return false;
}

/* Reads a findings array; LEVELS: the entries carry a level (waived ones do not). */
static bool read_findings(const json_t *a, struct findings *out, bool levels)
{
	size_t i;
	const json_t *v;
	json_array_foreach(a, i, v) {
		const char *rule = json_string_value(json_object_get(v, "rule"));
		const struct lint_rule *lr = rule ? lint_rule_find(rule) : NULL;
		const char *file = json_string_value(json_object_get(v, "file"));
		const char *msg = json_string_value(json_object_get(v, "message"));
		const json_t *line = json_object_get(v, "line");
		enum diag_level level = lr ? lr->level : DIAG_ERROR;
		if (!lr || !file || !msg || !(json_is_null(line) || json_is_integer(line)) ||
		    (levels && !level_of(json_string_value(json_object_get(v, "level")), &level)))
			return false;
		findings_add(out, lr, file, (unsigned)json_integer_value(line), "%s", msg);
		struct finding *f = &out->v[out->n - 1];
		f->level = level;
		const char *policy = json_string_value(json_object_get(v, "policy"));
		f->policy = policy ? xstrdup(policy) : NULL;
	}
	return true;
}

static char *dup_or_null(const json_t *v)
{
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

/* One package object of a lint JSON document back into a result. */
static bool read_package(const json_t *p, struct lint_result *r)
{
	memset(r, 0, sizeof *r);
	r->index = -1;
	r->essential = -1;
	diag_init(&r->notes);
	if (!json_is_string(json_object_get(p, "path")))
		return false;
	r->path = dup_or_null(json_object_get(p, "path"));
	r->name = dup_or_null(json_object_get(p, "name"));
	r->version = dup_or_null(json_object_get(p, "version"));
	r->error = dup_or_null(json_object_get(p, "error"));
	const json_t *limit = json_object_get(p, "limit");
	if (limit) {
		r->limit = dup_or_null(json_object_get(limit, "option"));
		r->limit_value = (unsigned long long)json_integer_value(json_object_get(limit, "value"));
		r->limit_seen = (unsigned long long)json_integer_value(json_object_get(limit, "seen"));
		r->input_size = (unsigned long long)json_integer_value(json_object_get(limit, "archive_bytes"));
	}
	const json_t *units = json_object_get(p, "units");
	r->units = xcalloc(json_array_size(units) + 1, sizeof *r->units);
	size_t i;
	const json_t *u;
	json_array_foreach(units, i, u) {
		struct unit_score *s = &r->units[r->n_units++];
		s->name = dup_or_null(json_object_get(u, "name"));
		const json_t *e = json_object_get(u, "exposure");
		s->scored = json_is_number(e);
		s->exposure = json_number_value(e);
		if (!s->name)
			return false;
	}
	const json_t *base = json_object_get(p, "baselined");
	r->baseline = base != NULL;
	if (!read_findings(json_object_get(p, "findings"), &r->findings, true) ||
	    !read_findings(json_object_get(p, "waived"), &r->waived, false) || !read_findings(base, &r->baselined, true))
		return false;
	/* a file given alone names every finding by its path */
	size_t named = 0;
	for (size_t k = 0; k < r->findings.n; k++)
		named += strcmp(r->findings.v[k].file, r->path) == 0;
	for (size_t k = 0; k < r->baselined.n; k++)
		named += strcmp(r->baselined.v[k].file, r->path) == 0;
	r->single = named && named == r->findings.n + r->baselined.n;
	return true;
}

static bool same_finding(const json_t *a, const json_t *b)
{
	return json_equal((json_t *)a, (json_t *)b);
}

/* The entries of KEY present in every document (as many times as in the one that has fewest):
 * a run-wide finding (an unused distribution waiver) or a disappeared baseline finding
 * holds for the whole input only when no shard saw otherwise. */
static json_t *in_every(struct shard_doc *docs, size_t n, const char *key)
{
	json_t *out = json_array();
	const json_t *first = json_object_get(docs[0].doc, key);
	size_t i;
	const json_t *v;
	json_t **left = xcalloc(n, sizeof *left);
	for (size_t d = 0; d < n; d++)
		left[d] = json_copy(json_object_get(docs[d].doc, key));
	json_array_foreach(first, i, v) {
		bool everywhere = true;
		for (size_t d = 1; d < n && everywhere; d++) {
			size_t k;
			const json_t *w;
			everywhere = false;
			json_array_foreach(left[d], k, w)
				if (same_finding(v, w)) {
					json_array_remove(left[d], k);
					everywhere = true;
					break;
				}
		}
		if (everywhere)
			json_array_append(out, (json_t *)v);
	}
	for (size_t d = 0; d < n; d++)
		json_decref(left[d]);
	free(left);
	return out;
}

static void print_help(void)
{
	puts("Usage: hardenkit lint merge [-f FMT] SHARD.json…\n\n"
	     "Joins the JSON documents of 'hardenkit lint --format=json --shard I/N' runs (every I of one\n"
	     "N, in any order) into the document an unsharded run writes, in FMT: json (default),\n"
	     "sarif, tap or text. Exit status as lint's, from the joined result; 2 when a shard is\n"
	     "missing or repeated or a document is not a shard of this hardenkit version.");
}

int lint_merge(int argc, char **argv)
{
	static const struct option options[] = { { "format", required_argument, NULL, 'f' },
						 { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	enum report_format fmt = REPORT_JSON;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
		if (opt == 'f' && report_format_parse(optarg, &fmt))
			continue;
		if (opt == 'h') {
			print_help();
			return EXIT_OK;
		}
		return opt == 'f' ? cli_usage_error("lint merge", "unknown format '%s' (text, json, sarif, tap)", optarg)
				  : cli_usage_error("lint merge", "unknown option");
	}
	size_t n = (size_t)(argc - optind);
	if (!n)
		return cli_usage_error("lint merge", "no shard document given");
	struct shard_doc *docs = xcalloc(n, sizeof *docs);
	int status = EXIT_USAGE;
	long long count = -1, total = -1;
	bool *seen = NULL;
	const char *mode = NULL;
	for (size_t d = 0; d < n; d++) {
		docs[d].file = argv[optind + (int)d];
		json_error_t err;
		json_t *doc = docs[d].doc = json_load_file(docs[d].file, JSON_REJECT_DUPLICATES, &err);
		if (!doc) {
			fprintf(stderr, "%s:%d: error: not a JSON document: %s\n", docs[d].file, err.line, err.text);
			goto out;
		}
		const json_t *shard = json_object_get(doc, "shard"), *version = json_object_get(doc, "version");
		const json_t *mine = json_object_get(doc, "unreadable");
		long long idx = json_integer_value(json_object_get(shard, "index"));
		long long cnt = json_integer_value(json_object_get(shard, "count"));
		long long tot = json_integer_value(json_object_get(shard, "total"));
		if (!json_is_array(json_object_get(doc, "packages")) || !json_is_string(version) || !shard) {
			fprintf(stderr, "%s: error: not the JSON document of a 'hardenkit lint --shard' run\n", docs[d].file);
			goto out;
		}
		if (strcmp(json_string_value(version), HK_VERSION) != 0) {
			fprintf(stderr, "%s: error: written by hardenkit %s, this is %s: the rule tables may differ\n",
				docs[d].file, json_string_value(version), HK_VERSION);
			goto out;
		}
		if (d == 0) {
			count = cnt;
			total = tot;
			seen = xcalloc((size_t)(cnt > 0 ? cnt : 1), sizeof *seen);
			mode = json_string_value(mine);
		}
		if (cnt != count || tot != total || idx < 1 || idx > cnt) {
			fprintf(stderr, "%s: error: shard %lld/%lld of %lld packages does not belong with shard 1's %lld of %lld\n",
				docs[d].file, idx, cnt, tot, count, total);
			goto out;
		}
		if ((mode == NULL) != (json_string_value(mine) == NULL) ||
		    (json_object_get(doc, "disappeared") == NULL) != (json_object_get(docs[0].doc, "disappeared") == NULL)) {
			fprintf(stderr, "%s: error: run with other --unreadable or --baseline options than %s\n", docs[d].file,
				docs[0].file);
			goto out;
		}
		if (seen[idx - 1]) {
			fprintf(stderr, "%s: error: shard %lld/%lld is given twice\n", docs[d].file, idx, cnt);
			goto out;
		}
		seen[idx - 1] = true;
	}
	for (long long s = 0; s < count; s++)
		if (!seen[s]) {
			fprintf(stderr, "hardenkit lint merge: error: shard %lld/%lld is missing\n", s + 1, count);
			goto out;
		}
	/* check every package first: nothing is written unless all of it can be */
	long long expect = 0;
	for (;; expect++) {
		size_t best = n;
		long long best_index = -1;
		for (size_t d = 0; d < n; d++) {
			const json_t *p = json_array_get(json_object_get(docs[d].doc, "packages"), docs[d].next);
			if (!p)
				continue;
			long long idx = json_integer_value(json_object_get(p, "index"));
			if (best == n || idx < best_index)
				best = d, best_index = idx;
		}
		if (best == n)
			break;
		struct lint_result r;
		bool good = best_index == expect &&
			    read_package(json_array_get(json_object_get(docs[best].doc, "packages"), docs[best].next), &r);
		lint_result_free(&r);
		if (!good) {
			fprintf(stderr, "%s: error: package %zu is not package %lld of the input, or is malformed\n",
				docs[best].file, docs[best].next, expect);
			goto out;
		}
		docs[best].next++;
	}
	if (expect != total) {
		fprintf(stderr, "hardenkit lint merge: error: the shards hold %lld packages, the input had %lld\n", expect, total);
		goto out;
	}
	status = EXIT_OK;
	bool fails = mode && strcmp(mode, "fail") == 0;
	struct report_stream *s = report_open(stdout, fmt, false);
	report_unreadable_fails(s, fails);
	for (size_t d = 0; d < n; d++)
		docs[d].next = 0;
	for (;;) {
		size_t best = n;
		long long best_index = -1;
		for (size_t d = 0; d < n; d++) {
			const json_t *p = json_array_get(json_object_get(docs[d].doc, "packages"), docs[d].next);
			long long idx = p ? json_integer_value(json_object_get(p, "index")) : -1;
			if (p && (best == n || idx < best_index))
				best = d, best_index = idx;
		}
		if (best == n)
			break;
		struct lint_result r;
		read_package(json_array_get(json_object_get(docs[best].doc, "packages"), docs[best].next++), &r);
		enum pkg_status st = lint_result_status(&r);
		if (st == PKG_UNREADABLE && !fails)
			status = EXIT_USAGE;
		else if (st != PKG_PASS && status == EXIT_OK)
			status = EXIT_FINDINGS;
		report_package(s, &r);
		lint_result_free(&r);
	}
	json_t *runs = in_every(docs, n, "findings");
	struct findings run = { 0 };
	read_findings(runs, &run, true);
	json_decref(runs);
	if (findings_errors(&run) && status == EXIT_OK)
		status = EXIT_FINDINGS;
	json_t *tail = json_object();
	if (mode)
		json_object_set_new(tail, "unreadable", json_string(mode));
	if (json_object_get(docs[0].doc, "disappeared"))
		json_object_set_new(tail, "disappeared", in_every(docs, n, "disappeared"));
	if (!report_close(s, &run, tail) || fflush(stdout) != 0 || ferror(stdout))
		status = EXIT_USAGE;
	findings_free(&run);
out:
	for (size_t d = 0; d < n; d++)
		json_decref(docs[d].doc);
	free(docs);
	free(seen);
	return status;
}
