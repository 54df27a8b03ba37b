/* diag: collects diagnostics (file, line, level, message) for library code.
 * Library code only records; main and subcommand entry points print and pick the exit status. */
#ifndef HK_DIAG_H
#define HK_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum diag_level { DIAG_NOTE, DIAG_WARNING, DIAG_ERROR };

struct diag_msg {
	enum diag_level level;
	char *file; /* may be NULL */
	unsigned line; /* 0: no line */
	char *text;
};

struct diag {
	struct diag_msg *msgs;
	size_t n, cap;
	size_t errors;
};

void diag_init(struct diag *d);
void diag_free(struct diag *d);
void diag_add(struct diag *d, enum diag_level level, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void diag_vadd(struct diag *d, enum diag_level level, const char *file, unsigned line, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
#define diag_error(d, file, line, ...) diag_add((d), DIAG_ERROR, (file), (line), __VA_ARGS__)
/* Prints every message as "FILE:LINE: level: text" in the order recorded, then forgets them. */
void diag_flush(struct diag *d, FILE *out);
const char *diag_level_name(enum diag_level level);

#endif
