/* client: TUF client workflow and download check; see client.h. */
#include "client.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keys.h"
#include "meta.h"

/* The trusted set: each document with the raw bytes it came as. */
struct trusted {
	json_t *doc[4];
	struct buf raw[4];
};
enum { T_ROOT, T_TIMESTAMP, T_SNAPSHOT, T_TARGETS };
static const char *const role_file[4] = { "root.json", "timestamp.json", "snapshot.json", "targets.json" };
static const size_t role_max[4] = { META_ROOT_MAX, META_TIMESTAMP_MAX, META_SNAPSHOT_MAX, META_TARGETS_MAX };

static void trusted_free(struct trusted *t)
{
	for (int i = 0; i < 4; i++) {
		json_decref(t->doc[i]);
		buf_free(&t->raw[i]);
		t->doc[i] = NULL;
	}
}

static void trusted_set(struct trusted *t, int role, json_t *doc, struct buf *raw)
{
	json_decref(t->doc[role]);
	buf_free(&t->raw[role]);
	t->doc[role] = doc;
	t->raw[role] = *raw;
	*raw = (struct buf){ 0 };
}

static json_int_t sversion(const json_t *doc)
{
	return json_integer_value(json_object_get(json_object_get(doc, "signed"), "version"));
}

static json_t *meta_of(const json_t *doc, const char *file)
{
	return json_object_get(json_object_get(json_object_get(doc, "signed"), "meta"), file);
}

/* Loads the state's current generation; a missing state is an empty trusted set. */
static bool load_state(const char *state, struct trusted *t, struct diag *d)
{
	for (int i = 0; i < 4; i++) {
		char *p = xasprintf("%s/current/%s", state, role_file[i]);
		if (access(p, F_OK) == 0) {
			t->doc[i] = meta_read(p, role_max[i], &t->raw[i], d);
			if (!t->doc[i]) {
				free(p);
				return false;
			}
		}
		free(p);
	}
	return true;
}

static bool write_file(int dirfd, const char *name, const struct buf *b)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	bool ok = write_all(fd, b->data ? b->data : "", b->len) && fsync(fd) == 0;
	return close(fd) == 0 && ok;
}

static void remove_generation(const char *dir)
{
	for (int i = 0; i < 4; i++) {
		char *p = xasprintf("%s/%s", dir, role_file[i]);
		unlink(p);
		free(p);
	}
	rmdir(dir);
}

/* A new generation directory with the trusted set, then one rename of the "current" symlink:
 * a reader sees the old set or the new one, never a mix. */
static bool save_state(const char *state, const struct trusted *t, struct diag *d)
{
	if (mkdir(state, 0755) != 0 && errno != EEXIST) {
		diag_error(d, state, 0, "cannot create the state directory: %s", strerror(errno));
		return false;
	}
	char *gen = xasprintf("%s/gen.XXXXXX", state);
	if (!mkdtemp(gen)) {
		diag_error(d, state, 0, "cannot write the state: %s", strerror(errno));
		free(gen);
		return false;
	}
	chmod(gen, 0755);
	int dfd = open(gen, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool ok = dfd >= 0;
	for (int i = 0; ok && i < 4; i++)
		if (t->doc[i])
			ok = write_file(dfd, role_file[i], &t->raw[i]);
	ok = ok && fsync(dfd) == 0;
	if (dfd >= 0)
		close(dfd);
	char old[4096];
	char *cur = xasprintf("%s/current", state);
	ssize_t ol = readlink(cur, old, sizeof old - 1);
	old[ol > 0 ? ol : 0] = 0;
	char *lnk = xasprintf("%s/.current.new", state);
	unlink(lnk);
	const char *genbase = strrchr(gen, '/') + 1;
	ok = ok && symlink(genbase, lnk) == 0 && rename(lnk, cur) == 0;
	if (ok) {
		int sfd = open(state, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ok = sfd >= 0 && fsync(sfd) == 0;
		if (sfd >= 0)
			close(sfd);
	}
	if (!ok) {
		diag_error(d, state, 0, "cannot write the state: %s", strerror(errno));
		unlink(lnk);
		remove_generation(gen);
	} else if (ol > 0 && strcmp(old, genbase) != 0) {
		char *oldp = xasprintf("%s/%s", state, old);
		remove_generation(oldp);
		free(oldp);
	}
	free(lnk);
	free(cur);
	free(gen);
	return ok;
}

static bool not_expired(const json_t *doc, const char *file, time_t now, struct diag *d)
{
	time_t exp;
	const char *s = json_string_value(json_object_get(json_object_get(doc, "signed"), "expires"));
	if (!meta_parse_time(s, &exp) || exp <= now) {
		diag_error(d, file, 0, "expired at %s (a frozen or stale repository); refused", s ? s : "?");
		return false;
	}
	return true;
}

/* The length and sha256 a snapshot or timestamp declares for FILE, checked against RAW. */
static bool check_declared(const json_t *entry, const struct buf *raw, const char *file, struct diag *d)
{
	json_t *len = json_object_get(entry, "length");
	if (len && (!json_is_integer(len) || (size_t)json_integer_value(len) != raw->len)) {
		diag_error(d, file, 0, "%zu bytes, but %lld declared", raw->len, (long long)json_integer_value(len));
		return false;
	}
	const char *want = json_string_value(json_object_get(json_object_get(entry, "hashes"), "sha256"));
	if (want) {
		char *got = meta_sha256_hex(raw->data ? raw->data : "", raw->len);
		bool same = strcmp(got, want) == 0;
		free(got);
		if (!same) {
			diag_error(d, file, 0, "sha256 differs from the one declared for it (tampered or mixed with another snapshot)");
			return false;
		}
	}
	return true;
}

/* Checks a role file already read: signature threshold, type and the version expected
 * (0: any). */
static bool check_role(const json_t *doc, const char *path, const char *type, const json_t *root,
		       json_int_t want_version, struct diag *d)
{
	int64_t v;
	time_t exp;
	if (!meta_check_signatures(doc, json_object_get(root, "signed"), type, path, d) ||
	    !meta_check_common(doc, type, path, &v, &exp, d))
		return false;
	if (want_version && v != want_version) {
		diag_error(d, path, 0, "version %lld, but %lld expected (a replayed or mixed-up file)", (long long)v,
			   (long long)want_version);
		return false;
	}
	return true;
}

/* Reads a role file within its bound, then check_role. */
static json_t *fetch_role(const char *path, const char *type, size_t limit, const json_t *root, struct buf *raw,
			  json_int_t want_version, struct diag *d)
{
	json_t *doc = meta_read(path, limit, raw, d);
	if (doc && !check_role(doc, path, type, root, want_version, d)) {
		json_decref(doc);
		buf_free(raw);
		return NULL;
	}
	return doc;
}

static bool same_keyids(const json_t *a, const json_t *b, const char *role)
{
	json_t *x = json_object_get(json_object_get(json_object_get(json_object_get(a, "signed"), "roles"), role), "keyids");
	json_t *y = json_object_get(json_object_get(json_object_get(json_object_get(b, "signed"), "roles"), role), "keyids");
	return json_equal(x, y);
}

/* §5.3: walk N+1.root.json, N+2… each signed by the threshold of the trusted root and of itself. */
static bool update_root(const char *metadir, struct trusted *t, time_t now, struct diag *d)
{
	for (int step = 0; step < 256; step++) {
		json_int_t next = sversion(t->doc[T_ROOT]) + 1;
		char *p = xasprintf("%s/%lld.root.json", metadir, (long long)next);
		if (access(p, F_OK) != 0) {
			free(p);
			break;
		}
		struct buf raw = { 0 };
		json_t *doc = meta_read(p, META_ROOT_MAX, &raw, d);
		int64_t v;
		time_t exp;
		bool ok = doc && meta_check_signatures(doc, json_object_get(t->doc[T_ROOT], "signed"), "root", p, d);
		ok = ok && meta_check_signatures(doc, json_object_get(doc, "signed"), "root", p, d) &&
		     meta_check_common(doc, "root", p, &v, &exp, d);
		if (ok && v != next) {
			diag_error(d, p, 0, "holds root version %lld, expected %lld", (long long)v, (long long)next);
			ok = false;
		}
		free(p);
		if (!ok) {
			json_decref(doc);
			buf_free(&raw);
			return false;
		}
		/* §5.3.11: rotated timestamp or snapshot keys void the trusted ones (fast-forward recovery) */
		bool rotated = !same_keyids(t->doc[T_ROOT], doc, "timestamp") || !same_keyids(t->doc[T_ROOT], doc, "snapshot");
		trusted_set(t, T_ROOT, doc, &raw);
		if (rotated) {
			struct buf none = { 0 };
			trusted_set(t, T_TIMESTAMP, NULL, &none);
			trusted_set(t, T_SNAPSHOT, NULL, &none);
		}
	}
	char *p = xasprintf("%s/root.json (version %lld)", metadir, (long long)sversion(t->doc[T_ROOT]));
	bool ok = not_expired(t->doc[T_ROOT], p, now, d);
	free(p);
	return ok;
}

static bool update_timestamp(const char *metadir, struct trusted *t, time_t now, struct diag *d)
{
	char *p = xasprintf("%s/timestamp.json", metadir);
	struct buf raw = { 0 };
	json_t *doc = fetch_role(p, "timestamp", META_TIMESTAMP_MAX, t->doc[T_ROOT], &raw, 0, d);
	bool ok = doc != NULL;
	json_t *old = t->doc[T_TIMESTAMP];
	if (ok && old && sversion(doc) < sversion(old)) {
		diag_error(d, p, 0, "version %lld is older than the trusted %lld (rollback); refused", (long long)sversion(doc),
			   (long long)sversion(old));
		ok = false;
	}
	json_t *sm = ok ? meta_of(doc, "snapshot.json") : NULL;
	if (ok && !json_is_integer(json_object_get(sm, "version"))) {
		diag_error(d, p, 0, "declares no snapshot.json version");
		ok = false;
	}
	if (ok && old &&
	    json_integer_value(json_object_get(sm, "version")) <
		    json_integer_value(json_object_get(meta_of(old, "snapshot.json"), "version"))) {
		diag_error(d, p, 0, "points at a snapshot older than the trusted one (rollback); refused");
		ok = false;
	}
	ok = ok && not_expired(doc, p, now, d);
	if (ok)
		trusted_set(t, T_TIMESTAMP, doc, &raw);
	else
		json_decref(doc), buf_free(&raw);
	free(p);
	return ok;
}

static bool update_snapshot(const char *metadir, struct trusted *t, time_t now, struct diag *d)
{
	json_t *entry = meta_of(t->doc[T_TIMESTAMP], "snapshot.json");
	json_int_t v = json_integer_value(json_object_get(entry, "version"));
	json_t *len = json_object_get(entry, "length");
	size_t limit = json_is_integer(len) && json_integer_value(len) >= 0 && json_integer_value(len) < META_SNAPSHOT_MAX
			       ? (size_t)json_integer_value(len)
			       : META_SNAPSHOT_MAX;
	char *p = xasprintf("%s/%lld.snapshot.json", metadir, (long long)v);
	struct buf raw = { 0 };
	/* the hash and length are checked before the signature, so a tampered byte reads as such */
	json_t *doc = meta_read(p, limit, &raw, d);
	bool ok = doc && check_declared(entry, &raw, p, d) && check_role(doc, p, "snapshot", t->doc[T_ROOT], v, d);
	json_t *old = t->doc[T_SNAPSHOT];
	if (ok && old) {
		const char *k;
		json_t *e;
		json_object_foreach(json_object_get(json_object_get(old, "signed"), "meta"), k, e)
		{
			json_t *ne = meta_of(doc, k);
			if (!ne) {
				diag_error(d, p, 0, "drops %s, which the trusted snapshot lists; refused", k);
				ok = false;
			} else if (json_integer_value(json_object_get(ne, "version")) <
				   json_integer_value(json_object_get(e, "version"))) {
				diag_error(d, p, 0, "lists %s at a version older than the trusted one (rollback); refused", k);
				ok = false;
			}
			if (!ok)
				break;
		}
	}
	ok = ok && not_expired(doc, p, now, d);
	if (ok)
		trusted_set(t, T_SNAPSHOT, doc, &raw);
	else
		json_decref(doc), buf_free(&raw);
	free(p);
	return ok;
}

static bool update_targets(const char *metadir, struct trusted *t, time_t now, struct diag *d)
{
	json_t *entry = meta_of(t->doc[T_SNAPSHOT], "targets.json");
	if (!json_is_integer(json_object_get(entry, "version"))) {
		diag_error(d, metadir, 0, "the snapshot lists no targets.json version");
		return false;
	}
	json_int_t v = json_integer_value(json_object_get(entry, "version"));
	json_t *len = json_object_get(entry, "length");
	size_t limit = json_is_integer(len) && json_integer_value(len) >= 0 && json_integer_value(len) < META_TARGETS_MAX
			       ? (size_t)json_integer_value(len)
			       : META_TARGETS_MAX;
	char *p = xasprintf("%s/%lld.targets.json", metadir, (long long)v);
	struct buf raw = { 0 };
	/* one read and one parse: the declared hash is checked on the bytes before the signature */
	json_t *doc = meta_read(p, limit, &raw, d);
	bool ok = doc && check_declared(entry, &raw, p, d) && check_role(doc, p, "targets", t->doc[T_ROOT], v, d) &&
		  not_expired(doc, p, now, d);
	if (ok && !json_is_object(json_object_get(json_object_get(doc, "signed"), "targets"))) {
		diag_error(d, p, 0, "has no targets object");
		ok = false;
	}
	if (ok)
		trusted_set(t, T_TARGETS, doc, &raw);
	else
		json_decref(doc), buf_free(&raw);
	free(p);
	return ok;
}

int client_verify(const char *metadir, const char *state, const char *pinned, time_t now, struct diag *d)
{
	struct trusted t = { 0 };
	if (!load_state(state, &t, d)) {
		trusted_free(&t);
		return 2;
	}
	if (!t.doc[T_ROOT]) {
		if (!pinned) {
			diag_error(d, state, 0, "no trusted root yet: give the pinned root with --root FILE");
			return 2;
		}
		struct buf raw = { 0 };
		json_t *doc = meta_read(pinned, META_ROOT_MAX, &raw, d);
		int64_t v;
		time_t exp;
		/* the pinned root is trusted as shipped, but it must still be a root signed by itself */
		if (!doc || !meta_check_common(doc, "root", pinned, &v, &exp, d) ||
		    !meta_check_signatures(doc, json_object_get(doc, "signed"), "root", pinned, d)) {
			json_decref(doc);
			buf_free(&raw);
			return 2;
		}
		trusted_set(&t, T_ROOT, doc, &raw);
	}
	bool ok = update_root(metadir, &t, now, d) && update_timestamp(metadir, &t, now, d) &&
		  update_snapshot(metadir, &t, now, d) && update_targets(metadir, &t, now, d);
	ok = ok && save_state(state, &t, d);
	if (ok)
		printf("accepted: root %lld, timestamp %lld, snapshot %lld, targets %lld (%zu packages)\n",
		       (long long)sversion(t.doc[T_ROOT]), (long long)sversion(t.doc[T_TIMESTAMP]),
		       (long long)sversion(t.doc[T_SNAPSHOT]), (long long)sversion(t.doc[T_TARGETS]),
		       json_object_size(json_object_get(json_object_get(t.doc[T_TARGETS], "signed"), "targets")));
	trusted_free(&t);
	return ok ? 0 : 1;
}

int client_check(const char *state, const char *target, const char *file, struct diag *d)
{
	char *p = xasprintf("%s/current/targets.json", state);
	json_t *doc = meta_read(p, META_TARGETS_MAX, NULL, d);
	if (!doc) {
		free(p);
		return 2;
	}
	json_t *targets = json_object_get(json_object_get(doc, "signed"), "targets");
	json_t *entry = NULL;
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	if (target) {
		entry = json_object_get(targets, target);
	} else {
		const char *k;
		json_t *e;
		size_t hits = 0;
		json_object_foreach(targets, k, e)
		{
			const char *kb = strrchr(k, '/') ? strrchr(k, '/') + 1 : k;
			if (strcmp(kb, base) == 0) {
				entry = e;
				hits++;
			}
		}
		if (hits > 1) {
			diag_error(d, file, 0, "several targets are named %s; give --target PATH", base);
			json_decref(doc);
			free(p);
			return 2;
		}
	}
	int status = 1;
	json_int_t len = json_integer_value(json_object_get(entry, "length"));
	const char *want = json_string_value(json_object_get(json_object_get(entry, "hashes"), "sha256"));
	int fd = -1;
	if (!entry || !want) {
		diag_error(d, file, 0, "not in the accepted index (%s)", target ? target : base);
	} else if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		diag_error(d, file, 0, "cannot read: %s", strerror(errno));
		status = 2;
	} else {
		EVP_MD_CTX *c = EVP_MD_CTX_new();
		EVP_DigestInit_ex(c, EVP_sha256(), NULL);
		static char chunk[1 << 16];
		ssize_t r;
		json_int_t n = 0;
		bool over = false;
		while ((r = read(fd, chunk, sizeof chunk)) > 0) {
			n += r;
			if (n > len) {
				over = true; /* endless data: stop at the first byte past the declared size */
				break;
			}
			EVP_DigestUpdate(c, chunk, (size_t)r);
		}
		unsigned char md[SHA256_DIGEST_LENGTH];
		EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
		struct buf hex = { 0 };
		hex_encode(md, sizeof md, &hex);
		if (r < 0) {
			diag_error(d, file, 0, "cannot read: %s", strerror(errno));
			status = 2;
		} else if (over) {
			diag_error(d, file, 0, "longer than the %lld bytes the index declares (endless data); refused", (long long)len);
		} else if (n != len) {
			diag_error(d, file, 0, "%lld bytes, the index declares %lld; refused", (long long)n, (long long)len);
		} else if (strcmp(hex.data, want) != 0) {
			diag_error(d, file, 0, "sha256 differs from the index's (a swapped or tampered package); refused");
		} else {
			printf("%s: ok (%lld bytes, sha256 %s)\n", file, (long long)n, want);
			status = 0;
		}
		buf_free(&hex);
		close(fd);
	}
	json_decref(doc);
	free(p);
	return status;
}
