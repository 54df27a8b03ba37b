/* repo: certify and build; see repo.h. */
#include "repo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/outset.h"
#include "meta.h"

static char *path_join(const char *a, const char *b)
{
	return xasprintf("%s/%s", a, b);
}

static json_int_t current_version(const char *repo, const char *file, const char *type, struct diag *d, bool *bad)
{
	char *p = xasprintf("%s/metadata/%s", repo, file);
	json_int_t v = 0;
	if (access(p, F_OK) == 0) {
		json_t *doc = meta_read(p, META_TARGETS_MAX, NULL, d);
		int64_t ver;
		time_t exp;
		if (doc && meta_check_common(doc, type, p, &ver, &exp, d))
			v = ver;
		else
			*bad = true;
		json_decref(doc);
	}
	free(p);
	return v;
}

bool repo_certify(const char *repo, EVP_PKEY *master, const json_t *subkey, struct signer *const *signers, size_t n,
		  time_t expires, struct diag *d)
{
	bool bad = false;
	json_int_t version = current_version(repo, "root.json", "root", d, &bad) + 1;
	if (bad)
		return false;
	json_t *mkey = keys_to_json(master);
	char *mid = keys_id(mkey), *sid = keys_id(subkey);
	char exp[21];
	meta_format_time(expires, exp);
	json_t *role_sub = json_pack("{s:[s], s:i}", "keyids", sid, "threshold", 1);
	json_t *root = json_pack("{s:s, s:s, s:I, s:s, s:b, s:{s:o, s:O}, s:{s:{s:[s], s:i}, s:O, s:O, s:o}}", "_type",
				 "root", "spec_version", META_SPEC_VERSION, "version", version, "expires", exp,
				 "consistent_snapshot", 1, "keys", mid, mkey, sid, subkey, "roles", "root", "keyids", mid,
				 "threshold", 1, "targets", role_sub, "snapshot", role_sub, "timestamp", role_sub);
	struct buf out = { 0 };
	bool ok = root && meta_sign(root, signers, n, &out, d);
	if (ok) {
		struct outset set = { 0 };
		struct buf copy = { 0 };
		buf_append(&copy, out.data, out.len);
		char *numbered = xasprintf("/metadata/%lld.root.json", (long long)version);
		outset_add(&set, numbered, &out, 0644);
		outset_add(&set, "/metadata/root.json", &copy, 0644);
		ok = outset_commit(&set, repo, d);
		outset_free(&set);
		free(numbered);
	} else {
		buf_free(&out);
	}
	json_decref(root);
	free(mid);
	free(sid);
	return ok;
}

/* Package identity from the pool's naming conventions, one row per format: after the suffix,
 * fields are taken from the right at the format's separator (names may hold the separator,
 * versions and architectures do not). The archive's own control data is not read: the pool's
 * file names are what the distribution's tools wrote from it. */
enum arch_at { ARCH_FIELD, ARCH_DOT, ARCH_NONE };
struct name_rule {
	const char *glob;
	const char *suffix; /* from the suffix's first occurrence to the end */
	char sep;
	enum arch_at arch;
	bool has_release; /* version = VERSION-RELEASE */
};
static const struct name_rule name_rules[] = {
	{ "*_*_*.deb", ".deb", '_', ARCH_FIELD, false },	  /* NAME_VERSION_ARCH.deb */
	{ "*_*_*.udeb", ".udeb", '_', ARCH_FIELD, false },	  /* NAME_VERSION_ARCH.udeb */
	{ "*-*-*.*.rpm", ".rpm", '-', ARCH_DOT, true },		  /* NAME-VERSION-RELEASE.ARCH.rpm */
	{ "*-*-*-*.pkg.tar*", ".pkg.tar", '-', ARCH_FIELD, true }, /* NAME-VERSION-REL-ARCH.pkg.tar.* */
	{ "*-*-r*.apk", ".apk", '-', ARCH_NONE, true },		  /* NAME-VERSION-rREL.apk */
};

static char *pop_field(char *s, char sep)
{
	char *p = strrchr(s, sep);
	if (!p || !p[1] || p == s)
		return NULL;
	*p = 0;
	return p + 1;
}

static bool split_name(const char *base, char **name, char **version, char **arch)
{
	for (size_t r = 0; r < sizeof name_rules / sizeof *name_rules; r++) {
		const struct name_rule *nr = &name_rules[r];
		if (fnmatch(nr->glob, base, 0) != 0)
			continue;
		char *s = xstrdup(base);
		*strstr(s, nr->suffix) = 0;
		char *a = nr->arch == ARCH_DOT ? pop_field(s, '.') : nr->arch == ARCH_FIELD ? pop_field(s, nr->sep) : "";
		char *rel = a && nr->has_release ? pop_field(s, nr->sep) : "";
		char *ver = a && rel ? pop_field(s, nr->sep) : NULL;
		bool ok = ver && *s;
		if (ok) {
			*name = xstrdup(s);
			*version = nr->has_release ? xasprintf("%s-%s", ver, rel) : xstrdup(ver);
			*arch = xstrdup(a);
		}
		free(s);
		if (ok)
			return true;
	}
	return false;
}

struct pool_file {
	char *rel;
	char *sha256;
	long long length;
};

static int cmp_rel(const void *a, const void *b)
{
	return strcmp(((const struct pool_file *)a)->rel, ((const struct pool_file *)b)->rel);
}

/* Hashes FD once, streaming; the hashed bytes also go to COPY_FD when it is open (no link). */
static bool hash_fd(int fd, int copy_fd, unsigned char md[SHA256_DIGEST_LENGTH], long long *length)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_DigestInit_ex(c, EVP_sha256(), NULL);
	static char chunk[1 << 20];
	ssize_t r;
	long long n = 0;
	while ((r = read(fd, chunk, sizeof chunk)) > 0) {
		EVP_DigestUpdate(c, chunk, (size_t)r);
		if (copy_fd >= 0 && !write_all(copy_fd, chunk, (size_t)r)) {
			r = -1;
			break;
		}
		n += r;
	}
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	*length = n;
	return r == 0;
}

static bool walk_pool(const char *root, const char *rel, struct pool_file **files, size_t *n, size_t *cap,
		      struct diag *d)
{
	char *dir = rel ? path_join(root, rel) : xstrdup(root);
	DIR *dp = opendir(dir);
	if (!dp) {
		diag_error(d, dir, 0, "cannot read the pool: %s", strerror(errno));
		free(dir);
		return false;
	}
	bool ok = true;
	struct dirent *e;
	while (ok && (e = readdir(dp))) {
		if (e->d_name[0] == '.')
			continue;
		char *r = rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		char *full = path_join(root, r);
		struct stat st;
		if (lstat(full, &st) != 0) {
			diag_error(d, full, 0, "cannot stat: %s", strerror(errno));
			ok = false;
		} else if (S_ISDIR(st.st_mode)) {
			ok = walk_pool(root, r, files, n, cap, d);
		} else if (S_ISREG(st.st_mode)) {
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 64;
				*files = xreallocarray(*files, *cap, sizeof **files);
			}
			(*files)[(*n)++] = (struct pool_file){ r, NULL, 0 };
			r = NULL;
		}
		free(r);
		free(full);
	}
	closedir(dp);
	free(dir);
	return ok;
}

static bool mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s == '/') {
			*s = 0;
			if (mkdir(p, 0755) != 0 && errno != EEXIST) {
				free(p);
				return false;
			}
			*s = '/';
		}
	}
	bool ok = mkdir(p, 0755) == 0 || errno == EEXIST;
	free(p);
	return ok;
}

/* Hashes one pool file and puts it in the repository under its consistent-snapshot name,
 * hard-linked when the pool is on the same file system, else copied while hashing. */
static bool stage_target(const struct build_opts *o, struct pool_file *pf, struct diag *d)
{
	char *src = path_join(o->pool, pf->rel);
	int fd = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		diag_error(d, src, 0, "cannot read: %s", strerror(errno));
		free(src);
		return false;
	}
	const char *slash = strrchr(pf->rel, '/');
	char *dir = slash ? xasprintf("%s/targets/%.*s", o->repo, (int)(slash - pf->rel), pf->rel)
			  : xasprintf("%s/targets", o->repo);
	const char *base = slash ? slash + 1 : pf->rel;
	unsigned char md[SHA256_DIGEST_LENGTH];
	char *tmp = xasprintf("%s/.%s.tmp%ld", dir, base, (long)getpid());
	bool ok = mkdirs(dir);
	int copy_fd = -1;
	if (ok && link(src, tmp) != 0) {
		copy_fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		ok = copy_fd >= 0;
	}
	ok = ok && hash_fd(fd, copy_fd, md, &pf->length);
	if (copy_fd >= 0)
		ok = close(copy_fd) == 0 && ok;
	close(fd);
	struct buf hex = { 0 };
	hex_encode(md, sizeof md, &hex);
	pf->sha256 = hex.data;
	char *dst = xasprintf("%s/%s.%s", dir, pf->sha256, base);
	if (ok && rename(tmp, dst) != 0)
		ok = false;
	if (!ok) {
		diag_error(d, src, 0, "cannot hash it into %s: %s", dir, strerror(errno));
		unlink(tmp);
	}
	free(dst);
	free(tmp);
	free(dir);
	free(src);
	return ok;
}

static bool signed_file(json_t *signed_part, struct signer *s, struct outset *set, const char *path,
			json_t **meta_entry, json_int_t version, struct diag *d)
{
	struct signer *signers[1] = { s };
	struct buf out = { 0 };
	if (!meta_sign(signed_part, signers, 1, &out, d)) {
		buf_free(&out);
		return false;
	}
	char *sha = meta_sha256_hex(out.data, out.len);
	*meta_entry = json_pack("{s:I, s:I, s:{s:s}}", "version", version, "length", (json_int_t)out.len, "hashes",
				"sha256", sha);
	free(sha);
	outset_add(set, path, &out, 0644);
	return true;
}

bool repo_build(const struct build_opts *o, struct signer *signer, const json_t *signer_key, struct diag *d)
{
	char *rootpath = xasprintf("%s/metadata/root.json", o->repo);
	json_t *root = meta_read(rootpath, META_ROOT_MAX, NULL, d);
	bool ok = root != NULL;
	/* the token key must be the one the current root certifies: refuse before hashing */
	const char *roles[] = { "targets", "snapshot", "timestamp" };
	for (size_t i = 0; ok && i < 3; i++) {
		json_t *ids = json_object_get(json_object_get(json_object_get(json_object_get(root, "signed"), "roles"), roles[i]),
					      "keyids");
		bool listed = false;
		size_t j;
		json_t *id;
		json_array_foreach(ids, j, id) listed = listed || (json_is_string(id) && strcmp(json_string_value(id), signer->keyid) == 0);
		if (!listed) {
			diag_error(d, rootpath, 0, "the token key %.16s… is not certified for the %s role by this root; run 'hardenkit index certify' first",
				   signer->keyid, roles[i]);
			ok = false;
		}
	}
	(void)signer_key;
	json_decref(root);
	bool bad = false;
	json_int_t version = ok ? current_version(o->repo, "timestamp.json", "timestamp", d, &bad) + 1 : 0;
	ok = ok && !bad;

	struct pool_file *files = NULL;
	size_t n = 0, cap = 0;
	ok = ok && walk_pool(o->pool, NULL, &files, &n, &cap, d);
	if (ok)
		qsort(files, n, sizeof *files, cmp_rel);
	json_t *targets = json_object();
	for (size_t i = 0; ok && i < n; i++) {
		const char *base = strrchr(files[i].rel, '/') ? strrchr(files[i].rel, '/') + 1 : files[i].rel;
		char *name, *ver, *arch;
		if (!split_name(base, &name, &ver, &arch)) {
			diag_error(d, files[i].rel, 0,
				   "not a package archive name (NAME_VERSION_ARCH.deb, NAME-VERSION-RELEASE.ARCH.rpm, NAME-VERSION-REL-ARCH.pkg.tar.*, NAME-VERSION-rREL.apk)");
			ok = false;
			break;
		}
		ok = stage_target(o, &files[i], d);
		if (ok)
			json_object_set_new(targets, files[i].rel,
					    json_pack("{s:I, s:{s:s}, s:{s:s, s:s, s:s}}", "length", (json_int_t)files[i].length,
						      "hashes", "sha256", files[i].sha256, "custom", "name", name, "version", ver,
						      "arch", arch));
		free(name);
		free(ver);
		free(arch);
	}
	for (size_t i = 0; i < n; i++) {
		free(files[i].rel);
		free(files[i].sha256);
	}
	free(files);

	char exp[21], texp[21];
	meta_format_time(o->expires, exp);
	meta_format_time(o->timestamp_expires, texp);
	struct outset set = { 0 };
	json_t *tmeta = NULL, *smeta = NULL, *tsmeta = NULL;
	char *tpath = xasprintf("/metadata/%lld.targets.json", (long long)version);
	char *spath = xasprintf("/metadata/%lld.snapshot.json", (long long)version);
	if (ok) {
		json_t *t = json_pack("{s:s, s:s, s:I, s:s, s:o}", "_type", "targets", "spec_version", META_SPEC_VERSION,
				      "version", version, "expires", exp, "targets", targets);
		targets = NULL;
		ok = signed_file(t, signer, &set, tpath, &tmeta, version, d);
		json_decref(t);
	}
	if (ok) {
		json_t *s = json_pack("{s:s, s:s, s:I, s:s, s:{s:O}}", "_type", "snapshot", "spec_version",
				      META_SPEC_VERSION, "version", version, "expires", exp, "meta", "targets.json", tmeta);
		ok = signed_file(s, signer, &set, spath, &smeta, version, d);
		json_decref(s);
	}
	if (ok) {
		json_t *ts = json_pack("{s:s, s:s, s:I, s:s, s:{s:O}}", "_type", "timestamp", "spec_version",
				       META_SPEC_VERSION, "version", version, "expires", texp, "meta", "snapshot.json", smeta);
		ok = signed_file(ts, signer, &set, "/metadata/timestamp.json", &tsmeta, version, d);
		json_decref(ts);
	}
	/* timestamp.json last: a mirror syncing meanwhile sees the old timestamp, whose
	 * snapshot and targets versions are still there */
	ok = ok && outset_commit(&set, o->repo, d);
	outset_free(&set);
	json_decref(targets);
	json_decref(tmeta);
	json_decref(smeta);
	json_decref(tsmeta);
	free(tpath);
	free(spath);
	free(rootpath);
	return ok;
}
