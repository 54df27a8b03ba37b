/* cli: what every subcommand shares: the data directory, option parsing helpers, exit codes.
 * Subcommands are `int cmd_NAME(int argc, char **argv)`, listed in hardenkit.c's table. */
#ifndef HK_CLI_H
#define HK_CLI_H

#include <stdbool.h>

#include "dialect.h"

enum exit_status { EXIT_OK = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2 };

#ifndef HK_VERSION
#define HK_VERSION "0.1.0"
#endif

/* The directory holding dialects/ and the other templates: --datadir, then $HARDENKIT_DATADIR,
 * then the compiled-in default. */
const char *cli_datadir(void);
void cli_set_datadir(const char *dir);

/* Loads DATADIR/dialects; on failure prints the messages and returns false. */
bool cli_load_dialects(struct dialect_set *set);

/* Prints "hardenkit CMD: MESSAGE" and a hint to --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_gen(int argc, char **argv);
int cmd_firewall(int argc, char **argv);
int cmd_dialects(int argc, char **argv);
int cmd_firstboot(int argc, char **argv);
int cmd_exposure(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_observe(int argc, char **argv);

#endif
