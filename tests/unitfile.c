/* Tests of core/unitfile: systemd's parsing and merge rules, and finding a unit with its
 * drop-ins below a root (search path order, masking, templates, prefixes, aliases, symlinks). */
#include "../core/unitfile.h"
#include "../core/util.h"
#include "tap.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static struct unitfile *parse(const char *name, const char *file, const char *text, struct diag *d)
{
	struct unitfile *u = unitfile_new(name);
	unitfile_apply(u, file, text, strlen(text), d);
	return u;
}

static const char *last(const struct unitfile *u, const char *section, const char *key)
{
	const struct unit_value *v = unitfile_last(u, section, key);
	return v ? v->text : NULL;
}

/* All surviving values of SECTION/KEY joined with '|', for comparing lists in one string. */
static char *joined(const struct unitfile *u, const char *section, const char *key)
{
	const struct unit_entry *e = unitfile_get(u, section, key);
	struct buf b = { 0 };
	buf_puts(&b, "");
	for (size_t i = 0; e && i < e->n; i++)
		buf_printf(&b, "%s%s", i ? "|" : "", e->values[i].text);
	return b.data;
}

static void test_basics(void)
{
	struct diag d;
	diag_init(&d);
	struct unitfile *u = parse("x.service", "x.service",
				   "# comment\n"
				   "; also a comment\n"
				   "[Unit]\n"
				   "Description = spaced value  \n"
				   "\n"
				   "[Service]\n"
				   "User=daemon\n"
				   "protectsystem=strict\n"
				   "ExecStart=/usr/bin/x --flag=a=b\n",
				   &d);
	is_int(d.n, 0, "a clean unit gives no messages");
	is_str(last(u, "Unit", "Description"), "spaced value", "key and value are stripped of surrounding blanks");
	is_str(last(u, "Service", "User"), "daemon", "a value is found by section and key");
	ok(unitfile_last(u, "Unit", "User") == NULL, "keys belong to their section");
	ok(unitfile_get(u, "Service", "ProtectSystem") == NULL, "keys are case-sensitive, as in systemd");
	is_str(last(u, "Service", "ExecStart"), "/usr/bin/x --flag=a=b", "only the first '=' separates key and value");
	const struct unit_value *v = unitfile_last(u, "Service", "User");
	ok(v && v->line == 7 && strcmp(v->file, "x.service") == 0, "a value remembers its file and line");
	unitfile_free(u);
	diag_free(&d);
}

static void test_continuation(void)
{
	struct diag d;
	diag_init(&d);
	struct unitfile *u = parse("x.service", "x.service",
				   "[Service]\r\n"
				   "ExecStart=/bin/a \\\n"
				   "# a comment inside a continuation is dropped\n"
				   "  --b \\\n"
				   "--c\n"
				   "Environment=A=1\\\\\n"
				   "User=u\n"
				   "Group=g \\",
				   &d);
	is_str(last(u, "Service", "ExecStart"), "/bin/a    --b  --c",
	       "a trailing backslash joins lines, becoming a space; comment lines in between are skipped");
	const struct unit_value *v = unitfile_last(u, "Service", "ExecStart");
	ok(v && v->line == 2, "a continued assignment is reported at its first line");
	is_str(last(u, "Service", "Environment"), "A=1\\\\", "an escaped backslash does not continue the line");
	is_str(last(u, "Service", "User"), "u", "the line after an escaped backslash stands alone (and CRLF ends lines)");
	is_str(last(u, "Service", "Group"), "g", "a continuation at the end of the file still counts");
	unitfile_free(u);
	diag_free(&d);
}

static void test_merge(void)
{
	struct diag d;
	diag_init(&d);
	struct unitfile *u = unitfile_new("m.service");
	const char *main_unit = "[Service]\n"
				"ExecStartPre=/bin/one\n"
				"ExecStartPre=/bin/two\n"
				"ProtectSystem=full\n"
				"CapabilityBoundingSet=CAP_NET_ADMIN\n"
				"User=root\n";
	const char *dropin1 = "[Service]\n"
			      "ExecStartPre=/bin/three\n"
			      "ProtectSystem=strict\n"
			      "CapabilityBoundingSet=\n"
			      "CapabilityBoundingSet=CAP_CHOWN\n";
	const char *dropin2 = "[Service]\n"
			      "User=\n";
	unitfile_apply(u, "m.service", main_unit, strlen(main_unit), &d);
	unitfile_apply(u, "m.service.d/10.conf", dropin1, strlen(dropin1), &d);
	unitfile_apply(u, "m.service.d/20.conf", dropin2, strlen(dropin2), &d);
	char *s = joined(u, "Service", "ExecStartPre");
	is_str(s, "/bin/one|/bin/two|/bin/three", "list-valued keys accumulate across files in order");
	free(s);
	is_str(last(u, "Service", "ProtectSystem"), "strict", "for a single-valued key the later file wins");
	s = joined(u, "Service", "CapabilityBoundingSet");
	is_str(s, "CAP_CHOWN", "an empty assignment resets the list; later ones start it again");
	free(s);
	const struct unit_entry *e = unitfile_get(u, "Service", "User");
	ok(e && e->n == 0 && unitfile_last(u, "Service", "User") == NULL,
	   "an empty assignment as the last word resets the key to its default");
	const struct unit_value *v = unitfile_last(u, "Service", "ProtectSystem");
	ok(v && strcmp(v->file, "m.service.d/10.conf") == 0 && v->line == 3, "a merged value names the drop-in it came from");
	is_int(u->n_files, 3, "the unit lists the three files applied");
	is_int(d.n, 0, "no messages");
	unitfile_free(u);
	diag_free(&d);
}

static void test_errors(void)
{
	struct diag d;
	diag_init(&d);
	struct unitfile *u = parse("e.service", "e.service",
				   "User=outside\n"
				   "[Service\n"
				   "[Service]\n"
				   "NoEqualsSign\n"
				   "=novalue\n"
				   "Group=ok\n",
				   &d);
	is_int(d.errors, 1, "one error: the bad section header (systemd refuses the unit for it)");
	ok(d.n == 4 && d.msgs[0].level == DIAG_WARNING && d.msgs[0].line == 1, "assignment outside a section: warning at line 1");
	ok(d.n == 4 && d.msgs[1].level == DIAG_ERROR && d.msgs[1].line == 2 && strstr(d.msgs[1].text, "section header"),
	   "bad section header: error at line 2");
	ok(d.n == 4 && d.msgs[2].level == DIAG_WARNING && d.msgs[2].line == 4 && strstr(d.msgs[2].text, "missing '='") &&
		   strcmp(d.msgs[2].file, "e.service") == 0,
	   "missing '=' is a warning at e.service:4 (systemd skips the line)");
	ok(d.n == 4 && d.msgs[3].level == DIAG_WARNING && d.msgs[3].line == 5, "missing key name: warning at line 5");
	is_int(u->bad_lines, 1, "the unit counts the lines systemd would refuse it for");
	is_str(last(u, "Service", "Group"), "ok", "parsing goes on after a bad line");
	ok(unitfile_last(u, "Service", "User") == NULL, "an assignment outside any section is ignored");
	unitfile_free(u);
	diag_free(&d);

	diag_init(&d);
	u = unitfile_new("b.service");
	static const char binary[] = "[Service]\nUser=a\0\1\2";
	is_int(unitfile_apply(u, "b.service", binary, sizeof binary - 1, &d), -1, "binary data is not a unit file");
	ok(d.errors == 1 && strcmp(d.msgs[0].file, "b.service") == 0, "and says so naming the file");
	unitfile_free(u);
	diag_free(&d);

	ok(unit_parse_boolean("Yes") == 1 && unit_parse_boolean("on") == 1 && unit_parse_boolean("t") == 1,
	   "booleans: yes/on/t");
	ok(unit_parse_boolean("0") == 0 && unit_parse_boolean("OFF") == 0 && unit_parse_boolean("n") == 0,
	   "booleans: 0/off/n");
	is_int(unit_parse_boolean("strict"), -1, "not a boolean");
}

/* Many keys and one long continued line: every key is found again (the hash index grows
 * through many sizes), and the continued value keeps every piece. */
static void test_many(void)
{
	struct diag d;
	diag_init(&d);
	struct buf b = { 0 };
	buf_puts(&b, "[Service]\n");
	for (int i = 0; i < 5000; i++)
		buf_printf(&b, "Key%d=v%d\n", i, i);
	buf_puts(&b, "Long=a");
	for (int i = 0; i < 3000; i++)
		buf_puts(&b, " \\\nb");
	buf_puts(&b, "\n");
	struct unitfile *u = unitfile_new("many.service");
	unitfile_apply(u, "many.service", b.data, b.len, &d);
	int found = 0;
	for (int i = 0; i < 5000; i++) {
		char key[32], want[32];
		snprintf(key, sizeof key, "Key%d", i);
		snprintf(want, sizeof want, "v%d", i);
		const char *got = last(u, "Service", key);
		found += got && strcmp(got, want) == 0;
	}
	is_int(found, 5000, "all 5000 keys are found with their values");
	is_int(u->n_entries, 5001, "5001 entries");
	const char *lv = last(u, "Service", "Long");
	size_t bs = 0;
	for (const char *p = lv ? lv : ""; *p; p++)
		bs += *p == 'b';
	is_int(bs, 3000, "a line continued 3000 times keeps every piece");
	unitfile_free(u);
	buf_free(&b);
	diag_free(&d);
}

/* ---- trees ---- */

static char root[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	free(path);
}

static void link_(const char *target, const char *rel)
{
	put(rel, "");
	char *path = xasprintf("%s/%s", root, rel);
	unlink(path);
	if (symlink(target, path) < 0) {
		perror(path);
		exit(1);
	}
	free(path);
}

/* The drop-ins applied, as file names relative to the root, joined with spaces. */
static char *applied(const struct unitfile *u)
{
	struct buf b = { 0 };
	buf_puts(&b, "");
	for (size_t i = 0; i < u->n_files; i++)
		buf_printf(&b, "%s%s", i ? " " : "", u->files[i] + strlen(root));
	return b.data;
}

static void test_root(void)
{
	char tmpl[] = "/tmp/hk-unitfile.XXXXXX";
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(root, sizeof root, "%s", tmpl);
	/* a merged-/usr tree: /lib is a link into /usr, so both search directories are one */
	put("usr/.keep", "");
	link_("usr/lib", "lib");
	put("usr/lib/systemd/system/foo-bar.service", "[Service]\nExecStart=/bin/foo\nUser=lib\nPrivateTmp=yes\n");
	put("etc/systemd/system/foo-bar.service.d/10-a.conf", "[Service]\nUser=etc\n");
	put("usr/lib/systemd/system/foo-bar.service.d/10-a.conf", "[Service]\nUser=masked-by-etc\n");
	put("usr/lib/systemd/system/foo-bar.service.d/20-b.conf", "[Service]\nGroup=b\n");
	put("usr/lib/systemd/system/foo-bar.service.d/README", "[Service]\nGroup=not-a-conf\n");
	put("usr/lib/systemd/system/foo-.service.d/05-prefix.conf", "[Service]\nGroup=prefix\nNice=5\n");
	put("usr/lib/systemd/system/service.d/99-type.conf", "[Service]\nNice=9\n");
	put("etc/systemd/system/foo-bar.service.d/30-c.conf", "[Service]\nPrivateTmp=\n");

	struct diag d;
	diag_init(&d);
	struct unitfile *u = unitfile_load_root(root, "foo-bar.service", &d);
	ok(u != NULL, "foo-bar.service is found below the root");
	if (u) {
		char *s = applied(u);
		is_str(s,
		       "/usr/lib/systemd/system/foo-bar.service /usr/lib/systemd/system/foo-.service.d/05-prefix.conf "
		       "/etc/systemd/system/foo-bar.service.d/10-a.conf /usr/lib/systemd/system/foo-bar.service.d/20-b.conf "
		       "/etc/systemd/system/foo-bar.service.d/30-c.conf /usr/lib/systemd/system/service.d/99-type.conf",
		       "drop-ins apply by file name across directories; /etc masks a same-named /usr file; "
		       "prefix and type drop-ins count; non-.conf files do not");
		free(s);
		is_str(last(u, "Service", "User"), "etc", "the /etc drop-in masks the same-named one in /usr/lib");
		is_str(last(u, "Service", "Group"), "b", "20-b.conf applies after 05-prefix.conf");
		is_str(last(u, "Service", "Nice"), "9", "the type-level service.d applies too");
		ok(unitfile_last(u, "Service", "PrivateTmp") == NULL, "a drop-in's empty assignment resets the value list");
		ok(unitfile_bool(u, "Service", "PrivateTmp", false),
		   "but a boolean keeps its value: systemd ignores an empty (non-boolean) assignment");
		const struct unit_entry *pe = unitfile_get(u, "Service", "PrivateTmp");
		ok(pe && pe->n_history == 2 && pe->history[1].text[0] == '\0', "the history keeps the empty assignment");
		ok(!u->masked, "not masked");
	}
	unitfile_free(u);

	/* a template and its instance */
	put("usr/lib/systemd/system/pg@.service", "[Service]\nUser=postgres\nExecStart=/bin/pg %i\n");
	put("usr/lib/systemd/system/pg@.service.d/10-t.conf", "[Service]\nCPUWeight=1\n");
	put("etc/systemd/system/pg@15-main.service.d/20-i.conf", "[Service]\nCPUWeight=2\nUser=inst\n");
	u = unitfile_load_root(root, "pg@15-main.service", &d);
	ok(u != NULL, "an instance loads its template");
	if (u) {
		is_str(last(u, "Service", "User"), "inst", "the instance's own drop-in applies");
		is_str(last(u, "Service", "CPUWeight"), "2", "after the template's drop-in (10-t before 20-i)");
		is_str(last(u, "Service", "ExecStart"), "/bin/pg %i", "specifiers stay as written");
	}
	unitfile_free(u);
	/* an instance file of its own beats the template */
	put("etc/systemd/system/pg@16-x.service", "[Service]\nUser=own\n");
	u = unitfile_load_root(root, "pg@16-x.service", &d);
	ok(u && strcmp(last(u, "Service", "User"), "postgres") != 0 && unitfile_last(u, "Service", "CPUWeight"),
	   "an instance's own file is the fragment, and the template's drop-ins still apply");
	unitfile_free(u);

	/* masking */
	link_("/dev/null", "etc/systemd/system/foo-bar.service");
	u = unitfile_load_root(root, "foo-bar.service", &d);
	ok(u && u->masked && u->n_entries == 0, "a link to /dev/null in /etc masks the unit in /usr/lib");
	unitfile_free(u);
	put("usr/lib/systemd/system/empty.service", "");
	u = unitfile_load_root(root, "empty.service", &d);
	ok(u && u->masked, "an empty unit file masks the unit too");
	unitfile_free(u);

	/* aliases */
	put("usr/lib/systemd/system/real.service", "[Service]\nUser=real\n");
	link_("real.service", "usr/lib/systemd/system/other.service");
	put("usr/lib/systemd/system/other.service.d/10-alias.conf", "[Service]\nGroup=alias\n");
	u = unitfile_load_root(root, "real.service", &d);
	ok(u && u->n_files == 3 && strcmp(last(u, "Service", "Group"), "alias") == 0,
	   "drop-ins of an alias name apply to the unit");
	unitfile_free(u);
	u = unitfile_load_root(root, "other.service", &d);
	ok(u && strcmp(last(u, "Service", "User"), "real") == 0, "loading by the alias name finds the real unit");
	unitfile_free(u);

	/* symlinks never leave the root */
	char outside[] = "/tmp/hk-unitfile-outside.XXXXXX";
	int fd = mkstemp(outside);
	ok(fd >= 0 && write(fd, "[Service]\nUser=outside\n", 23) == 23, "a unit file outside the root exists");
	close(fd);
	char *up = xasprintf("../../../../../../../../..%s", outside);
	link_(up, "usr/lib/systemd/system/escape.service");
	link_(outside, "usr/lib/systemd/system/escape2.service");
	free(up);
	size_t errors = d.errors;
	u = unitfile_load_root(root, "escape.service", &d);
	ok(u == NULL && d.errors > errors, "a relative link climbing out of the root is not followed (error)");
	unitfile_free(u);
	errors = d.errors;
	u = unitfile_load_root(root, "escape2.service", &d);
	ok(u == NULL && d.errors > errors, "an absolute link resolves inside the root, not on the host");
	unitfile_free(u);
	put(outside + 1, "[Service]\nUser=inside\n"); /* the same path, inside the root */
	u = unitfile_load_root(root, "escape2.service", &d);
	ok(u && strcmp(last(u, "Service", "User"), "inside") == 0, "an absolute link reads the root's file of that path");
	unitfile_free(u);
	unlink(outside);

	errors = d.errors;
	u = unitfile_load_root(root, "missing.service", &d);
	ok(u == NULL && d.errors == errors + 1, "a missing unit is one error");
	u = unitfile_load_root(root, "not a unit", &d);
	ok(u == NULL && d.errors == errors + 2, "an invalid unit name is an error");

	put("usr/lib/systemd/system/bad.service", "[Service]\nUser=a\n[Bad\n");
	errors = d.errors;
	u = unitfile_load_root(root, "bad.service", &d);
	ok(u && u->bad_lines == 1 && d.errors == errors + 1 && d.msgs[d.n - 1].line == 3 &&
		   str_has_suffix(d.msgs[d.n - 1].file, "/lib/systemd/system/bad.service"),
	   "a syntax error in a loaded unit names FILE:3");
	unitfile_free(u);
	put("usr/lib/systemd/system/utf8.service", "[Service]\nUser=\xff\xfe\n");
	u = unitfile_load_root(root, "utf8.service", &d);
	ok(u && u->bad_lines == 1 && d.msgs[d.n - 1].line == 2, "a line that is not UTF-8 is refused at FILE:2");
	unitfile_free(u);
	diag_free(&d);

	char *cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		diag("could not remove %s", root);
	free(cmd);
}

int main(void)
{
	test_basics();
	test_continuation();
	test_merge();
	test_errors();
	test_many();
	test_root();
	return done_testing();
}
