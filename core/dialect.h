/* dialect: the knowledge base of configuration dialects (templates/dialects/NAME.conf):
 * where a daemon's files live, how it spells a listen address, what it does without one. */
#ifndef HK_DIALECT_H
#define HK_DIALECT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "util.h"

enum dialect_syntax {
	SYNTAX_DIRECTIVE,
	SYNTAX_ASSIGN,
	SYNTAX_COLON,
	SYNTAX_INI,
	SYNTAX_BLOCK,
	SYNTAX_TAG,
	SYNTAX_FLAGS,
	SYNTAX_SHELL,
	SYNTAX_LDIF,
	SYNTAX_XML, /* read by the linter only (libxml2); gen writes no XML */
};

/* What a daemon binds when its configuration names no address. */
enum listen_default { LISTEN_DEFAULT_ALL, LISTEN_DEFAULT_LOOPBACK, LISTEN_DEFAULT_UNIX, LISTEN_DEFAULT_NONE };

enum output_method { OUTPUT_INCLUDE_DIR, OUTPUT_INCLUDE_FILE, OUTPUT_WHOLE_FILE };

struct telemetry_key {
	char *key, *value, *what, *source;
};

struct dialect {
	char *file;
	char *name, *description;
	struct strlist daemons, files, sources;
	enum dialect_syntax syntax;
	char *comment;
	char *comment_lead; /* what starts a comment gen writes: comment_lead, else comment's first character */
	bool case_sensitive;
	char *scope_separator; /* block syntax: a key inside blocks is named with theirs ("::"), or NULL */
	struct {
		struct strlist keys, port_keys;
		enum listen_default fallback;
		char *fallback_source;
	} listen;
	bool has_output; /* false: the linter reads these files, gen writes none in them */
	struct {
		enum output_method method;
		char *path, *include_line;
		struct strlist once, tcp, udp, unix_lines;
		struct strlist socket_activation; /* lines that make the daemon take its sockets from systemd */
		struct strlist unprivileged; /* lines for a daemon started as its own user: no drop it cannot do */
	} output;
	struct {
		struct strlist keys;
		char *source;
	} credentials;
	struct telemetry_key *telemetry;
	size_t n_telemetry;
};

struct dialect_set {
	struct dialect **v;
	size_t n;
};

/* Loads and validates one dialect file; NULL (with messages in D) when it is invalid. */
struct dialect *dialect_load(const char *file, struct diag *d);
void dialect_free(struct dialect *dl);

/* Loads every DIR/ *.conf in name order. Returns false when any file is invalid; the valid
 * ones are still in SET. */
bool dialect_set_load(struct dialect_set *set, const char *dir, struct diag *d);
const struct dialect *dialect_set_find(const struct dialect_set *set, const char *name);
void dialect_set_free(struct dialect_set *set);

const char *dialect_syntax_name(enum dialect_syntax s);
const char *listen_default_name(enum listen_default l);
const char *output_method_name(enum output_method m);

#endif
