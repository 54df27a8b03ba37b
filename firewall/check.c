/* check: libnftables checks of generated and existing rulesets; see check.h. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "check.h"
#include "nftns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *fw_dirname(const char *file)
{
	const char *slash = strrchr(file, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == file)
		return xstrdup("/");
	return xasprintf("%.*s", (int)(slash - file), file);
}

bool fw_readable(const char *file, struct diag *d)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		diag_error(d, file, 0, "cannot read: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	if (!S_ISREG(st.st_mode)) {
		diag_error(d, file, 0, "cannot read: not a regular file");
		return false;
	}
	return true;
}

/* Reads a regular file NAME in directory DIRFD without following a symlink; NULL otherwise. */
static char *read_no_follow(int dirfd, const char *name, const char *shown, struct diag *d)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		diag_error(d, shown, 0, "%s: nft would include it at boot, but it cannot be checked here",
			   fd < 0 && errno != ELOOP ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	struct buf b = { 0 };
	char chunk[65536];
	ssize_t got;
	while ((got = read(fd, chunk, sizeof chunk)) > 0)
		buf_append(&b, chunk, (size_t)got);
	int saved = errno;
	close(fd);
	if (got < 0) {
		diag_error(d, shown, 0, "cannot read: %s", strerror(saved));
		buf_free(&b);
		return NULL;
	}
	if (!b.data)
		buf_puts(&b, "");
	return b.data;
}

/* Stages the snippets DESTDIR already holds (other packages' ports) that this run does not
 * replace: the new ruleset includes them at boot, so it is checked with them. */
static bool add_existing_snippets(struct outset *stage, const char *destdir, struct diag *d)
{
	char *dir = xasprintf("%s" FW_INCLUDE_DIR "/" FW_SNIPPET_DIR, destdir);
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dp = dirfd >= 0 ? fdopendir(dirfd) : NULL;
	bool ok = true;
	if (!dp) {
		if (dirfd >= 0) {
			close(dirfd);
		} else if (errno != ENOENT && errno != ENOTDIR) {
			diag_error(d, dir, 0, "cannot read: %s", strerror(errno));
			ok = false;
		}
		free(dir);
		return ok;
	}
	struct strlist names = { 0 };
	struct dirent *de;
	while ((de = readdir(dp)))
		if (de->d_name[0] != '.' && str_has_suffix(de->d_name, ".nft"))
			strlist_push(&names, de->d_name);
	for (size_t i = 0; i < names.n; i++) {
		char *path = xasprintf(FW_SNIPPET_PREFIX "%s", names.v[i]);
		if (!outset_find(stage, path)) {
			char *shown = xasprintf("%s/%s", dir, names.v[i]);
			char *text = read_no_follow(dirfd, names.v[i], shown, d);
			if (text) {
				struct buf b = { text, strlen(text), strlen(text) + 1 };
				outset_add(stage, path, &b, 0644);
			} else {
				ok = false;
			}
			free(shown);
		}
		free(path);
	}
	strlist_free(&names);
	closedir(dp);
	free(dir);
	return ok;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* A private directory to stage the files in. Its path ends up in nft's glob include, so it
 * must hold no glob character: $TMPDIR is used only when it has none. */
static char *make_stage_dir(struct diag *d)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base || strpbrk(base, "*?[\\\"\n"))
		base = "/tmp";
	char *dir = xasprintf("%s/hardenkit-firewall.XXXXXX", base);
	if (!mkdtemp(dir)) {
		diag_error(d, base, 0, "cannot create a directory to check the ruleset in: %s", strerror(errno));
		free(dir);
		return NULL;
	}
	return dir;
}

static bool is_nft_output(const char *path)
{
	return strcmp(path, FW_RULESET_PATH + 1) == 0 || str_has_prefix(path, FW_SNIPPET_PREFIX + 1);
}

/* DESTDIR without trailing slashes ("" for "/"), so that DESTDIR FW_RULESET_PATH is a path. */
static char *root_prefix(const char *destdir)
{
	size_t len = strlen(destdir);
	while (len > 0 && destdir[len - 1] == '/')
		len--;
	return xasprintf("%.*s", (int)len, destdir);
}

/* Reports the results of the checks: nft's messages, or a plain one when nft says nothing
 * this module understands. Returns whether every check passed. */
static bool report(struct nftns_result *res, size_t n,
		   const struct nftns_rename *map, size_t n_map, char *const *shown, const struct fw_templates *t,
		   struct diag *d)
{
	struct strlist seen = { 0 };
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		if (!res[i].setup_ok) {
			if (!nftns_errors(res[i].setup_errors, NULL, 0, t->ruleset_file, &seen, d))
				diag_error(d, t->ruleset_file, 0, "libnftables rejects the base ruleset");
			ok = false;
		} else if (!res[i].ok) {
			if (!nftns_errors(res[i].errors, map, n_map, shown[i], &seen, d))
				diag_error(d, shown[i], 0, "libnftables rejects it");
			ok = false;
		}
	}
	strlist_free(&seen);
	return ok;
}

enum fw_check_status fw_check_output(const struct outset *out, const char *destdir, const struct fw_templates *t,
				     struct diag *d)
{
	struct outset stage = { 0 };
	for (size_t i = 0; i < out->n; i++) {
		if (!is_nft_output(out->v[i].path))
			continue;
		struct buf copy = { 0 };
		buf_append(&copy, out->v[i].content.data, out->v[i].content.len);
		outset_add(&stage, out->v[i].path, &copy, out->v[i].mode);
	}
	char *root = root_prefix(destdir);
	bool ok = add_existing_snippets(&stage, root, d);
	char *tmp = ok ? make_stage_dir(d) : NULL;
	if (!tmp || !outset_commit(&stage, tmp, d)) {
		if (tmp)
			nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		free(tmp);
		free(root);
		outset_free(&stage);
		return FW_CHECK_FAILED;
	}

	/* job 0: the whole ruleset; then each snippet alone on the base */
	struct buf base = { 0 };
	fw_render_ruleset(&base, t, false);
	struct strlist whole_include = { 0 };
	char *inc = xasprintf("%s" FW_INCLUDE_DIR, tmp);
	strlist_push(&whole_include, inc);
	free(inc);
	/* one job more than files staged: the ruleset is checked even when only snippets are */
	struct nftns_job *jobs = xcalloc(stage.n + 1, sizeof *jobs);
	char **files = xcalloc(stage.n + 1, sizeof *files);
	char **shown = xcalloc(stage.n + 1, sizeof *shown);
	size_t n = 0;
	files[n] = xasprintf("%s" FW_RULESET_PATH, tmp);
	shown[n] = xasprintf("%s" FW_RULESET_PATH, root);
	jobs[n++] = (struct nftns_job){ .file = files[0], .include_paths = &whole_include, .dry_run = true };
	for (size_t i = 0; i < stage.n; i++) {
		if (strcmp(stage.v[i].path, FW_RULESET_PATH + 1) == 0)
			continue;
		files[n] = xasprintf("%s/%s", tmp, stage.v[i].path);
		shown[n] = xasprintf("%s/%s", root, stage.v[i].path);
		jobs[n] = (struct nftns_job){ .setup = base.data, .setup_name = t->ruleset_file, .file = files[n],
					      .dry_run = true };
		n++;
	}
	struct nftns_result *res = xcalloc(n, sizeof *res);
	char *from = xasprintf("%s/", tmp), *to = xasprintf("%s/", root);
	const struct nftns_rename map[] = { { from, to } };
	ok = nftns_run(jobs, n, res, d) && report(res, n, map, 1, shown, t, d);

	for (size_t i = 0; i < n; i++) {
		nftns_result_free(&res[i]);
		free(files[i]);
		free(shown[i]);
	}
	free(res);
	free(files);
	free(shown);
	free(jobs);
	free(from);
	free(to);
	strlist_free(&whole_include);
	buf_free(&base);
	nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(tmp);
	free(root);
	outset_free(&stage);
	return ok ? FW_CHECK_OK : FW_CHECK_FAILED;
}

enum fw_check_status fw_check_files(char *const *files, size_t n, const struct strlist *include_dirs,
				    const struct fw_templates *t, struct diag *d)
{
	bool readable = true;
	for (size_t i = 0; i < n; i++)
		readable = fw_readable(files[i], d) && readable;
	if (!readable)
		return FW_CHECK_UNREADABLE;

	struct buf base = { 0 };
	fw_render_ruleset(&base, t, false);
	struct nftns_job *jobs = xcalloc(n, sizeof *jobs);
	struct strlist *includes = xcalloc(n, sizeof *includes);
	for (size_t i = 0; i < n; i++) {
		char *dir = fw_dirname(files[i]);
		strlist_push(&includes[i], dir);
		free(dir);
		for (size_t k = 0; include_dirs && k < include_dirs->n; k++)
			strlist_push(&includes[i], include_dirs->v[k]);
		jobs[i] = (struct nftns_job){ .setup = base.data, .setup_name = t->ruleset_file, .file = files[i],
					      .include_paths = &includes[i], .dry_run = true };
	}
	struct nftns_result *res = xcalloc(n, sizeof *res);
	bool ok = nftns_run(jobs, n, res, d) && report(res, n, NULL, 0, files, t, d);
	for (size_t i = 0; i < n; i++) {
		nftns_result_free(&res[i]);
		strlist_free(&includes[i]);
	}
	free(res);
	free(includes);
	free(jobs);
	buf_free(&base);
	return ok ? FW_CHECK_OK : FW_CHECK_FAILED;
}
