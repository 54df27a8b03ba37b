/* cli: shared subcommand plumbing; see cli.h. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef HK_DATADIR
#define HK_DATADIR "/usr/local/share/hardenkit"
#endif

static const char *datadir_option;

void cli_set_datadir(const char *dir)
{
	datadir_option = dir;
}

const char *cli_datadir(void)
{
	if (datadir_option)
		return datadir_option;
	const char *env = getenv("HARDENKIT_DATADIR");
	return env && *env ? env : HK_DATADIR;
}

bool cli_load_dialects(struct dialect_set *set)
{
	struct diag d;
	diag_init(&d);
	char *dir = xasprintf("%s/dialects", cli_datadir());
	bool ok = dialect_set_load(set, dir, &d);
	free(dir);
	diag_flush(&d, stderr);
	diag_free(&d);
	return ok;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "hardenkit %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'hardenkit %s --help'.\n", cmd);
	return EXIT_USAGE;
}
