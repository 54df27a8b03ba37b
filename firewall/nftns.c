/* nftns: libnftables in a throwaway network namespace; see nftns.h.
 *
 * A dry run (nft --check) still talks to the kernel: libnftables sends the batch without its
 * commit message, so the kernel validates it (a jump to a missing chain is found there) and
 * throws it away. Doing that in a namespace of our own makes the check independent of
 * whatever ruleset the build host runs, and lets a real load (for the audit) happen without
 * touching the host's firewall. */
#include "nftns.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <nftables/libnftables.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* Every nftables family a ruleset can hold tables in; a kernel without one of them (no
 * nf_tables_bridge, say) simply gets no sentinel there. */
static const char *const families[] = { "ip", "ip6", "inet", "arp", "bridge", "netdev" };

/* The child's answer is a sequence of records, each "LENGTH\n" followed by that many bytes. */
static void put_record(struct buf *b, const char *s)
{
	s = s ? s : "";
	buf_printf(b, "%zu\n", strlen(s));
	buf_puts(b, s);
}


static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = write_all(fd, text, strlen(text));
	return close(fd) == 0 && ok;
}

/* A network namespace of the child's own. Root creates it directly; anyone else through a
 * user namespace, where the child is root and holds CAP_NET_ADMIN over the new namespace
 * only (nf_tables works in such namespaces). Returns NULL or why it failed. */
static char *enter_netns(void)
{
	if (unshare(CLONE_NEWNET) == 0)
		return NULL;
	int saved = errno;
	if (saved == EPERM && geteuid() != 0) {
		unsigned uid = (unsigned)geteuid(), gid = (unsigned)getegid();
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0) {
			char map[64];
			write_file("/proc/self/setgroups", "deny"); /* absent before Linux 3.19 */
			snprintf(map, sizeof map, "0 %u 1\n", uid);
			bool ok = write_file("/proc/self/uid_map", map);
			snprintf(map, sizeof map, "0 %u 1\n", gid);
			if (ok && write_file("/proc/self/gid_map", map))
				return NULL;
			return xasprintf("cannot map the user namespace: %s", strerror(errno));
		}
		saved = errno;
	}
	return xasprintf("cannot create a network namespace to run libnftables in: %s", strerror(saved));
}

static struct nft_ctx *new_ctx(bool json)
{
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx)
		return NULL;
	nft_ctx_buffer_output(ctx);
	nft_ctx_buffer_error(ctx);
	if (json)
		nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
	return ctx;
}

/* Loads TEXT from a memory file, so that nft's messages about it carry line numbers (text
 * given as a buffer gets none). Returns nft's status; *PATH names the file in messages. */
static int run_text(struct nft_ctx *ctx, const char *text, char **path)
{
	int fd = memfd_create("hardenkit-setup", MFD_CLOEXEC);
	if (fd < 0 || !write_all(fd, text, strlen(text))) {
		if (fd >= 0)
			close(fd);
		*path = NULL;
		return nft_run_cmd_from_buffer(ctx, text);
	}
	*path = xasprintf("/proc/self/fd/%d", fd);
	int rc = nft_run_cmd_from_filename(ctx, *path);
	close(fd);
	return rc;
}

static void child_job(const struct nftns_job *job, struct buf *out)
{
	struct nft_ctx *ctx = new_ctx(false);
	if (!ctx) {
		put_record(out, "0");
		put_record(out, "Error: libnftables: cannot create a context");
		put_record(out, "0");
		put_record(out, "");
		put_record(out, "");
		put_record(out, "");
		put_record(out, "");
		return;
	}
	nft_run_cmd_from_buffer(ctx, "flush ruleset"); /* the namespace is ours: start empty */
	nft_ctx_get_error_buffer(ctx);

	struct buf sentinels = { 0 };
	for (size_t i = 0; job->sentinels && i < sizeof families / sizeof *families; i++) {
		char *cmd = xasprintf("add table %s " NFTNS_SENTINEL, families[i]);
		if (nft_run_cmd_from_buffer(ctx, cmd) == 0)
			buf_printf(&sentinels, "%s%s", sentinels.len ? " " : "", families[i]);
		free(cmd);
		nft_ctx_get_error_buffer(ctx);
	}

	bool setup_ok = true;
	char *setup_path = NULL;
	if (job->setup) {
		setup_ok = run_text(ctx, job->setup, &setup_path) == 0;
		put_record(out, setup_ok ? "1" : "0");
		put_record(out, nft_ctx_get_error_buffer(ctx));
	} else {
		put_record(out, "1");
		put_record(out, "");
	}
	put_record(out, setup_path);
	free(setup_path);

	bool ok = false;
	if (setup_ok) {
		nft_ctx_set_dry_run(ctx, job->dry_run);
		nft_ctx_clear_include_paths(ctx);
		for (size_t i = 0; job->include_paths && i < job->include_paths->n; i++)
			nft_ctx_add_include_path(ctx, job->include_paths->v[i]);
		ok = nft_run_cmd_from_filename(ctx, job->file) == 0;
		put_record(out, ok ? "1" : "0");
		put_record(out, nft_ctx_get_error_buffer(ctx));
	} else {
		put_record(out, "0");
		put_record(out, "");
	}
	nft_ctx_free(ctx);

	if (job->list && ok && (ctx = new_ctx(true))) {
		if (nft_run_cmd_from_buffer(ctx, "list ruleset") == 0)
			put_record(out, nft_ctx_get_output_buffer(ctx));
		else
			put_record(out, "");
		nft_ctx_free(ctx);
	} else {
		put_record(out, "");
	}
	put_record(out, sentinels.data);
	buf_free(&sentinels);
}

static void child(int fd, const struct nftns_job *jobs, size_t n)
{
	struct buf out = { 0 };
	char *why = enter_netns();
	put_record(&out, why);
	for (size_t i = 0; !why && i < n; i++)
		child_job(&jobs[i], &out);
	write_all(fd, out.data, out.len);
	/* _exit: the parent's stdio buffers and exit handlers are the parent's alone */
	_exit(why ? 1 : 0);
}

/* Reads one record at *P (within END); NULL when the answer is cut short. */
static char *get_record(const char **p, const char *end)
{
	char *nl = memchr(*p, '\n', (size_t)(end - *p));
	if (!nl)
		return NULL;
	char *stop;
	unsigned long long len = strtoull(*p, &stop, 10);
	if (stop != nl || len > (unsigned long long)(end - nl - 1))
		return NULL;
	char *s = xmalloc((size_t)len + 1);
	memcpy(s, nl + 1, (size_t)len);
	s[len] = '\0';
	*p = nl + 1 + len;
	return s;
}

/* TEXT with every FROM replaced by TO; TEXT is freed. */
static char *replace_all(char *text, const char *from, const char *to)
{
	if (!from || !*from || !strstr(text, from))
		return text;
	struct buf b = { 0 };
	const char *p = text, *hit;
	while ((hit = strstr(p, from))) {
		buf_append(&b, p, (size_t)(hit - p));
		buf_puts(&b, to);
		p = hit + strlen(from);
	}
	buf_puts(&b, p);
	free(text);
	return b.data;
}

static bool parse_answer(const char *p, const char *end, const struct nftns_job *jobs, size_t n,
			 struct nftns_result *res)
{
	for (size_t i = 0; i < n; i++) {
		char *f[7];
		size_t got = 0;
		while (got < 7 && (f[got] = get_record(&p, end)))
			got++;
		if (got < 7) {
			for (size_t k = 0; k < got; k++)
				free(f[k]);
			return false;
		}
		struct nftns_result *r = &res[i];
		r->setup_ok = strcmp(f[0], "1") == 0;
		r->setup_errors = replace_all(f[1], f[2], jobs[i].setup_name ? jobs[i].setup_name : "setup");
		r->ok = strcmp(f[3], "1") == 0;
		r->errors = f[4];
		r->json = *f[5] ? f[5] : NULL;
		if (!r->json)
			free(f[5]);
		char *save, *w;
		for (w = strtok_r(f[6], " ", &save); w; w = strtok_r(NULL, " ", &save))
			strlist_push(&r->sentinels, w);
		free(f[0]);
		free(f[2]);
		free(f[3]);
		free(f[6]);
	}
	return true;
}

bool nftns_run(const struct nftns_job *jobs, size_t n, struct nftns_result *results, struct diag *d)
{
	for (size_t i = 0; i < n; i++)
		results[i] = (struct nftns_result){ 0 };
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		diag_error(d, NULL, 0, "cannot create a pipe: %s", strerror(errno));
		return false;
	}
	fflush(NULL); /* nothing buffered is written twice */
	pid_t pid = fork();
	if (pid < 0) {
		diag_error(d, NULL, 0, "cannot fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return false;
	}
	if (pid == 0) {
		close(pipefd[0]);
		child(pipefd[1], jobs, n);
	}
	close(pipefd[1]);

	struct buf answer = { 0 };
	char chunk[65536];
	ssize_t got;
	while ((got = read(pipefd[0], chunk, sizeof chunk)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		buf_append(&answer, chunk, (size_t)got);
	}
	close(pipefd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;

	const char *p = answer.data ? answer.data : "", *end = p + answer.len;
	char *why = get_record(&p, end);
	bool ok = false;
	if (WIFSIGNALED(status))
		diag_error(d, NULL, 0, "the libnftables child died of signal %d (%s)", WTERMSIG(status),
			   strsignal(WTERMSIG(status)));
	else if (!why)
		diag_error(d, NULL, 0, "the libnftables child gave no answer (exit status %d)",
			   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else if (*why)
		diag_error(d, NULL, 0, "%s", why);
	else if (!(ok = parse_answer(p, end, jobs, n, results)))
		diag_error(d, NULL, 0, "the libnftables child's answer was cut short");
	free(why);
	buf_free(&answer);
	return ok;
}

void nftns_result_free(struct nftns_result *r)
{
	free(r->setup_errors);
	free(r->errors);
	free(r->json);
	strlist_free(&r->sentinels);
	*r = (struct nftns_result){ 0 };
}

/* Parses "FILE:LINE:COL-COL: Error: MESSAGE" (COL-COL may span lines as COL-LINE:COL in
 * other versions; only FILE and LINE matter here). Returns the message, or NULL. */
static const char *parse_location(const char *line, char **file, unsigned *lineno, unsigned *c1, unsigned *c2)
{
	static const char *const tags[] = { ": Error: ", ": Warning: " };
	const char *tag = NULL, *msg = NULL;
	for (size_t i = 0; i < 2 && !tag; i++)
		if ((tag = strstr(line, tags[i])))
			msg = tag + strlen(tags[i]);
	if (!tag)
		return NULL;
	/* walk back over ":LINE:COL-COL" */
	const char *p = tag;
	unsigned colons = 0;
	while (p > line && colons < 2) {
		p--;
		if (*p == ':')
			colons++;
		else if (!strchr("0123456789-", *p))
			return NULL;
	}
	if (colons < 2 || p == line)
		return NULL;
	if (sscanf(p, ":%u:%u-%u", lineno, c1, c2) < 2)
		return NULL;
	*file = xasprintf("%.*s", (int)(p - line), line);
	return msg;
}

static char *renamed(const char *file, const struct nftns_rename *map, size_t n_map)
{
	for (size_t i = 0; i < n_map; i++) {
		size_t len = strlen(map[i].from);
		if (strncmp(file, map[i].from, len) == 0)
			return xasprintf("%s%s", map[i].to, file + len);
	}
	return xstrdup(file);
}

static void add_once(struct diag *d, struct strlist *seen, const char *file, unsigned line, const char *msg)
{
	char *key = xasprintf("%s:%u:%s", file ? file : "", line, msg);
	if (!seen || !strlist_contains(seen, key)) {
		diag_error(d, file, line, "%s", msg);
		if (seen)
			strlist_push(seen, key);
	}
	free(key);
}

static bool is_caret_line(const char *s)
{
	return strchr(s, '^') && strspn(s, " \t^") == strlen(s);
}

/* The marked part of SOURCE: nft prints the source line, then carets under the columns it
 * means (a tab under a tab). It makes a message like "No such file or directory" say what
 * was not found. NULL when there is none. */
static char *marked_text(const char *source, const char *carets)
{
	size_t from = (size_t)(strchr(carets, '^') - carets);
	size_t to = (size_t)(strrchr(carets, '^') - carets) + 1;
	if (to > strlen(source))
		return NULL;
	return xasprintf("%.*s", (int)(to - from), source + from);
}

/* Whether WORD occurs in TEXT as a whole word ("inet" in "unexpected inet", not "s" in "such"). */
static bool has_word(const char *text, const char *word)
{
	size_t len = strlen(word);
	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
		bool starts = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		bool ends = !(isalnum((unsigned char)p[len]) || p[len] == '_');
		if (starts && ends)
			return true;
	}
	return false;
}

size_t nftns_errors(const char *errors, const struct nftns_rename *map, size_t n_map, const char *fallback,
		    struct strlist *seen, struct diag *d)
{
	size_t found = 0;
	struct strlist lines = { 0 };
	const char *p = errors ? errors : "";
	while (*p) {
		size_t len = strcspn(p, "\n");
		char *line = xasprintf("%.*s", (int)len, p);
		strlist_push(&lines, line);
		free(line);
		p += len + (p[len] == '\n');
	}
	for (size_t i = 0; i < lines.n; i++) {
		const char *line = lines.v[i];
		char *file = NULL;
		unsigned lineno = 0, c1 = 0, c2 = 0;
		const char *msg = strncmp(line, "In file included from", 21) == 0 ? NULL
				  : parse_location(line, &file, &lineno, &c1, &c2);
		const char *bare = msg ? NULL : strstr(line, "Error: ");
		if (!msg && !bare)
			continue; /* "In file included from …" and anything else nft says around */
		char *text = xstrdup(msg ? msg : bare + strlen("Error: "));
		if (i + 2 < lines.n && is_caret_line(lines.v[i + 2])) {
			const char *source = lines.v[i + 1];
			char *marked = marked_text(source, lines.v[i + 2]);
			if (marked && *marked && !has_word(text, marked)) {
				/* the kernel answers a jump to a missing chain with ENOENT alone */
				size_t at = (size_t)(strchr(lines.v[i + 2], '^') - lines.v[i + 2]);
				bool jump = at >= 5 && (strncmp(source + at - 5, "jump ", 5) == 0 ||
							strncmp(source + at - 5, "goto ", 5) == 0);
				char *longer = jump ? xasprintf("%s (%.4s %s: no such chain)", text, source + at - 5, marked)
						    : xasprintf("%s (at '%s')", text, marked);
				free(text);
				text = longer;
			}
			free(marked);
			i += 2;
		}
		char *name = msg ? renamed(file, map, n_map) : NULL;
		add_once(d, seen, msg ? name : fallback, lineno, text);
		found++;
		free(name);
		free(text);
		free(file);
	}
	strlist_free(&lines);
	return found;
}
