/* report: text, JSON, SARIF and TAP writers; see report.h. JSON and SARIF are built with
 * jansson and dumped indented, keys in insertion order, so output is stable. */
#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "../core/cli.h"
#include "../core/util.h"

void lint_result_free(struct lint_result *r)
{
	free(r->path);
	free(r->name);
	free(r->version);
	free(r->error);
	for (size_t i = 0; i < r->n_units; i++)
		free(r->units[i].name);
	free(r->units);
	findings_free(&r->findings);
	findings_free(&r->waived);
	free(r->dist_used);
	diag_free(&r->notes);
	memset(r, 0, sizeof *r);
}

char *report_location(const struct lint_result *r, const char *file)
{
	if (r->single || !*file)
		return xstrdup(r->path);
	if (*file == '/')
		return xstrdup(file); /* outside the package: the distribution's waiver file */
	size_t n = strlen(r->path);
	while (n > 1 && r->path[n - 1] == '/')
		n--;
	return xasprintf("%.*s/%s", (int)n, r->path, file);
}

bool report_format_parse(const char *s, enum report_format *out)
{
	static const char *const names[] = { "text", "json", "sarif", "tap", NULL };
	for (int i = 0; names[i]; i++) {
		if (strcmp(s, names[i]) == 0) {
			*out = (enum report_format)i;
			return true;
		}
	}
	return false;
}

/* Every finding of every package, then the run's own (the waiver files'), each with the
 * location a reader sees: the one walk the text and SARIF writers share. */
typedef void (*finding_fn)(void *ctx, const char *loc, const struct finding *fd);

static void each_finding(const struct lint_result *rs, size_t n, const struct findings *run, finding_fn fn, void *ctx)
{
	struct lint_result none = { .path = (char *)"" };
	for (size_t i = 0; i <= n; i++) {
		const struct lint_result *r = i < n ? &rs[i] : &none;
		const struct findings *fs = i < n ? &rs[i].findings : run;
		for (size_t k = 0; fs && k < fs->n; k++) {
			char *loc = report_location(r, fs->v[k].file);
			fn(ctx, loc, &fs->v[k]);
			free(loc);
		}
	}
}

struct text_ctx {
	FILE *out;
	const char *red, *yellow, *bold, *reset;
};

static void text_finding(void *ctx, const char *loc, const struct finding *fd)
{
	struct text_ctx *t = ctx;
	if (fd->line)
		fprintf(t->out, "%s:%u: ", loc, fd->line);
	else
		fprintf(t->out, "%s: ", loc);
	fprintf(t->out, "%s%s%s: %s%s%s: %s\n", fd->level == DIAG_ERROR ? t->red : t->yellow, diag_level_name(fd->level),
		t->reset, t->bold, fd->rule->id, t->reset, fd->message);
}

static void write_text(FILE *out, const struct lint_result *rs, size_t n, const struct findings *run, bool colour)
{
	struct text_ctx t = { out, colour ? "\033[1;31m" : "", colour ? "\033[1;33m" : "", colour ? "\033[1m" : "",
			      colour ? "\033[0m" : "" };
	each_finding(rs, n, run, text_finding, &t);
}

static json_t *json_result(const struct lint_result *r)
{
	json_t *pkg = json_object();
	json_object_set_new(pkg, "path", json_string(r->path));
	json_object_set_new(pkg, "name", r->name ? json_string(r->name) : json_null());
	json_object_set_new(pkg, "version", r->version ? json_string(r->version) : json_null());
	if (r->error)
		json_object_set_new(pkg, "error", json_string(r->error));
	json_t *units = json_array();
	for (size_t i = 0; i < r->n_units; i++) {
		json_t *u = json_object();
		json_object_set_new(u, "name", json_string(r->units[i].name));
		/* the score with systemd's one decimal, as a number */
		json_object_set_new(u, "exposure",
				    r->units[i].scored ? json_real((double)(long)(r->units[i].exposure * 10 + 0.5) / 10) : json_null());
		json_array_append_new(units, u);
	}
	json_object_set_new(pkg, "units", units);
	json_t *findings = json_array();
	for (size_t i = 0; i < r->findings.n; i++) {
		const struct finding *fd = &r->findings.v[i];
		json_t *o = json_object();
		json_object_set_new(o, "rule", json_string(fd->rule->id));
		json_object_set_new(o, "level", json_string(diag_level_name(fd->level)));
		json_object_set_new(o, "tier", json_string(fd->rule->tier == TIER_INVARIANT ? "invariant" : "warning"));
		json_object_set_new(o, "file", json_string(r->single ? r->path : fd->file));
		json_object_set_new(o, "line", fd->line ? json_integer(fd->line) : json_null());
		json_object_set_new(o, "message", json_string(fd->message));
		json_array_append_new(findings, o);
	}
	json_object_set_new(pkg, "findings", findings);
	json_t *waived = json_array();
	for (size_t i = 0; i < r->waived.n; i++) {
		const struct finding *fd = &r->waived.v[i];
		json_array_append_new(waived, json_pack("{s:s, s:s, s:o, s:s}", "rule", fd->rule->id, "file", fd->file, "line",
							fd->line ? json_integer(fd->line) : json_null(), "message", fd->message));
	}
	json_object_set_new(pkg, "waived", waived);
	return pkg;
}

static void dump(FILE *out, json_t *doc)
{
	json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	fputc('\n', out);
	json_decref(doc);
}

static json_t *json_findings(const struct findings *fs)
{
	json_t *a = json_array();
	for (size_t i = 0; fs && i < fs->n; i++) {
		const struct finding *fd = &fs->v[i];
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o, s:s}", "rule", fd->rule->id, "level",
						   diag_level_name(fd->level), "file", fd->file, "line",
						   fd->line ? json_integer(fd->line) : json_null(), "message", fd->message));
	}
	return a;
}

static void write_json(FILE *out, const struct lint_result *rs, size_t n, const struct findings *run)
{
	json_t *doc = json_object();
	json_object_set_new(doc, "tool", json_string("hardenkit"));
	json_object_set_new(doc, "version", json_string(HK_VERSION));
	json_t *pkgs = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(pkgs, json_result(&rs[i]));
	json_object_set_new(doc, "packages", pkgs);
	json_object_set_new(doc, "findings", json_findings(run));
	dump(out, doc);
}

/* A relative URI reference for SARIF: RFC 3986 unreserved characters and '/' stay. */
static char *uri_of(const char *path)
{
	struct buf b = { 0 };
	buf_puts(&b, "");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
			buf_append(&b, (const char *)p, 1);
		else
			buf_printf(&b, "%%%02X", *p);
	}
	return b.data;
}

static const char *sarif_level(enum diag_level l)
{
	return l == DIAG_ERROR ? "error" : l == DIAG_WARNING ? "warning" : "note";
}

static void sarif_result(void *ctx, const char *loc, const struct finding *fd)
{
	char *uri = uri_of(loc);
	json_t *phys = json_pack("{s:{s:s}}", "artifactLocation", "uri", uri);
	if (fd->line)
		json_object_set_new(phys, "region", json_pack("{s:i}", "startLine", (json_int_t)fd->line));
	json_t *res = json_pack("{s:s, s:i, s:s, s:{s:s}, s:[{s:o}]}", "ruleId", fd->rule->id, "ruleIndex",
				(json_int_t)(fd->rule - lint_rules), "level", sarif_level(fd->level), "message", "text",
				fd->message, "locations", "physicalLocation", phys);
	json_array_append_new(ctx, res);
	free(uri);
}

static void write_sarif(FILE *out, const struct lint_result *rs, size_t n, const struct findings *run)
{
	json_t *rules = json_array();
	for (const struct lint_rule *r = lint_rules; r->id; r++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(r->id));
		json_object_set_new(o, "shortDescription", json_pack("{s:s}", "text", r->summary));
		json_object_set_new(o, "fullDescription", json_pack("{s:s}", "text", r->explanation));
		json_object_set_new(o, "defaultConfiguration", json_pack("{s:s}", "level", sarif_level(r->level)));
		json_object_set_new(o, "properties",
				    json_pack("{s:s}", "tier", r->tier == TIER_INVARIANT ? "invariant" : "warning"));
		json_array_append_new(rules, o);
	}
	json_t *results = json_array();
	each_finding(rs, n, run, sarif_result, results);
	json_t *doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:o}}, s:o}]}", "$schema",
				"https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool", "driver",
				"name", "hardenkit", "version", HK_VERSION, "rules", rules, "results", results);
	dump(out, doc);
}

/* TAP: one test per package and rule (ok when the rule found nothing at error level), the
 * findings as diagnostics under it; a package that could not be read is one failing test. */
static void write_tap(FILE *out, const struct lint_result *rs, size_t n, const struct findings *run)
{
	size_t rules = lint_rule_count(), tests = 0;
	for (size_t i = 0; i < n; i++)
		tests += rs[i].error ? 1 : rules;
	fprintf(out, "1..%zu\n", tests + (run && run->n));
	size_t t = 0;
	if (run && run->n) {
		fprintf(out, "not ok %zu - waivers\n", ++t);
		for (size_t k = 0; k < run->n; k++)
			fprintf(out, "# %s:%u: %s: %s\n", run->v[k].file, run->v[k].line, run->v[k].rule->id, run->v[k].message);
	}
	for (size_t i = 0; i < n; i++) {
		const char *label = rs[i].name ? rs[i].name : rs[i].path;
		if (rs[i].error) {
			fprintf(out, "not ok %zu - %s: could not be read\n# %s\n", ++t, label, rs[i].error);
			continue;
		}
		for (const struct lint_rule *r = lint_rules; r->id; r++) {
			bool failed = false;
			for (size_t k = 0; k < rs[i].findings.n; k++)
				failed |= rs[i].findings.v[k].rule == r && rs[i].findings.v[k].level == DIAG_ERROR;
			fprintf(out, "%sok %zu - %s: %s\n", failed ? "not " : "", ++t, label, r->id);
			for (size_t k = 0; k < rs[i].findings.n; k++) {
				const struct finding *fd = &rs[i].findings.v[k];
				if (fd->rule != r)
					continue;
				char *loc = report_location(&rs[i], fd->file);
				if (fd->line)
					fprintf(out, "# %s:%u: %s: %s\n", loc, fd->line, diag_level_name(fd->level), fd->message);
				else
					fprintf(out, "# %s: %s: %s\n", loc, diag_level_name(fd->level), fd->message);
				free(loc);
			}
		}
	}
}

void report_write(FILE *out, enum report_format fmt, const struct lint_result *rs, size_t n,
		  const struct findings *run, bool colour)
{
	switch (fmt) {
	case REPORT_TEXT:
		write_text(out, rs, n, run, colour);
		break;
	case REPORT_JSON:
		write_json(out, rs, n, run);
		break;
	case REPORT_SARIF:
		write_sarif(out, rs, n, run);
		break;
	case REPORT_TAP:
		write_tap(out, rs, n, run);
		break;
	}
}
