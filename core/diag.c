/* diag: collects diagnostics for library code; see diag.h. */
#include "diag.h"
#include "util.h"

#include <stdlib.h>

static const char *const level_names[] = {
	[DIAG_NOTE] = "note",
	[DIAG_WARNING] = "warning",
	[DIAG_ERROR] = "error",
};

const char *diag_level_name(enum diag_level level)
{
	return level_names[level];
}

void diag_init(struct diag *d)
{
	d->msgs = NULL;
	d->n = d->cap = d->errors = 0;
}

static void forget_messages(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->msgs[i].file);
		free(d->msgs[i].text);
	}
	d->n = 0;
}

void diag_free(struct diag *d)
{
	forget_messages(d);
	free(d->msgs);
	diag_init(d);
}

void diag_vadd(struct diag *d, enum diag_level level, const char *file, unsigned line, const char *fmt, va_list ap)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->msgs = xreallocarray(d->msgs, d->cap, sizeof *d->msgs);
	}
	struct diag_msg *m = &d->msgs[d->n++];
	m->level = level;
	m->file = file ? xstrdup(file) : NULL;
	m->line = line;
	m->text = xvasprintf(fmt, ap);
	if (level == DIAG_ERROR)
		d->errors++;
}

void diag_add(struct diag *d, enum diag_level level, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, level, file, line, fmt, ap);
	va_end(ap);
}

void diag_flush(struct diag *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_msg *m = &d->msgs[i];
		if (m->file && m->line)
			fprintf(out, "%s:%u: ", m->file, m->line);
		else if (m->file)
			fprintf(out, "%s: ", m->file);
		else
			fputs("hardenkit: ", out);
		fprintf(out, "%s: %s\n", level_names[m->level], m->text);
	}
	forget_messages(d);
}
