/* report: text, JSON, SARIF and TAP writers; see report.h. JSON and SARIF are built with
 * jansson and dumped indented, keys in insertion order, so output is stable. */
#include "report.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
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
	findings_free(&r->baselined);
	free(r->dist_used);
	diag_free(&r->notes);
	free(r->limit);
	free(r->section);
	free(r->priority);
	for (size_t i = 0; i < r->n_kinds; i++) {
		free(r->kinds[i].name);
		free(r->kinds[i].kind);
		strlist_free(&r->kinds[i].files);
	}
	free(r->kinds);
	for (size_t i = 0; i < r->n_own_waivers; i++) {
		free(r->own_waivers[i].path);
		free(r->own_waivers[i].text);
	}
	free(r->own_waivers);
	memset(r, 0, sizeof *r);
}

enum pkg_status lint_result_status(const struct lint_result *r)
{
	return r->error ? PKG_UNREADABLE : findings_errors(&r->findings) ? PKG_FAIL : PKG_PASS;
}

const char *pkg_status_name(enum pkg_status s)
{
	return s == PKG_PASS ? "pass" : s == PKG_FAIL ? "fail" : "unreadable";
}

void finding_fingerprint(const char *rule, const char *file, const char *message, char out[17])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c)
		abort();
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	EVP_DigestUpdate(c, rule, strlen(rule) + 1);
	EVP_DigestUpdate(c, file, strlen(file) + 1);
	EVP_DigestUpdate(c, message, strlen(message));
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
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

static json_t *json_result(const struct lint_result *r)
{
	json_t *pkg = json_object();
	json_object_set_new(pkg, "path", json_string(r->path));
	json_object_set_new(pkg, "name", r->name ? json_string(r->name) : json_null());
	json_object_set_new(pkg, "version", r->version ? json_string(r->version) : json_null());
	if (r->index >= 0)
		json_object_set_new(pkg, "index", json_integer(r->index));
	json_object_set_new(pkg, "status", json_string(pkg_status_name(lint_result_status(r))));
	if (r->error)
		json_object_set_new(pkg, "error", json_string(r->error));
	if (r->limit)
		json_object_set_new(pkg, "limit",
				    json_pack("{s:s, s:I, s:I, s:I}", "option", r->limit, "value", (json_int_t)r->limit_value,
					      "seen", (json_int_t)r->limit_seen, "archive_bytes", (json_int_t)r->input_size));
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
		char fp[17];
		finding_fingerprint(fd->rule->id, r->single ? r->path : fd->file, fd->message, fp);
		json_object_set_new(o, "fingerprint", json_string(fp));
		if (fd->policy)
			json_object_set_new(o, "policy", json_string(fd->policy));
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
	if (r->baseline) {
		json_t *base = json_array();
		for (size_t i = 0; i < r->baselined.n; i++) {
			const struct finding *fd = &r->baselined.v[i];
			char fp[17];
			const char *file = r->single ? r->path : fd->file;
			finding_fingerprint(fd->rule->id, file, fd->message, fp);
			json_array_append_new(base, json_pack("{s:s, s:s, s:s, s:o, s:s, s:s}", "rule", fd->rule->id, "level",
							      diag_level_name(fd->level), "file", file, "line",
							      fd->line ? json_integer(fd->line) : json_null(), "message",
							      fd->message, "fingerprint", fp));
		}
		json_object_set_new(pkg, "baselined", base);
	}
	return pkg;
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

static json_t *sarif_rules(const struct lint_rule *table)
{
	json_t *rules = json_array();
	for (const struct lint_rule *r = table; r->id; r++) {
		json_t *o = json_object();
		json_object_set_new(o, "id", json_string(r->id));
		json_object_set_new(o, "shortDescription", json_pack("{s:s}", "text", r->summary));
		json_object_set_new(o, "fullDescription", json_pack("{s:s}", "text", r->explanation));
		json_object_set_new(o, "defaultConfiguration", json_pack("{s:s}", "level", sarif_level(r->level)));
		json_object_set_new(o, "properties",
				    json_pack("{s:s}", "tier", r->tier == TIER_INVARIANT ? "invariant" : "warning"));
		json_array_append_new(rules, o);
	}
	return rules;
}

/* The stream writes each package's part as jansson would inside the whole document: the part
 * dumped alone, indented, its lines shifted to the depth it sits at. JSON strings hold no raw
 * newline, so every newline in the dump is a line break of the layout. */
struct report_stream {
	FILE *out;
	enum report_format fmt;
	struct text_ctx text;
	size_t items; /* JSON packages or SARIF results written */
	FILE *spool; /* TAP: the package lines, until the plan is known */
	bool unreadable_fails;
	size_t tests;
	bool failed;
	const struct lint_rule *rules; /* lint_rules, or the caller's table (report_write_rules) */
};

#define DUMP_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6) | JSON_ENCODE_ANY)

static void dump_at(FILE *out, const json_t *v, int depth)
{
	char *text = json_dumps(v, DUMP_FLAGS);
	if (!text)
		abort();
	for (const char *p = text; *p; p++) {
		fputc(*p, out);
		if (*p == '\n')
			fprintf(out, "%*s", 2 * depth, "");
	}
	free(text);
}

/* "KEY": VALUE at DEPTH, after a comma unless FIRST. */
static void field_at(FILE *out, const char *key, const json_t *v, int depth, bool first)
{
	json_t *k = json_string(key);
	fprintf(out, "%s\n%*s", first ? "" : ",", 2 * depth, "");
	dump_at(out, k, depth);
	fputs(": ", out);
	dump_at(out, v, depth);
	json_decref(k);
}

static void item_at(struct report_stream *s, json_t *v, int depth)
{
	fprintf(s->out, "%s\n%*s", s->items++ ? "," : "", 2 * depth, "");
	dump_at(s->out, v, depth);
	json_decref(v);
}

static struct report_stream *open_rules(FILE *out, enum report_format fmt, bool colour, const struct lint_rule *rules)
{
	struct report_stream *s = xcalloc(1, sizeof *s);
	s->rules = rules;
	s->out = out;
	s->fmt = fmt;
	s->text = (struct text_ctx){ out, colour ? "\033[1;31m" : "", colour ? "\033[1;33m" : "", colour ? "\033[1m" : "",
				     colour ? "\033[0m" : "" };
	json_t *v;
	switch (fmt) {
	case REPORT_TEXT:
		break;
	case REPORT_JSON:
		fputc('{', out);
		field_at(out, "tool", v = json_string("hardenkit"), 1, true);
		json_decref(v);
		field_at(out, "version", v = json_string(HK_VERSION), 1, false);
		json_decref(v);
		fputs(",\n  \"packages\": [", out);
		break;
	case REPORT_SARIF:
		fputc('{', out);
		field_at(out, "$schema", v = json_string("https://json.schemastore.org/sarif-2.1.0.json"), 1, true);
		json_decref(v);
		field_at(out, "version", v = json_string("2.1.0"), 1, false);
		json_decref(v);
		fputs(",\n  \"runs\": [\n    {", out);
		v = json_pack("{s:{s:s, s:s, s:o}}", "driver", "name", "hardenkit", "version", HK_VERSION, "rules", sarif_rules(s->rules));
		field_at(out, "tool", v, 3, true);
		json_decref(v);
		fputs(",\n      \"results\": [", out);
		break;
	case REPORT_TAP:
		s->spool = tmpfile();
		if (!s->spool)
			s->failed = true;
		break;
	}
	return s;
}

struct report_stream *report_open(FILE *out, enum report_format fmt, bool colour)
{
	return open_rules(out, fmt, colour, lint_rules);
}

static void sarif_finding(struct report_stream *s, const struct lint_result *r, const struct finding *fd)
{
	char *loc = report_location(r, fd->file);
	char *uri = uri_of(loc);
	json_t *phys = json_pack("{s:{s:s}}", "artifactLocation", "uri", uri);
	if (fd->line)
		json_object_set_new(phys, "region", json_pack("{s:i}", "startLine", (json_int_t)fd->line));
	json_t *res = json_pack("{s:s, s:i, s:s, s:{s:s}, s:[{s:o}]}", "ruleId", fd->rule->id, "ruleIndex",
				(json_int_t)(fd->rule - s->rules), "level", sarif_level(fd->level), "message", "text",
				fd->message, "locations", "physicalLocation", phys);
	if (r->name || r->path[0]) {
		/* the same fingerprint as the JSON's: code-scanning services match results run to run */
		char fp[17];
		finding_fingerprint(fd->rule->id, r->single ? r->path : fd->file, fd->message, fp);
		json_object_set_new(res, "partialFingerprints", json_pack("{s:s}", "hardenkit/v1", fp));
	}
	item_at(s, res, 4);
	free(uri);
	free(loc);
}

/* TAP: one test per package and rule (ok when the rule found nothing at error level), the
 * findings as diagnostics under it; a package that could not be read is one failing test. */
static void tap_package(struct report_stream *s, const struct lint_result *r)
{
	FILE *out = s->spool;
	const char *label = r->name ? r->name : r->path;
	if (r->error) {
		fprintf(out, "not ok %zu - %s: could not be read\n# %s\n", ++s->tests, label, r->error);
		return;
	}
	for (const struct lint_rule *rule = s->rules; rule->id; rule++) {
		bool failed = false;
		for (size_t k = 0; k < r->findings.n; k++)
			failed |= r->findings.v[k].rule == rule && r->findings.v[k].level == DIAG_ERROR;
		fprintf(out, "%sok %zu - %s: %s\n", failed ? "not " : "", ++s->tests, label, rule->id);
		for (size_t k = 0; k < r->findings.n; k++) {
			const struct finding *fd = &r->findings.v[k];
			if (fd->rule != rule)
				continue;
			char *loc = report_location(r, fd->file);
			if (fd->line)
				fprintf(out, "# %s:%u: %s: %s\n", loc, fd->line, diag_level_name(fd->level), fd->message);
			else
				fprintf(out, "# %s: %s: %s\n", loc, diag_level_name(fd->level), fd->message);
			free(loc);
		}
	}
}

void report_unreadable_fails(struct report_stream *s, bool fails)
{
	s->unreadable_fails = fails;
}

void report_package(struct report_stream *s, const struct lint_result *r)
{
	switch (s->fmt) {
	case REPORT_TEXT:
		if (r->error && s->unreadable_fails)
			fprintf(s->out, "%s: %serror%s: unreadable: %s\n", r->path, s->text.red, s->text.reset, r->error);
		for (size_t k = 0; k < r->findings.n; k++) {
			char *loc = report_location(r, r->findings.v[k].file);
			text_finding(&s->text, loc, &r->findings.v[k]);
			free(loc);
		}
		break;
	case REPORT_JSON:
		item_at(s, json_result(r), 2);
		break;
	case REPORT_SARIF:
		for (size_t k = 0; k < r->findings.n; k++)
			sarif_finding(s, r, &r->findings.v[k]);
		break;
	case REPORT_TAP:
		if (s->spool)
			tap_package(s, r);
		break;
	}
}

static bool copy_spool(FILE *from, FILE *to)
{
	char buf[65536];
	size_t n;
	if (fflush(from) != 0 || fseek(from, 0, SEEK_SET) != 0)
		return false;
	while ((n = fread(buf, 1, sizeof buf, from)) > 0)
		if (fwrite(buf, 1, n, to) != n)
			return false;
	return !ferror(from);
}

/* The package tests were numbered from 1 while the run's own test, which comes first, was not
 * yet known: shift each test line's number by one. */
static bool renumber_spool(FILE *from, FILE *to)
{
	if (fflush(from) != 0 || fseek(from, 0, SEEK_SET) != 0)
		return false;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, from)) > 0) {
		size_t skip = strncmp(line, "ok ", 3) == 0 ? 3 : strncmp(line, "not ok ", 7) == 0 ? 7 : 0;
		char *end;
		unsigned long long num = skip ? strtoull(line + skip, &end, 10) : 0;
		if (skip && end > line + skip)
			fprintf(to, "%.*s%llu%s", (int)skip, line, num + 1, end);
		else
			fputs(line, to);
	}
	free(line);
	return !ferror(from);
}

bool report_close(struct report_stream *s, const struct findings *run, void *tail)
{
	struct lint_result none = { .path = (char *)"", .index = -1 };
	json_t *extra = tail;
	bool ok = !s->failed;
	switch (s->fmt) {
	case REPORT_TEXT:
		for (size_t k = 0; run && k < run->n; k++) {
			char *loc = report_location(&none, run->v[k].file);
			text_finding(&s->text, loc, &run->v[k]);
			free(loc);
		}
		break;
	case REPORT_JSON: {
		fputs(s->items ? "\n  ]" : "]", s->out);
		json_t *fs = json_findings(run);
		field_at(s->out, "findings", fs, 1, false);
		json_decref(fs);
		const char *key;
		json_t *v;
		json_object_foreach(extra, key, v)
			field_at(s->out, key, v, 1, false);
		fputs("\n}\n", s->out);
		break;
	}
	case REPORT_SARIF:
		for (size_t k = 0; run && k < run->n; k++)
			sarif_finding(s, &none, &run->v[k]);
		fputs(s->items ? "\n      ]\n    }\n  ]\n}\n" : "]\n    }\n  ]\n}\n", s->out);
		break;
	case REPORT_TAP:
		if (!s->spool)
			break;
		fprintf(s->out, "1..%zu\n", s->tests + (run && run->n));
		if (run && run->n) {
			/* the run's own test comes first, as it always has; its number shifts the rest */
			fprintf(s->out, "not ok 1 - waivers\n");
			for (size_t k = 0; k < run->n; k++)
				fprintf(s->out, "# %s:%u: %s: %s\n", run->v[k].file, run->v[k].line, run->v[k].rule->id,
					run->v[k].message);
		}
		ok &= run && run->n ? renumber_spool(s->spool, s->out) : copy_spool(s->spool, s->out);
		fclose(s->spool);
		break;
	}
	json_decref(extra);
	free(s);
	return ok;
}

void report_write(FILE *out, enum report_format fmt, const struct lint_result *rs, size_t n,
		  const struct findings *run, bool colour)
{
	report_write_rules(out, fmt, lint_rules, rs, n, run, colour);
}

void report_write_rules(FILE *out, enum report_format fmt, const struct lint_rule *rules,
			const struct lint_result *rs, size_t n, const struct findings *run, bool colour)
{
	struct report_stream *s = open_rules(out, fmt, colour, rules);
	for (size_t i = 0; i < n; i++)
		report_package(s, &rs[i]);
	report_close(s, run, NULL);
}
