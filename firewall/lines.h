/* lines: where the statements of an nft ruleset file sit (chains, their rules and policy,
 * set elements, `flush ruleset`), so that findings judged from JSON can name a line. */
#ifndef HK_FW_LINES_H
#define HK_FW_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "ruleset.h"

struct fw_chain_lines {
	char *family, *table, *name;
	unsigned line, policy_line; /* 0: not in this file */
	unsigned *rules; /* the line of each rule, in the order the file adds them */
	size_t n_rules;
	bool ordered; /* false: insert/replace/positions make the order differ from the listing's */
};

struct fw_set_lines {
	char *family, *table, *name;
	unsigned line; /* where the file first adds elements to it */
};

struct fw_lines {
	unsigned flush_line; /* the first `flush ruleset` */
	unsigned delete_base_line; /* the first `delete table inet hardenkit` */
	struct fw_chain_lines *chains;
	size_t n_chains;
	struct fw_set_lines *sets;
	size_t n_sets;
};

/* The chain's lines, or NULL when the file does not mention it. */
const struct fw_chain_lines *fw_lines_chain(const struct fw_lines *l, const char *fam, const char *table,
					    const char *name);
/* Where the file adds elements to a set, or 0. */
unsigned fw_lines_set(const struct fw_lines *l, const char *fam, const char *table, const char *name);

#endif
