/* observe: the `observe` subcommand: options, one observe-run (DATADIR/observe/observe-run) per
 * package, its records judged (judge.c) and written by lint's reporters, the exit status (0 no
 * error-level finding, 1 some, 2 usage, unreadable input or a package that could not be observed). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/cli.h"
#include "../core/util.h"
#include "judge.h"

extern char **environ;

static void usage(FILE *out)
{
	fputs("Usage: hardenkit observe --root DIR [OPTIONS] PKG.deb…\n\n"
	      "Installs each package as apt would (debconf defaults, maintainer scripts run) into an\n"
	      "overlay of a Debian root, boots it under systemd in namespaces of its own whose only\n"
	      "link is a recording peer, and reports what it listens on, what it tries to reach and\n"
	      "as whom it runs, with the linter's rule ids (listen-public, phone-home). Root only.\n\n"
	      "Options:\n"
	      "  --root DIR         the Debian 12 root to install into (never written; an overlay is\n"
	      "                     booted): debootstrap with systemd, systemd-sysv, dbus, iproute2\n"
	      "                     (tools/boot-root builds one)\n"
	      "  --debs DIR         the archives dependencies are installed from (tools/observe-fetch\n"
	      "                     fills it); nothing is downloaded\n"
	      "  --window SECONDS   how long to watch after boot, after starting what the package\n"
	      "                     ships but did not enable, and after each timer (default 10)\n"
	      "  --keep DIR         keep each run's files (upper layer, logs, records) in DIR/N\n"
	      "  --replay           the arguments are records kept by --keep (DIR/N/records): judge\n"
	      "                     and report them again, without installing or booting\n"
	      "  -f, --format FMT   text (default), json, sarif or tap\n"
	      "  -h, --help         show this help\n\n"
	      "Exit status: 0 nothing at error level, 1 at least one error-level finding, 2 usage\n"
	      "error, or a package that could not be installed, booted or observed.\n",
	      out);
}

/* --replay: the records of an earlier run (WORK/records), judged again without booting. */
static bool read_records(const char *path, struct obs_records *rs, char **error)
{
	FILE *in = fopen(path, "r");
	if (!in) {
		*error = xasprintf("cannot read %s: %s", path, strerror(errno));
		return false;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0;
	bool good = true;
	while ((len = getline(&line, &cap, in)) > 0) {
		lineno++;
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		if (!strchr(line, '\t')) {
			*error = xasprintf("%s:%u: not an observe record (KIND<TAB>FIELD…)", path, lineno);
			good = false;
			break;
		}
		obs_records_add(rs, line);
	}
	free(line);
	fclose(in);
	return good;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

/* Runs observe-run for DEB, its standard output read into RS; its standard error goes to
 * WORK/observe.log. False (RS holds an error record) when it could not be run at all. */
static bool run_one(const char *script, const char *root, const char *debs, const char *window, const char *work,
		    const char *deb, struct obs_records *rs)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return false;
	char *log = xasprintf("%s/observe.log", work);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	char *argv[] = { (char *)"/bin/sh", (char *)script, (char *)root, (char *)debs, (char *)window,
			 (char *)work, (char *)deb, NULL };
	pid_t pid;
	int err = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		char *m = xasprintf("error\tcannot run /bin/sh %s: %s", script, strerror(err));
		obs_records_add(rs, m);
		free(m);
		free(log);
		return false;
	}
	/* the records are kept beside the run's other files: --replay judges them again */
	char *rpath = xasprintf("%s/records", work);
	FILE *in = fdopen(pipefd[0], "r"), *copy = fopen(rpath, "w");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while (in && (len = getline(&line, &cap, in)) > 0) {
		if (copy)
			fputs(line, copy);
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		obs_records_add(rs, line);
	}
	free(line);
	if (in)
		fclose(in);
	if (copy)
		fclose(copy);
	free(rpath);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	bool has_error = false;
	for (size_t i = 0; i < rs->n; i++)
		has_error |= strcmp(rs->v[i].kind, "error") == 0;
	if (!has_error && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		char *m = xasprintf("error\tobserve-run ended with status %d before its records were complete (see %s)",
				    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), log);
		obs_records_add(rs, m);
		free(m);
	}
	free(log);
	return true;
}

/* Writes the report of RS (N results) and frees them; returns the exit status. */
static int finish(struct lint_result *results, size_t n, enum report_format fmt)
{
	int status = EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		if (results[i].error)
			status = EXIT_USAGE;
		else if (findings_errors(&results[i].findings) && status == EXIT_OK)
			status = EXIT_FINDINGS;
	}
	report_write_rules(stdout, fmt, observe_rules, results, n, NULL, fmt == REPORT_TEXT && isatty(1) && !getenv("NO_COLOR"));
	for (size_t i = 0; i < n; i++) {
		if (results[i].error)
			fprintf(stderr, "hardenkit observe: %s: %s\n", results[i].path, results[i].error);
		lint_result_free(&results[i]);
	}
	free(results);
	return status;
}

static int replay_records(char **paths, size_t n, enum report_format fmt)
{
	struct lint_result *results = xcalloc(n, sizeof *results);
	for (size_t i = 0; i < n; i++) {
		struct obs_records rs = { 0 };
		results[i].path = xstrdup(paths[i]);
		results[i].index = -1; /* no --shard here */
		results[i].essential = -1;
		char *error = NULL;
		if (read_records(paths[i], &rs, &error))
			observe_judge(&rs, &results[i]);
		else
			results[i].error = error;
		obs_records_free(&rs);
	}
	return finish(results, n, fmt);
}

int cmd_observe(int argc, char **argv)
{
	static const struct option options[] = {
		{ "root", required_argument, NULL, 'r' },   { "debs", required_argument, NULL, 'd' },
		{ "window", required_argument, NULL, 'w' }, { "keep", required_argument, NULL, 'k' },
		{ "format", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ "replay", no_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root = NULL, *debs = NULL, *window = "10", *keep = NULL;
	bool replay = false;
	enum report_format fmt = REPORT_TEXT;
	int opt;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
		switch (opt) {
		case 'r':
			root = optarg;
			break;
		case 'd':
			debs = optarg;
			break;
		case 'w': {
			char *end;
			long w = strtol(optarg, &end, 10);
			if (*end || w < 1 || w > 600)
				return cli_usage_error("observe", "--window: '%s' is not a number of seconds from 1 to 600", optarg);
			window = optarg;
			break;
		}
		case 'k':
			keep = optarg;
			break;
		case 'R':
			replay = true;
			break;
		case 'f':
			if (!report_format_parse(optarg, &fmt))
				return cli_usage_error("observe", "unknown format '%s' (text, json, sarif, tap)", optarg);
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			fputs("Try 'hardenkit observe --help'.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return cli_usage_error("observe", "no package given");
	if (replay)
		return replay_records(argv + optind, (size_t)(argc - optind), fmt);
	if (!root)
		return cli_usage_error("observe", "--root DIR is required (tools/boot-root builds one)");
	char *sd = xasprintf("%s/lib/systemd/systemd", root);
	bool bootable = access(sd, X_OK) == 0;
	free(sd);
	if (!bootable) {
		fprintf(stderr, "hardenkit observe: %s: not a bootable root (no lib/systemd/systemd)\n", root);
		return EXIT_USAGE;
	}
	struct stat st;
	if (debs && (stat(debs, &st) != 0 || !S_ISDIR(st.st_mode))) {
		fprintf(stderr, "hardenkit observe: %s: not a directory\n", debs);
		return EXIT_USAGE;
	}
	if (geteuid() != 0) {
		fputs("hardenkit observe: must run as root (overlayfs, namespaces, veth)\n", stderr);
		return EXIT_USAGE;
	}
	char *script = xasprintf("%s/observe/observe-run", cli_datadir());
	if (access(script, R_OK) != 0) {
		fprintf(stderr, "hardenkit observe: %s: %s\n", script, strerror(errno));
		free(script);
		return EXIT_USAGE;
	}
	char *nodebs = NULL;
	if (!debs) { /* no archives: dependencies must already be in the root */
		nodebs = xstrdup("/tmp/hk-observe-nodebs.XXXXXX");
		if (!mkdtemp(nodebs)) {
			fprintf(stderr, "hardenkit observe: cannot make a directory in /tmp: %s\n", strerror(errno));
			free(nodebs);
			free(script);
			return EXIT_USAGE;
		}
		debs = nodebs;
	}
	size_t n = (size_t)(argc - optind);
	struct lint_result *results = xcalloc(n, sizeof *results);
	for (size_t i = 0; i < n; i++) {
		struct lint_result *r = &results[i];
		const char *deb = argv[optind + (int)i];
		r->path = xstrdup(deb);
		r->index = -1; /* no --shard here */
		r->essential = -1;
		if (access(deb, R_OK) != 0) {
			r->error = xasprintf("cannot read %s: %s", deb, strerror(errno));
			continue;
		}
		char *work = keep ? xasprintf("%s/%zu", keep, i + 1) : xstrdup("/tmp/hk-observe.XXXXXX");
		bool made = keep ? (mkdir(keep, 0700) == 0 || errno == EEXIST) && mkdir(work, 0700) == 0 : mkdtemp(work) != NULL;
		if (!made) {
			r->error = xasprintf("cannot make the run's directory %s: %s", work, strerror(errno));
			free(work);
			continue;
		}
		struct obs_records rs = { 0 };
		run_one(script, root, debs, window, work, deb, &rs);
		observe_judge(&rs, r);
		obs_records_free(&rs);
		if (keep) {
			fprintf(stderr, "hardenkit observe: %s: kept in %s\n", deb, work);
		} else {
			nftw(work, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
		}
		free(work);
	}
	if (nodebs) {
		rmdir(nodebs);
		free(nodebs);
	}
	free(script);
	return finish(results, n, fmt);
}
