/* firstboot: the `hardenkit firstboot` subcommand. On the installed system (or below an image
 * root) it makes each credential the specs ask for, once, and delivers it; see hardenkit(1). */
#include "../core/cli.h"
#include "apply.h"
#include "secret.h"
#include "spec.h"
#include "store.h"
#include "testhook.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define FB_LOCK_TIMEOUT 120 /* seconds another run may hold the lock */
#define FB_MAX_SPEC (1u << 20)
#define FB_MAX_SECRET 4096
#define FB_MAX_CONFIG (1u << 20)

static void print_help(FILE *out)
{
	fputs("Usage: hardenkit firstboot [--root DIR] [NAME…]\n\n"
	      "Makes the first-boot credentials that `hardenkit gen` declared in the specs\n"
	      FB_SPEC_DIR "/NAME.conf (all of them when no NAME is given):\n"
	      "a random secret from OpenSSL for each, kept root-only in " FB_STORE_DIR ", then delivered\n"
	      "as the spec says (an owner-only include file in the daemon's dialect, a config rewrite,\n"
	      "or a one-time apply command that reads it on its standard input). A secret that exists\n"
	      "is never replaced: a second run does nothing and says so. Messages name each credential\n"
	      "and its file, never its value.\n\n"
	      "  -r, --root DIR   every path is below DIR (an image being built); default /\n"
	      "  -h, --help       show this help\n\n"
	      "Exit status: 0 every credential is present, 1 one or more failed (the others are\n"
	      "still made), 2 usage error or an invalid spec (nothing is done).\n",
	      out);
}

/* A run: the root, and the messages of the credential being worked on. */
struct run {
	struct fbroot root;
	unsigned changed; /* steps of the current credential that did something */
};

/* Prints D: notes on stdout, problems on stderr; PREFIX ("NAME: CRED: ") goes before each
 * message that names no file. Then forgets them. */
static void print_messages(struct diag *d, const char *prefix)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_msg *m = &d->msgs[i];
		FILE *out = m->level == DIAG_NOTE ? stdout : stderr;
		if (m->file && m->line)
			fprintf(out, "%s:%u: %s: %s\n", m->file, m->line, diag_level_name(m->level), m->text);
		else if (m->file)
			fprintf(out, "%s: %s: %s\n", m->file, diag_level_name(m->level), m->text);
		else if (m->level == DIAG_NOTE)
			fprintf(out, "hardenkit firstboot: %s%s\n", prefix, m->text);
		else
			fprintf(out, "hardenkit firstboot: %s: %s%s\n", diag_level_name(m->level), prefix, m->text);
	}
	fflush(stdout);
	fflush(stderr);
	diag_free(d);
}

static bool lookup_owner(struct run *run, const char *user, const char *group, uid_t *uid, gid_t *gid,
			 struct diag *d)
{
	return store_user(&run->root, user, uid, d) && store_group(&run->root, group, gid, d);
}

/* Lines joined, each ending in a newline: the text of an include file or an apply's input. */
static char *join_lines(const struct strlist *l)
{
	struct buf b = { 0 };
	for (size_t i = 0; i < l->n; i++)
		buf_printf(&b, "%s\n", l->v[i]);
	if (!b.data)
		buf_puts(&b, "");
	return b.data;
}

/* True when TMPL renders the same text every time: no salted hash in it. */
static bool renders_deterministically(const char *tmpl)
{
	for (const char *p = tmpl; *p; p++) {
		size_t n = placeholder_name_len(p);
		if (n && secret_placeholder_known(p + 1, n) && !(n == 6 && strncmp(p + 1, "SECRET", 6) == 0))
			return false;
		if (n)
			p += n + 1;
	}
	return true;
}

/* True when TMPL carries the secret or a form of it. */
static bool uses_secret(const char *tmpl)
{
	for (const char *p = tmpl; *p; p++) {
		size_t n = placeholder_name_len(p);
		if (n && secret_placeholder_known(p + 1, n))
			return true;
		if (n)
			p += n + 1;
	}
	return false;
}

/* The secret itself: read when it exists, else made and stored. */
static bool step_secret(struct run *run, const struct spec_credential *c, struct secret *value, struct diag *d)
{
	uid_t uid;
	gid_t gid;
	if (!lookup_owner(run, c->secret.user, c->secret.group, &uid, &gid, d))
		return false;
	for (int attempt = 0; attempt < 2; attempt++) {
		struct stat st;
		switch (store_read(&run->root, c->secret.path, FB_MAX_SECRET, value, &st, d)) {
		case STORE_OK: {
			if (st.st_mode & 077) {
				diag_error(d, NULL, 0,
					   "%s has group or other permissions (%04o): it may have been read; not used "
					   "(remove it to make a new secret)",
					   c->secret.path, (unsigned)(st.st_mode & 07777));
				return false;
			}
			if (st.st_uid != uid || st.st_gid != gid) {
				diag_error(d, NULL, 0, "%s is owned by %ld:%ld, not %s:%s; not used", c->secret.path,
					   (long)st.st_uid, (long)st.st_gid, c->secret.user, c->secret.group);
				return false;
			}
			bool exact;
			if (!secret_valid(value->v, value->len, c->encoding, c->strength, &exact)) {
				diag_error(d, NULL, 0,
					   "%s does not hold a valid %s secret; it is kept as it is (remove it to make a new one)",
					   c->secret.path, encoding_name(c->encoding));
				return false;
			}
			if (!exact) {
				diag_add(d, DIAG_NOTE, NULL, 0, "%s holds a secret of another strength than %d bits; kept",
					 c->secret.path, c->strength);
			}
			return true;
		}
		case STORE_ABSENT:
			break;
		default:
			return false;
		}
		if (!secret_generate(value, c->encoding, c->strength)) {
			diag_error(d, NULL, 0, "OpenSSL RAND_bytes could not provide %d random bits", c->strength);
			return false;
		}
		testhook_point("generated");
		enum store_status made =
			store_create(&run->root, c->secret.path, uid, gid, c->secret.mode, value->v, value->len, false, d);
		if (made == STORE_OK) {
			diag_add(d, DIAG_NOTE, NULL, 0, "generated a %d-bit %s secret in %s", c->strength,
				 encoding_name(c->encoding), c->secret.path);
			run->changed++;
			return true;
		}
		secret_free(value);
		if (made != STORE_EXISTS)
			return false;
		/* made meanwhile by someone who does not take the lock: theirs stands, read it */
	}
	diag_error(d, NULL, 0, "%s keeps appearing and disappearing", c->secret.path);
	return false;
}

/* Copies LINE with runs of blanks squeezed to one space and no leading or trailing blank. */
static char *squeeze(const char *line, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		bool blank = line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
		if (blank && (n == 0 || out[n - 1] == ' '))
			continue;
		out[n++] = blank ? ' ' : line[i];
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return out;
}

static bool line_matches(const struct spec_rewrite *rw, const char *line, size_t len)
{
	char *s = squeeze(line, len);
	bool hit = false;
	for (size_t i = 0; i < rw->match.n && !hit; i++)
		hit = fnmatch(rw->match.v[i], s, 0) == 0;
	explicit_bzero(s, len); /* a config line may hold some other secret */
	free(s);
	return hit;
}

static size_t count_line_placeholders(const struct secret *r)
{
	size_t n = 0;
	for (const char *p = r->v; (p = strstr(p, "@LINE@")); p += 6)
		n++;
	return n;
}

/* Copies REPLACEMENT into OUT with each @LINE@ replaced by LINE. Returns the bytes written. */
static size_t put_replacement(char *out, const struct secret *replacement, const char *line, size_t len)
{
	size_t at = 0;
	const char *p = replacement->v, *hit;
	while ((hit = strstr(p, "@LINE@"))) {
		memcpy(out + at, p, (size_t)(hit - p));
		at += (size_t)(hit - p);
		memcpy(out + at, line, len);
		at += len;
		p = hit + 6;
	}
	size_t rest = strlen(p);
	memcpy(out + at, p, rest);
	return at + rest;
}

/* A config rewrite: lines that match become the replacement, the whole file replaced at once. */
static bool step_rewrite(struct run *run, const struct spec_credential *c, const struct secret *value,
			 struct diag *d)
{
	const struct spec_rewrite *rw = c->rewrite;
	if (!rw)
		return true;
	struct secret text = { 0 }, replacement = { 0 };
	struct stat st;
	enum store_status status = store_read(&run->root, rw->file, FB_MAX_CONFIG, &text, &st, d);
	if (status == STORE_ABSENT)
		diag_error(d, NULL, 0, "%s does not exist: nothing to rewrite", rw->file);
	if (status != STORE_OK)
		return false;

	size_t hits = 0;
	for (const char *p = text.v; p < text.v + text.len;) {
		const char *nl = memchr(p, '\n', (size_t)(text.v + text.len - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(text.v + text.len - p);
		hits += line_matches(rw, p, len);
		p += len + 1;
	}
	bool ok = true;
	if (hits && uses_secret(rw->replace) && (st.st_mode & 077)) {
		/* keeping mode and owner is the contract; a secret in a readable file is not an option */
		diag_error(d, NULL, 0, "%s is readable by group or others (%04o): the secret cannot go into it", rw->file,
			   (unsigned)(st.st_mode & 07777));
		ok = false;
	}
	if (hits && ok) {
		ok = secret_render(&replacement, rw->replace, value, NULL);
		if (!ok)
			diag_error(d, NULL, 0, "OpenSSL could not derive the values for %s", rw->file);
	}
	if (hits && ok) {
		/* sized exactly, then filled: the new text may hold the secret */
		size_t per = count_line_placeholders(&replacement), total = 0;
		for (const char *p = text.v; p < text.v + text.len;) {
			const char *nl = memchr(p, '\n', (size_t)(text.v + text.len - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(text.v + text.len - p);
			total += (line_matches(rw, p, len) ? replacement.len - 6 * per + per * len : len) + (nl ? 1 : 0);
			p += len + 1;
		}
		char *buf = xmalloc(total + 1);
		size_t at = 0;
		for (const char *p = text.v; p < text.v + text.len;) {
			const char *nl = memchr(p, '\n', (size_t)(text.v + text.len - p));
			size_t len = nl ? (size_t)(nl - p) : (size_t)(text.v + text.len - p);
			if (line_matches(rw, p, len)) {
				at += put_replacement(buf + at, &replacement, p, len);
			} else {
				memcpy(buf + at, p, len);
				at += len;
			}
			if (nl)
				buf[at++] = '\n';
			p += len + 1;
		}
		ok = store_replace(&run->root, rw->file, &st, buf, at, d);
		explicit_bzero(buf, total + 1);
		free(buf);
		if (ok) {
			diag_add(d, DIAG_NOTE, NULL, 0, "rewrote %zu line%s of %s (mode %04o and owner kept)", hits,
				 hits == 1 ? "" : "s", rw->file, (unsigned)(st.st_mode & 07777));
			run->changed++;
		}
	}
	secret_free(&replacement);
	secret_free(&text);
	return ok;
}

/* The include file: the secret in the daemon's own syntax, owned by the daemon's user. */
static bool step_include(struct run *run, const struct spec_credential *c, const struct secret *value,
			 struct diag *d)
{
	const struct spec_include *inc = c->include;
	if (!inc)
		return true;
	uid_t uid;
	gid_t gid;
	if (!lookup_owner(run, inc->file.user, inc->file.group, &uid, &gid, d))
		return false;
	char *tmpl = join_lines(&inc->lines);
	struct secret text = { 0 }, existing = { 0 };
	bool ok = secret_render(&text, tmpl, value, NULL);
	if (!ok)
		diag_error(d, NULL, 0, "OpenSSL could not derive the values for %s", inc->file.path);
	struct stat st;
	enum store_status status = ok ? store_read(&run->root, inc->file.path, FB_MAX_CONFIG, &existing, &st, d)
				      : STORE_FAILED;
	if (status == STORE_OK) {
		if (st.st_mode & 077) {
			diag_error(d, NULL, 0, "%s has group or other permissions (%04o); not used", inc->file.path,
				   (unsigned)(st.st_mode & 07777));
			ok = false;
		} else if (st.st_uid != uid || st.st_gid != gid) {
			diag_error(d, NULL, 0, "%s is owned by %ld:%ld, not %s:%s, who must read it", inc->file.path,
				   (long)st.st_uid, (long)st.st_gid, inc->file.user, inc->file.group);
			ok = false;
		} else if (renders_deterministically(tmpl) && !secret_equal(&text, existing.v, existing.len)) {
			diag_error(d, NULL, 0,
				   "%s exists but does not hold the stored secret; not replaced (remove it to write it again)",
				   inc->file.path);
			ok = false;
		}
	} else if (status == STORE_ABSENT) {
		status = store_create(&run->root, inc->file.path, uid, gid, inc->file.mode, text.v, text.len, true, d);
		if (status == STORE_OK) {
			diag_add(d, DIAG_NOTE, NULL, 0, "wrote %s (owner %s:%s, mode %s)", inc->file.path, inc->file.user,
				 inc->file.group, spec_mode_name(inc->file.mode));
			run->changed++;
		}
		ok = status == STORE_OK || status == STORE_EXISTS;
	} else {
		ok = false;
	}
	secret_free(&existing);
	secret_free(&text);
	free(tmpl);
	return ok;
}

/* Shows the last lines of an apply command's output, indented under the error. */
static void add_output_tail(struct buf *msg, const struct buf *output)
{
	const char *start = output->data + output->len;
	for (int lines = 0; start > output->data && lines < 12; lines++) {
		start--;
		while (start > output->data && start[-1] != '\n')
			start--;
	}
	for (const char *p = start; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len)
			buf_printf(msg, "\n  | %.*s", (int)len, p);
		p += len + (nl ? 1 : 0);
	}
}

/* The apply step: the command, then the stamp that says it succeeded. */
static bool step_apply(struct run *run, const struct spec_credential *c, const struct secret *value,
		       struct diag *d)
{
	const struct spec_apply *a = c->apply;
	if (!a)
		return true;
	struct secret stamp = { 0 };
	struct stat st;
	enum store_status status = store_read(&run->root, a->stamp, FB_MAX_SECRET, &stamp, &st, d);
	secret_free(&stamp);
	if (status == STORE_OK)
		return true;
	if (status != STORE_ABSENT)
		return false;
	uid_t uid;
	gid_t gid;
	if (!lookup_owner(run, a->user, a->group, &uid, &gid, d))
		return false;

	char *tmpl = join_lines(&a->input);
	struct secret input = { 0 };
	struct secret_list derived = { 0 };
	bool ok = secret_render(&input, tmpl, value, &derived);
	free(tmpl);
	if (!ok) {
		diag_error(d, NULL, 0, "OpenSSL could not derive the values for the apply input");
		return false;
	}
	struct apply_result res;
	ok = apply_run(&run->root, a, uid, gid, &input, &res, d);
	secret_free(&input);
	if (ok) {
		/* the secret as the daemon's tools might echo it, and every hash of it, are cut out */
		derived.v = xreallocarray(derived.v, derived.n + 1, sizeof *derived.v);
		secret_set(&derived.v[derived.n++], value->v, value->len);
		apply_redact(&res.output, &derived);
		if (res.status != 0) {
			struct buf msg = { 0 };
			if (res.timed_out)
				buf_printf(&msg, "%s did not finish within %u seconds and was killed", a->command.v[0],
					   a->timeout);
			else if (res.status < 0)
				buf_printf(&msg, "%s was killed by a signal", a->command.v[0]);
			else
				buf_printf(&msg, "%s failed with exit status %d", a->command.v[0], res.status);
			buf_puts(&msg, "; the secret is kept and the next run applies it again");
			add_output_tail(&msg, &res.output);
			diag_error(d, NULL, 0, "%s", msg.data);
			buf_free(&msg);
			ok = false;
		}
		explicit_bzero(res.output.data, res.output.len);
		buf_free(&res.output);
	}
	secret_list_free(&derived);
	if (!ok)
		return false;
	testhook_point("applied");
	static const char stamp_text[] = "applied by hardenkit firstboot\n";
	status = store_create(&run->root, a->stamp, geteuid(), getegid(), 0600, stamp_text, sizeof stamp_text - 1,
			      true, d);
	if (status == STORE_OK || status == STORE_EXISTS) {
		diag_add(d, DIAG_NOTE, NULL, 0, "applied with %s as %s (stamp %s)", a->command.v[0], a->user, a->stamp);
		run->changed++;
		return true;
	}
	return false;
}

/* One credential: every step in order; each step is a no-op when its result already exists, so a
 * run that was killed anywhere is finished by the next one. */
static bool do_credential(struct run *run, const struct spec *s, const struct spec_credential *c, bool *fatal)
{
	struct diag d;
	diag_init(&d);
	struct secret value = { 0 };
	run->changed = 0;
	store_errno = 0;
	bool ok = step_secret(run, c, &value, &d) && step_rewrite(run, c, &value, &d) &&
		  step_include(run, c, &value, &d) && step_apply(run, c, &value, &d);
	secret_free(&value);
	if (ok && !run->changed)
		diag_add(&d, DIAG_NOTE, NULL, 0, "already present in %s%s; nothing to do", c->secret.path,
			 c->include || c->apply || c->rewrite ? " and delivered" : "");
	*fatal = !ok && store_errno_is_fatal(store_errno);
	char *prefix = xasprintf("%s: %s: ", s->name, c->name);
	print_messages(&d, prefix);
	free(prefix);
	return ok;
}

static bool valid_name(const char *name)
{
	if (!*name || !strchr("abcdefghijklmnopqrstuvwxyz0123456789", *name))
		return false;
	for (const char *p = name; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789.+-", *p))
			return false;
	return true;
}

static struct spec *load_spec(struct run *run, const char *name, struct diag *d)
{
	if (!valid_name(name)) {
		diag_error(d, NULL, 0, "\"%s\" is not a package name", name);
		return NULL;
	}
	char *path = xasprintf(FB_SPEC_DIR "/%s.conf", name);
	struct secret text = { 0 };
	struct stat st;
	struct spec *s = NULL;
	switch (store_read(&run->root, path, FB_MAX_SPEC, &text, &st, d)) {
	case STORE_OK:
		if (memchr(text.v, '\0', text.len)) {
			diag_error(d, path, 0, "contains a NUL byte: not a text file");
			break;
		}
		s = spec_parse(text.v, path, d);
		if (s && strcmp(s->name, name) != 0) {
			diag_error(d, path, 1, "name \"%s\" does not match the file name", s->name);
			spec_free(s);
			s = NULL;
		}
		break;
	case STORE_ABSENT:
		diag_error(d, NULL, 0, "no first-boot spec for %s (%s)", name, path);
		break;
	default:
		break;
	}
	secret_free(&text);
	free(path);
	return s;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every NAME with a spec in the root, in name order. False when the directory cannot be read. */
static bool list_specs(struct run *run, struct strlist *names, struct diag *d)
{
	int fd = root_open_dir(&run->root, FB_SPEC_DIR, false, 0);
	if (fd < 0) {
		if (errno == ENOENT)
			return true;
		diag_error(d, NULL, 0, "cannot open " FB_SPEC_DIR ": %s", strerror(errno));
		return false;
	}
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		diag_error(d, NULL, 0, "cannot read " FB_SPEC_DIR ": %s", strerror(errno));
		return false;
	}
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] != '.' && str_has_suffix(e->d_name, ".conf")) {
			char *stem = path_stem(e->d_name, ".conf");
			strlist_push(names, stem);
			free(stem);
		}
	}
	closedir(dir);
	if (names->n)
		qsort(names->v, names->n, sizeof *names->v, compare_names);
	return true;
}

/* What no secret may reach: a core dump, or another user's view of this process. */
static void protect_process(void)
{
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	/* files get their modes explicitly; this keeps made directories traversable (0755) */
	umask(022);
}

int cmd_firstboot(int argc, char **argv)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = "/";
	int opt;
	while ((opt = getopt_long(argc, argv, "r:h", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			root = optarg;
			break;
		case 'h':
			print_help(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("firstboot", "unknown option");
		}
	}
	protect_process();
	testhook_init();

	struct run run = { .root = { .fd = -1 } };
	struct diag d;
	diag_init(&d);
	if (!root_open(&run.root, root, &d)) {
		print_messages(&d, "");
		return EXIT_USAGE;
	}

	struct strlist names = { 0 };
	bool listed = true;
	if (optind < argc)
		for (int i = optind; i < argc; i++)
			strlist_push(&names, argv[i]);
	else
		listed = list_specs(&run, &names, &d);

	/* every spec is checked before anything is written: a bad one stops the run with 2 */
	struct spec **specs = xcalloc(names.n, sizeof *specs);
	size_t loaded = 0;
	for (size_t i = 0; i < names.n; i++)
		loaded += (specs[i] = load_spec(&run, names.v[i], &d)) != NULL;

	int status = EXIT_OK;
	if (!listed) {
		status = EXIT_FINDINGS;
	} else if (loaded != names.n) {
		status = EXIT_USAGE;
	} else if (names.n == 0) {
		diag_add(&d, DIAG_NOTE, NULL, 0, "no first-boot specs in " FB_SPEC_DIR "; nothing to do");
	} else {
		int lock = store_prepare(&run.root, FB_LOCK_TIMEOUT, &d);
		if (lock < 0) {
			status = EXIT_FINDINGS;
		} else {
			testhook_point("locked");
			print_messages(&d, "");
			bool fatal = false;
			for (size_t i = 0; i < names.n && !fatal; i++)
				for (size_t j = 0; j < specs[i]->n && !fatal; j++)
					if (!do_credential(&run, specs[i], &specs[i]->v[j], &fatal))
						status = EXIT_FINDINGS;
			close(lock);
		}
	}
	print_messages(&d, "");
	for (size_t i = 0; i < names.n; i++)
		spec_free(specs[i]);
	free(specs);
	strlist_free(&names);
	root_close(&run.root);
	return status;
}
