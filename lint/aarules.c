/* aarules: apparmor-missing, apparmor-complain, apparmor-invalid; see checks.h. The invalid
 * check runs apparmor_parser on each profile's text through a pipe: nothing is written or
 * loaded into the kernel (-Q skips the load, -K the cache). */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/util.h"
#include "checks.h"

/* Debian 12 ships units naming /sbin/x and /bin/x while the files live in /usr (merged /usr):
 * a profile for either spelling attaches. */
static bool attaches(const struct aa_profile *p, const char *binary)
{
	const char *a = p->attach ? p->attach : p->name;
	if (!a || a[0] != '/')
		return false;
	if (fnmatch(a, binary, 0) == 0)
		return true;
	char *other = str_has_prefix(binary, "/usr/") ? xstrdup(binary + 4) : xasprintf("/usr%s", binary);
	bool ok = fnmatch(a, other, 0) == 0;
	free(other);
	return ok;
}

static const struct fact_profile *profile_named(const struct facts *f, const char *name)
{
	for (size_t i = 0; i < f->n_profiles; i++)
		if (f->profiles[i].p.depth == 0 && f->profiles[i].p.name && strcmp(f->profiles[i].p.name, name) == 0)
			return &f->profiles[i];
	return NULL;
}

CHECK(check_apparmor_missing)
{
	(void)o;
	for (size_t i = 0; i < f->n_units; i++) {
		const struct fact_unit *fu = &f->units[i];
		if (!unit_is_service(fu))
			continue;
		const struct unit_value *named = unitfile_last(fu->u, "Service", "AppArmorProfile");
		const struct unit_value *exec = NULL;
		char *binary = unit_exec_binary(fu->u, &exec);
		const struct fact_profile *found = NULL;
		const char *file;
		unsigned line;
		if (named) {
			const char *n = named->text + (named->text[0] == '-'); /* "-": optional */
			found = profile_named(f, n);
			if (!found) {
				findings_add(out, self, named->file, named->line,
					     "%s: AppArmorProfile=%s names a profile the package does not ship", fu->u->name, n);
				free(binary);
				continue;
			}
		} else if (binary) {
			for (size_t k = 0; k < f->n_profiles && !found; k++)
				if (f->profiles[k].p.depth == 0 && attaches(&f->profiles[k].p, binary))
					found = &f->profiles[k];
		} else {
			continue; /* a drop-in without ExecStart= or AppArmorProfile=: nothing to attach to */
		}
		if (!found) {
			unit_location(f, fu, exec, &file, &line);
			findings_add(out, self, file, line, "%s starts %s, which no AppArmor profile in the package attaches to",
				     fu->u->name, binary);
		} else if (found->p.rules == 0) {
			findings_add(out, self, facts_shown(f, f->files[found->file].path), found->p.line,
				     "profile %s for %s is an empty placeholder: it confines nothing", found->p.name,
				     fu->u->name);
		}
		free(binary);
	}
}

CHECK(check_apparmor_complain)
{
	(void)o;
	for (size_t i = 0; i < f->n_profiles; i++) {
		const struct aa_profile *p = &f->profiles[i].p;
		const char *file = facts_shown(f, f->files[f->profiles[i].file].path);
		static const char *const modes[] = { "complain", "unconfined", "prompt", NULL };
		for (size_t k = 0; modes[k]; k++)
			if (aa_has_flag(p, modes[k]))
				findings_add(out, self, file, p->line, "%s profile %s is in %s mode: it does not enforce",
					     p->depth ? "child" : "the", p->name, modes[k]);
	}
}

/* Runs PARSER on TEXT; returns its exit status (-1: could not run) and its stderr in ERR.
 * A parser that exits before reading everything makes the write fail with EPIPE: the caller
 * (cmd_lint) ignores SIGPIPE for the whole process, since a signal disposition cannot be
 * changed safely from one of several worker threads. */
static int run_parser(const char *parser, const char *features, const char *text, size_t len, struct buf *err)
{
	int in[2], er[2];
	if (pipe2(in, O_CLOEXEC) != 0)
		return -1;
	if (pipe2(er, O_CLOEXEC) != 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(er[0]);
		close(er[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(er[1], 1);
		dup2(er[1], 2);
		const char *argv[] = { parser, "-Q", "-K", features ? "--features-file" : NULL, features, NULL };
		execvp(parser, (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(er[1]);
	/* write the text and read the messages together, so neither pipe can fill and stall */
	size_t off = 0;
	int wfd = in[1];
	if (!len) {
		close(wfd);
		wfd = -1;
	}
	for (;;) {
		struct pollfd pf[2] = { { er[0], POLLIN, 0 }, { wfd, POLLOUT, 0 } };
		if (poll(pf, wfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (wfd >= 0 && (pf[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(wfd, text + off, len - off);
			if (n > 0)
				off += (size_t)n;
			if (n < 0 || off == len) {
				close(wfd);
				wfd = -1;
			}
		}
		if (pf[0].revents & (POLLIN | POLLHUP)) {
			char chunk[4096];
			ssize_t n = read(er[0], chunk, sizeof chunk);
			if (n <= 0)
				break;
			if (err->len < 65536)
				buf_append(err, chunk, (size_t)n);
		}
	}
	if (wfd >= 0)
		close(wfd);
	close(er[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

CHECK(check_apparmor_invalid)
{
	if (!o->apparmor_parser)
		return;
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (ff->role != ROLE_PROFILE || !ff->text || ff->type != MEMBER_FILE)
			continue;
		/* etc/apparmor.d/local/NAME is the administrator's hook, which packages create in
		 * postinst, not in the archive: read as "include if exists" it is judged as installed */
		struct buf fed = { 0 };
		for (const char *p = ff->text; *p;) {
			const char *nl = strchr(p, '\n');
			size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
			const char *w = p + strspn(p, " \t");
			const char *inc = str_has_prefix(w, "#include <local/") ? w + 9 : str_has_prefix(w, "include <local/") ? w + 8 : NULL;
			if (inc) {
				buf_append(&fed, p, (size_t)(w - p));
				buf_puts(&fed, "include if exists ");
				buf_append(&fed, inc, n - (size_t)(inc - p));
			} else {
				buf_append(&fed, p, n);
			}
			p += n;
		}
		struct buf err = { 0 };
		int st = run_parser(o->apparmor_parser, o->features_file, fed.data ? fed.data : "", fed.len, &err);
		buf_free(&fed);
		const char *file = facts_shown(f, ff->path);
		if (st == 127 || st < 0) {
			findings_add(out, self, file, 0, "could not run %s", o->apparmor_parser);
		} else if (st != 0) {
			/* "AppArmor parser error for /dev/stdin in profile … at line 3: syntax error, …" */
			const char *msg = err.data ? err.data : "rejected";
			unsigned line = 0;
			const char *at = strstr(msg, " at line ");
			if (at)
				line = (unsigned)strtoul(at + 9, NULL, 10);
			const char *text = at ? strchr(at, ':') : NULL;
			text = text ? text + 1 : msg;
			text += strspn(text, " ");
			findings_add(out, self, file, line, "apparmor_parser: %.*s", (int)strcspn(text, "\n"), text);
		}
		buf_free(&err);
	}
}
