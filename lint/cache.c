/* cache: the entry format (a header line with the SHA-256 of the JSON body that follows),
 * atomic writes, least-recently-used trimming; see cache.h. */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/util.h"

#define MAGIC "hardenkit-cache 1 "

struct cache {
	char *dir;
	unsigned long long max_bytes;
	char judge[65];
	atomic_size_t hits, misses, corrupt, written;
};

static void hex(const unsigned char *md, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static EVP_MD_CTX *sha_new(void)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL))
		abort();
	return c;
}

static void sha_end(EVP_MD_CTX *c, char out[65])
{
	unsigned char md[32];
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	hex(md, 32, out);
}

static void sha_of(const char *data, size_t n, char out[65])
{
	EVP_MD_CTX *c = sha_new();
	EVP_DigestUpdate(c, data, n);
	sha_end(c, out);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void digest_tree(EVP_MD_CTX *c, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	for (int i = 0; i < n; i++) {
		const char *e = names[i]->d_name;
		if (strcmp(e, ".") != 0 && strcmp(e, "..") != 0) {
			char *path = xasprintf("%s/%s", dir, e);
			struct stat st;
			if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
				EVP_DigestUpdate(c, "d", 1);
				EVP_DigestUpdate(c, e, strlen(e) + 1);
				digest_tree(c, path);
			} else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				EVP_DigestUpdate(c, "f", 1);
				EVP_DigestUpdate(c, e, strlen(e) + 1);
				FILE *f = fopen(path, "re");
				char buf[65536];
				size_t k;
				while (f && (k = fread(buf, 1, sizeof buf, f)) > 0)
					EVP_DigestUpdate(c, buf, k);
				if (f)
					fclose(f);
				EVP_DigestUpdate(c, "\0", 1);
			}
			free(path);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

void cache_judge_digest(const char *datadir, const char *options, char out[65])
{
	EVP_MD_CTX *c = sha_new();
	EVP_DigestUpdate(c, "hardenkit " HK_VERSION "\n", strlen("hardenkit " HK_VERSION "\n"));
	EVP_DigestUpdate(c, options, strlen(options) + 1);
	digest_tree(c, datadir);
	sha_end(c, out);
}

struct cache *cache_open(const char *dir, unsigned long long max_bytes, const char judge[65])
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "hardenkit lint: %s: cannot make the cache directory: %s\n", dir, strerror(errno));
		return NULL;
	}
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0) {
		fprintf(stderr, "hardenkit lint: %s: not a writable directory\n", dir);
		return NULL;
	}
	struct cache *c = xcalloc(1, sizeof *c);
	c->dir = xstrdup(dir);
	c->max_bytes = max_bytes;
	memcpy(c->judge, judge, 65);
	return c;
}

bool cache_key(struct cache *c, const char *path, char key[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0)
		return false;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return false;
	}
	EVP_MD_CTX *sha = sha_new();
	char *buf = xmalloc(1 << 20);
	ssize_t n;
	while ((n = read(fd, buf, 1 << 20)) > 0)
		EVP_DigestUpdate(sha, buf, (size_t)n);
	free(buf);
	close(fd);
	char archive[65];
	sha_end(sha, archive);
	if (n < 0)
		return false;
	/* the name counts too: a lone config file is placed by its name, and a plain archive
	 * without metadata is named after its file */
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	sha = sha_new();
	EVP_DigestUpdate(sha, archive, 64);
	EVP_DigestUpdate(sha, c->judge, 64);
	EVP_DigestUpdate(sha, base, strlen(base));
	sha_end(sha, key);
	return true;
}

static char *entry_path(const struct cache *c, const char key[65])
{
	return xasprintf("%s/%.2s/%s", c->dir, key, key);
}

/* ---- an entry's JSON: the result before waivers, policy and baseline ---- */

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *findings_json(const struct findings *fs)
{
	json_t *a = json_array();
	for (size_t i = 0; i < fs->n; i++) {
		const struct finding *f = &fs->v[i];
		json_array_append_new(a, json_pack("{s:s, s:i, s:s, s:I, s:s}", "rule", f->rule->id, "level", (int)f->level,
						   "file", f->file, "line", (json_int_t)f->line, "message", f->message));
	}
	return a;
}

static json_t *entry_json(const char key[65], const struct lint_result *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "key", json_string(key));
	json_object_set_new(o, "name", str_or_null(r->name));
	json_object_set_new(o, "version", str_or_null(r->version));
	json_object_set_new(o, "single", json_boolean(r->single));
	json_object_set_new(o, "error", str_or_null(r->error));
	json_object_set_new(o, "limit", str_or_null(r->limit));
	json_object_set_new(o, "limit_figures", json_pack("[I, I, I]", (json_int_t)r->limit_value, (json_int_t)r->limit_seen,
							  (json_int_t)r->input_size));
	json_object_set_new(o, "section", str_or_null(r->section));
	json_object_set_new(o, "priority", str_or_null(r->priority));
	json_object_set_new(o, "essential", json_integer(r->essential));
	json_t *units = json_array();
	for (size_t i = 0; i < r->n_units; i++)
		json_array_append_new(units, json_pack("{s:s, s:b, s:f}", "name", r->units[i].name, "scored", r->units[i].scored,
						       "exposure", r->units[i].exposure));
	json_object_set_new(o, "units", units);
	json_t *kinds = json_array();
	for (size_t i = 0; i < r->n_kinds; i++) {
		json_t *files = json_array();
		for (size_t k = 0; k < r->kinds[i].files.n; k++)
			json_array_append_new(files, json_string(r->kinds[i].files.v[k]));
		json_array_append_new(kinds, json_pack("{s:s, s:s, s:o}", "name", r->kinds[i].name, "kind", r->kinds[i].kind,
						       "files", files));
	}
	json_object_set_new(o, "kinds", kinds);
	json_object_set_new(o, "findings", findings_json(&r->findings));
	json_t *waivers = json_array();
	for (size_t i = 0; i < r->n_own_waivers; i++)
		json_array_append_new(waivers, json_pack("{s:s, s:s}", "path", r->own_waivers[i].path, "text",
							 r->own_waivers[i].text));
	json_object_set_new(o, "waivers", waivers);
	json_t *notes = json_array();
	for (size_t i = 0; i < r->notes.n; i++) {
		const struct diag_msg *m = &r->notes.msgs[i];
		json_array_append_new(notes, json_pack("{s:i, s:o, s:I, s:s}", "level", (int)m->level, "file",
						       str_or_null(m->file), "line", (json_int_t)m->line, "text", m->text));
	}
	json_object_set_new(o, "notes", notes);
	return o;
}

static char *dup_or_null(const json_t *v)
{
	return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
}

/* Reads an entry's JSON into R; false when anything is missing or wrong. */
static bool entry_read(const json_t *o, const char key[65], struct lint_result *r)
{
	const json_t *units = json_object_get(o, "units"), *kinds = json_object_get(o, "kinds"),
		     *findings = json_object_get(o, "findings"), *waivers = json_object_get(o, "waivers"),
		     *notes = json_object_get(o, "notes"), *fig = json_object_get(o, "limit_figures");
	if (!json_is_string(json_object_get(o, "key")) || strcmp(json_string_value(json_object_get(o, "key")), key) != 0 ||
	    !json_is_array(units) || !json_is_array(kinds) || !json_is_array(findings) || !json_is_array(waivers) ||
	    !json_is_array(notes) || json_array_size(fig) != 3)
		return false;
	size_t i;
	const json_t *v;
	json_array_foreach(findings, i, v) {
		const char *rule = json_string_value(json_object_get(v, "rule"));
		const struct lint_rule *lr = rule ? lint_rule_find(rule) : NULL;
		const char *file = json_string_value(json_object_get(v, "file"));
		const char *msg = json_string_value(json_object_get(v, "message"));
		if (!lr || !file || !msg)
			return false;
		findings_add(&r->findings, lr, file, (unsigned)json_integer_value(json_object_get(v, "line")), "%s", msg);
		r->findings.v[r->findings.n - 1].level = (enum diag_level)json_integer_value(json_object_get(v, "level"));
	}
	r->name = dup_or_null(json_object_get(o, "name"));
	r->version = dup_or_null(json_object_get(o, "version"));
	r->single = json_is_true(json_object_get(o, "single"));
	r->error = dup_or_null(json_object_get(o, "error"));
	r->limit = dup_or_null(json_object_get(o, "limit"));
	r->limit_value = (unsigned long long)json_integer_value(json_array_get(fig, 0));
	r->limit_seen = (unsigned long long)json_integer_value(json_array_get(fig, 1));
	r->input_size = (unsigned long long)json_integer_value(json_array_get(fig, 2));
	r->section = dup_or_null(json_object_get(o, "section"));
	r->priority = dup_or_null(json_object_get(o, "priority"));
	r->essential = (int)json_integer_value(json_object_get(o, "essential"));
	r->units = xcalloc(json_array_size(units) + 1, sizeof *r->units);
	json_array_foreach(units, i, v) {
		struct unit_score *u = &r->units[r->n_units++];
		u->name = dup_or_null(json_object_get(v, "name"));
		u->scored = json_is_true(json_object_get(v, "scored"));
		u->exposure = json_number_value(json_object_get(v, "exposure"));
		if (!u->name)
			return false;
	}
	r->kinds = xcalloc(json_array_size(kinds) + 1, sizeof *r->kinds);
	json_array_foreach(kinds, i, v) {
		struct unit_kind *k = &r->kinds[r->n_kinds++];
		k->name = dup_or_null(json_object_get(v, "name"));
		k->kind = dup_or_null(json_object_get(v, "kind"));
		size_t j;
		const json_t *f;
		json_array_foreach(json_object_get(v, "files"), j, f)
			if (json_is_string(f))
				strlist_push(&k->files, json_string_value(f));
		if (!k->name || !k->kind)
			return false;
	}
	r->own_waivers = xcalloc(json_array_size(waivers) + 1, sizeof *r->own_waivers);
	json_array_foreach(waivers, i, v) {
		struct own_waiver *w = &r->own_waivers[r->n_own_waivers++];
		w->path = dup_or_null(json_object_get(v, "path"));
		w->text = dup_or_null(json_object_get(v, "text"));
		if (!w->path || !w->text)
			return false;
	}
	json_array_foreach(notes, i, v) {
		const char *text = json_string_value(json_object_get(v, "text"));
		if (!text)
			return false;
		diag_add(&r->notes, (enum diag_level)json_integer_value(json_object_get(v, "level")),
			 json_string_value(json_object_get(v, "file")), (unsigned)json_integer_value(json_object_get(v, "line")),
			 "%s", text);
	}
	return true;
}

/* Empties R but for the path and index the runner set. */
static void reset(struct lint_result *r)
{
	char *path = r->path;
	long long index = r->index;
	r->path = NULL;
	lint_result_free(r);
	r->path = path;
	r->index = index;
	r->essential = -1;
	diag_init(&r->notes);
}

bool cache_get(struct cache *c, const char key[65], struct lint_result *r)
{
	char *path = entry_path(c, key);
	FILE *f = fopen(path, "re");
	if (!f) {
		free(path);
		c->misses++;
		return false;
	}
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	bool ok = !ferror(f);
	fclose(f);
	const char *why = NULL;
	size_t head = strlen(MAGIC) + 64 + 1;
	char sum[65];
	if (!ok || b.len < head || strncmp(b.data, MAGIC, strlen(MAGIC)) != 0 || b.data[head - 1] != '\n') {
		why = "no header";
	} else {
		sha_of(b.data + head, b.len - head, sum);
		if (memcmp(sum, b.data + strlen(MAGIC), 64) != 0)
			why = "its checksum does not match its content";
	}
	if (!why) {
		json_error_t err;
		json_t *o = json_loadb(b.data + head, b.len - head, JSON_REJECT_DUPLICATES, &err);
		if (!o || !entry_read(o, key, r))
			why = "its content is not an entry for this key";
		json_decref(o);
	}
	buf_free(&b);
	if (why) {
		reset(r);
		fprintf(stderr, "hardenkit lint: note: cache entry %s is corrupt (%s): ignored, judged again\n", path, why);
		c->corrupt++;
		free(path);
		return false;
	}
	/* a hit makes the entry recent: trimming removes the least recently used */
	utimensat(AT_FDCWD, path, NULL, 0);
	free(path);
	c->hits++;
	return true;
}

void cache_put(struct cache *c, const char key[65], const struct lint_result *r)
{
	json_t *o = entry_json(key, r);
	char *body = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(o);
	if (!body)
		return;
	char sum[65];
	sha_of(body, strlen(body), sum);
	char *sub = xasprintf("%s/%.2s", c->dir, key);
	mkdir(sub, 0755);
	char *tmp = xasprintf("%s/.tmp-XXXXXX", sub);
	int fd = mkstemp(tmp);
	bool ok = fd >= 0;
	if (ok) {
		fchmod(fd, 0644);
		char header[sizeof MAGIC + 66];
		snprintf(header, sizeof header, "%s%s\n", MAGIC, sum);
		ok = write_all(fd, header, strlen(header)) && write_all(fd, body, strlen(body));
		ok &= close(fd) == 0;
		char *path = entry_path(c, key);
		/* rename replaces atomically: a reader sees the old entry or this one, whole */
		ok = ok && rename(tmp, path) == 0;
		free(path);
		if (!ok)
			unlink(tmp);
		else
			c->written++;
	}
	free(tmp);
	free(sub);
	free(body);
}

/* Whether NAME is N lowercase hex digits: the only names trimming may remove. */
static bool is_hex(const char *name, size_t n)
{
	return strlen(name) == n && strspn(name, "0123456789abcdef") == n;
}

struct aged {
	char *path;
	long long size;
	struct timespec mtime;
};

static int older_first(const void *a, const void *b)
{
	const struct aged *x = a, *y = b;
	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->path, y->path);
}

/* Removes the least recently used entries until the directory holds at most max_bytes. The
 * listing is one pass over the entries, done once a run. */
static void trim(struct cache *c)
{
	struct aged *v = NULL;
	size_t n = 0, cap = 0;
	unsigned long long total = 0;
	DIR *top = opendir(c->dir);
	struct dirent *e;
	while (top && (e = readdir(top))) {
		if (!is_hex(e->d_name, 2))
			continue; /* only the entry directories: never "..", never what else lives there */
		char *sub = xasprintf("%s/%s", c->dir, e->d_name);
		DIR *d = opendir(sub);
		struct dirent *f;
		while (d && (f = readdir(d))) {
			if (!is_hex(f->d_name, 64))
				continue;
			char *path = xasprintf("%s/%s", sub, f->d_name);
			struct stat st;
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				if (n == cap) {
					cap = cap ? 2 * cap : 256;
					v = xreallocarray(v, cap, sizeof *v);
				}
				v[n++] = (struct aged){ path, (long long)st.st_size, st.st_mtim };
				total += (unsigned long long)st.st_size;
			} else {
				free(path);
			}
		}
		if (d)
			closedir(d);
		free(sub);
	}
	if (top)
		closedir(top);
	if (total > c->max_bytes && n)
		qsort(v, n, sizeof *v, older_first);
	for (size_t i = 0; i < n; i++) {
		if (total > c->max_bytes && unlink(v[i].path) == 0)
			total -= (unsigned long long)v[i].size;
		free(v[i].path);
	}
	free(v);
}

void cache_close(struct cache *c)
{
	if (!c)
		return;
	trim(c);
	fprintf(stderr, "hardenkit lint: cache %s: %zu read, %zu judged and written, %zu corrupt entries replaced\n",
		c->dir, (size_t)c->hits, (size_t)c->written, (size_t)c->corrupt);
	free(c->dir);
	free(c);
}
