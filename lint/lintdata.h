/* lintdata: the linter's own data files (templates/lint/): known default credentials, the
 * network clients and firewall switches looked for in shell text; and the scan for them. */
#ifndef HK_LINT_DATA_H
#define HK_LINT_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/diag.h"
#include "../core/util.h"

struct lint_default {
	char *value, *what, *source;
};

struct lint_command {
	char *command, *what;
	struct strlist args, targets;
};

struct lint_commands {
	struct lint_command *v;
	size_t n;
};

struct lint_data {
	struct lint_default *defaults;
	size_t n_defaults;
	struct strlist user_keys;
	struct lint_commands phone_home, firewall_off;
};

/* Loads DATADIR/lint/{default-credentials,commands}.conf; false with FILE:LINE messages in D. */
bool lint_data_load(struct lint_data *ld, const char *datadir, struct diag *d);
void lint_data_free(struct lint_data *ld);
const struct lint_default *lint_data_default(const struct lint_data *ld, const char *value);

/* Finds the rows of CMDS run by shell TEXT; calls FOUND with the 1-based line (plus
 * FIRST_LINE - 1) for each. Reads words, not the shell grammar: a command hidden in a
 * variable or built by eval goes unseen. */
void lint_scan_commands(const struct lint_commands *cmds, const char *text, unsigned first_line,
			void (*found)(void *ctx, unsigned line, const struct lint_command *c, const char *text_line),
			void *ctx);

/* Splits one line of shell into words, operators (; && || | & $( ( ) `) as words of their
 * own; quotes are dropped, a '#' starting a word ends the line. */
void lint_split_words(const char *line, size_t len, struct strlist *out);
/* Whether W is in the NULL-terminated LIST. */
bool lint_word_in(const char *const *list, const char *w);
/* Whether a shell word from lint_split_words puts the next word in command position
 * (";", "then", "sudo", "export", …), or ends the command before it (";", "&&", ")", …). */
bool lint_opens_command(const char *w);
bool lint_ends_command(const char *w);

#endif
