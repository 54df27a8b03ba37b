/* Tests of core/outset: atomic, all-or-nothing writes that never leave the staging root. */
#include "../core/outset.h"
#include "tap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct buf b = { 0 };
	char chunk[512];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	if (!b.data)
		buf_puts(&b, "");
	return b.data;
}

static void stage(struct outset *set, const char *path, const char *text, mode_t mode)
{
	struct buf b = { 0 };
	buf_puts(&b, text);
	outset_add(set, path, &b, mode);
}

/* Counts directory entries whose name starts with '.', i.e. leftover temporary files. */
static int count_hidden(const char *dir)
{
	DIR *dp = opendir(dir);
	if (!dp)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(dp)))
		if (de->d_name[0] == '.' && strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(dp);
	return n;
}

int main(void)
{
	char root[] = "/tmp/hk-outset-XXXXXX";
	if (!mkdtemp(root))
		return 1;
	struct diag d;
	diag_init(&d);

	/* files land with their content and mode, directories are created */
	struct outset set = { 0 };
	stage(&set, "/etc/a/b/one.conf", "one\n", 0644);
	stage(&set, "/etc/secret", "two\n", 0600);
	ok(outset_commit(&set, root, &d), "commit of two files succeeds");
	char *p = xasprintf("%s/etc/a/b/one.conf", root);
	char *text = slurp(p);
	is_str(text, "one\n", "content is written");
	struct stat st;
	stat(p, &st);
	is_int(st.st_mode & 07777, 0644, "mode 0644 is set explicitly");
	free(text);
	free(p);
	p = xasprintf("%s/etc/secret", root);
	stat(p, &st);
	is_int(st.st_mode & 07777, 0600, "mode 0600 is set explicitly, whatever the umask");
	free(p);
	p = xasprintf("%s/etc/a/b", root);
	is_int(count_hidden(p), 0, "no temporary file is left behind");
	free(p);
	outset_free(&set);

	/* staging the same path twice keeps the last content (later generators win) */
	stage(&set, "/etc/x", "first\n", 0644);
	stage(&set, "etc/x", "second\n", 0644);
	is_int(set.n, 1, "a path staged twice is one file");
	is_str(outset_find(&set, "/etc/x")->content.data, "second\n", "the later content wins");
	outset_free(&set);

	/* a symlink inside the root is never followed: nothing is written outside */
	char outside[] = "/tmp/hk-outside-XXXXXX";
	if (!mkdtemp(outside))
		return 1;
	p = xasprintf("%s/evil", root);
	if (symlink(outside, p) < 0)
		return 1;
	stage(&set, "/evil/planted", "x\n", 0644);
	ok(!outset_commit(&set, root, &d), "a path through a symlink is refused");
	ok(d.errors > 0 && strstr(d.msgs[d.n - 1].text, "/evil/planted") != NULL, "the error names the file");
	char *planted = xasprintf("%s/planted", outside);
	ok(access(planted, F_OK) != 0, "nothing is written outside the root");
	free(planted);
	free(p);
	outset_free(&set);
	diag_free(&d);
	diag_init(&d);

	/* all or nothing: when one file cannot be written, none of the others appears */
	p = xasprintf("%s/blocked", root);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return 1;
	char *q = xasprintf("%s/blocked/file", root);
	if (mkdir(q, 0755) < 0) /* a directory where a file should go: rename must fail */
		return 1;
	stage(&set, "/fresh/first.conf", "1\n", 0644);
	stage(&set, "/blocked/file", "2\n", 0644);
	ok(!outset_commit(&set, root, &d), "commit fails when one target cannot be replaced");
	char *first = xasprintf("%s/fresh/first.conf", root);
	ok(access(first, F_OK) != 0, "the file staged before the failing one is not left behind");
	char *fresh_dir = xasprintf("%s/fresh", root);
	ok(access(fresh_dir, F_OK) != 0, "nor the directory the failed run created for it");
	free(fresh_dir);
	free(first);
	is_int(count_hidden(p), 0, "no temporary file is left in the failing directory");
	free(p);
	free(q);
	outset_free(&set);
	diag_free(&d);

	/* a failed commit puts back the files it was replacing */
	diag_init(&d);
	stage(&set, "/etc/secret", "new secret\n", 0600);
	stage(&set, "/blocked/file", "3\n", 0644);
	ok(!outset_commit(&set, root, &d), "a commit that replaces a file and then fails, fails");
	p = xasprintf("%s/etc/secret", root);
	text = slurp(p);
	is_str(text, "two\n", "the replaced file has its previous content again");
	free(text);
	free(p);
	p = xasprintf("%s/etc", root);
	is_int(count_hidden(p), 0, "and no backup link is left behind");
	free(p);
	outset_free(&set);
	diag_free(&d);

	/* a relative component that climbs out is refused */
	diag_init(&d);
	stage(&set, "/etc/../../escape", "x\n", 0644);
	ok(!outset_commit(&set, root, &d), "a path with '..' is refused");
	outset_free(&set);
	diag_free(&d);

	/* a directory staged on its own is made, with its parents, and an existing one is kept */
	diag_init(&d);
	outset_add_dir(&set, "/etc/empty/inc.d");
	outset_add_dir(&set, "/etc/a");
	ok(outset_commit(&set, root, &d), "a commit with directories only succeeds");
	p = xasprintf("%s/etc/empty/inc.d", root);
	ok(stat(p, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755, "an empty directory is shipped, 0755");
	free(p);
	p = xasprintf("%s/etc/a/b/one.conf", root);
	ok(access(p, F_OK) == 0, "an existing directory keeps what it holds");
	free(p);
	outset_free(&set);
	diag_free(&d);

	/* an output directory whose parents are missing is made whole, and taken away again
	 * when the run fails */
	diag_init(&d);
	char *deep = xasprintf("%s/new/deeper/root", root);
	stage(&set, "/etc/ok", "x\n", 0644);
	ok(outset_commit(&set, deep, &d), "missing parents of the output directory are created");
	free(deep);
	outset_free(&set);
	deep = xasprintf("%s/gone/deeper/root", root);
	stage(&set, "/etc/../../escape", "x\n", 0644);
	ok(!outset_commit(&set, deep, &d), "a failing run into a new nested output directory fails");
	char *gone = xasprintf("%s/gone", root);
	ok(access(gone, F_OK) != 0, "and removes the parents it created");
	free(gone);
	free(deep);
	outset_free(&set);
	ok(!outset_commit(&set, "", &d), "an empty output directory name is refused");
	diag_free(&d);

	char *cmd = xasprintf("rm -rf '%s' '%s'", root, outside);
	if (system(cmd) != 0)
		diag("cleanup failed");
	free(cmd);
	return done_testing();
}
