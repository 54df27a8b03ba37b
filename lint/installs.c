/* installs: ucf, cp and install calls in maintainer scripts; see installs.h. Hand-written
 * because it must read shell without running it (a linter never runs a package's scripts, and
 * no library evaluates sh otherwise): literal assignments and for-loops are followed in the
 * order they are written, which is how Debian's postinst scripts name the files they install. */
#include "installs.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "lintdata.h"

/* Bounds against a hostile script (kept scripts are at most 1 MiB each): an expansion longer
 * than a path, a loop list past 16 KiB, a variable past the 256th or an install past the
 * 1024th is not followed. Memory stays under 256 x 16 KiB + 1024 paths per package. */
#define MAX_EXPANSION 4096
#define MAX_LIST_BYTES 16384
#define MAX_VARS 256
#define MAX_INSTALLS 1024

struct var {
	char *name;
	struct strlist values; /* one for an assignment, the list for a loop variable */
	bool known;
};

struct vars {
	struct var *v;
	size_t n;
};

static struct var *var_find(const struct vars *vs, const char *name, size_t len)
{
	for (size_t i = 0; i < vs->n; i++)
		if (strlen(vs->v[i].name) == len && strncmp(vs->v[i].name, name, len) == 0)
			return &vs->v[i];
	return NULL;
}

/* Sets NAME to VALUES (taken over; NULL: no longer known). */
static void var_set(struct vars *vs, const char *name, size_t len, struct strlist *values)
{
	struct var *v = var_find(vs, name, len);
	if (!v && vs->n >= MAX_VARS) {
		if (values)
			strlist_free(values); /* past the bound: left unknown */
		return;
	}
	if (!v) {
		vs->v = xreallocarray(vs->v, vs->n + 1, sizeof *vs->v);
		v = &vs->v[vs->n++];
		*v = (struct var){ .name = xasprintf("%.*s", (int)len, name) };
	}
	strlist_free(&v->values);
	v->known = values != NULL;
	if (values)
		v->values = *values;
	else
		memset(&v->values, 0, sizeof v->values);
}

static size_t ident_length(const char *s)
{
	size_t n = 0;
	if (isalpha((unsigned char)*s) || *s == '_')
		while (isalnum((unsigned char)s[n]) || s[n] == '_')
			n++;
	return n;
}

/* The variable reference at S ("$NAME" or "${NAME}"): its name and its whole length, or 0
 * when S holds none that can be followed ("$1", "$(", a lone "$"). */
static size_t ref_at(const char *s, const char **name, size_t *name_len)
{
	if (s[0] != '$')
		return 0;
	if (s[1] == '{') {
		*name = s + 2;
		*name_len = ident_length(s + 2);
		return *name_len && s[2 + *name_len] == '}' ? *name_len + 3 : 0;
	}
	*name = s + 1;
	*name_len = ident_length(s + 1);
	return *name_len ? *name_len + 1 : 0;
}

/* WORD with its variables replaced; LOOP names the one variable taken at its value LOOP_VALUE.
 * False when a variable is unknown, has several values, or cannot be followed. */
static bool expand(const char *word, const struct vars *vs, const struct var *loop, const char *loop_value,
		   struct buf *out)
{
	out->len = 0;
	buf_append(out, "", 0);
	for (const char *s = word; *s;) {
		if (*s != '$') {
			const char *next = strchr(s, '$');
			size_t n = next ? (size_t)(next - s) : strlen(s);
			buf_append(out, s, n);
			s += n;
			continue;
		}
		const char *name;
		size_t len, whole = ref_at(s, &name, &len);
		if (!whole)
			return false;
		const struct var *v = var_find(vs, name, len);
		if (!v || !v->known)
			return false;
		if (v == loop)
			buf_puts(out, loop_value);
		else if (v->values.n == 1)
			buf_puts(out, v->values.v[0]);
		else
			return false;
		s += whole;
		if (out->len > MAX_EXPANSION)
			return false;
	}
	return out->len <= MAX_EXPANSION;
}

/* The one variable with several values (a loop's) referred to in A or B; NULL if none. *MANY
 * is set when there are two different ones, which this does not follow. */
static const struct var *loop_var(const struct vars *vs, const char *a, const char *b, bool *many)
{
	const struct var *found = NULL;
	*many = false;
	for (const char *w = a; w; w = w == a ? b : NULL) {
		for (const char *s = strchr(w, '$'); s; s = strchr(s + 1, '$')) {
			const char *name;
			size_t len;
			if (!ref_at(s, &name, &len))
				continue;
			const struct var *v = var_find(vs, name, len);
			if (v && v->known && v->values.n > 1) {
				*many |= found && found != v;
				found = v;
			}
		}
	}
	return found;
}

static void record(struct installs *in, const char *src, const char *dest, const char *script, unsigned line)
{
	/* a package file put in /etc; a generated one (in /etc, /tmp, /var) is not ours */
	if (!str_has_prefix(src, "/usr/") || !str_has_prefix(dest, "/etc/") || strstr(src, "/../") ||
	    strstr(dest, "/../") || in->n >= MAX_INSTALLS)
		return;
	in->v = xreallocarray(in->v, in->n + 1, sizeof *in->v);
	in->v[in->n++] = (struct install){ xstrdup(src + 1), xstrdup(dest + 1), xstrdup(script), line };
}

/* The commands that put a package file in place as a config, and how to read their options:
 * which take an argument, and which change the call into something else (a purge, a target
 * directory, a recursive copy), which is then not followed. */
static const struct installer {
	const char *command;
	const char *const with_argument[9]; /* NULL-terminated */
	const char *const refused[9];
} installers[] = {
	{ "ucf", { "--sum-file", "--state-dir", "-s", "--src-dir" }, { "-p", "--purge" } },
	{ "cp", { "-S", "--suffix" }, { "-t", "--target-directory", "-r", "-R", "--recursive", "-s", "--symbolic-link" } },
	{ "install", { "-m", "--mode", "-o", "--owner", "-g", "--group", "-S", "--suffix" },
	  { "-d", "--directory", "-t", "--target-directory" } },
};

/* COMMAND [OPTIONS] SOURCE DESTINATION, from the word after the command to the end of it. */
static void install_call(struct installs *in, const struct installer *how, const struct vars *vs, char **w,
			 size_t n, const char *script, unsigned line)
{
	const char *operand[2];
	size_t ops = 0;
	for (size_t i = 0; i < n && !lint_ends_command(w[i]); i++) {
		if (lint_word_in(how->refused, w[i]))
			return;
		if (lint_word_in(how->with_argument, w[i]))
			i++;
		else if (w[i][0] != '-' && ops < 2)
			operand[ops++] = w[i];
		else if (w[i][0] != '-')
			return; /* more operands: several sources into a directory, not followed */
	}
	if (ops != 2)
		return;
	bool many;
	const struct var *loop = loop_var(vs, operand[0], operand[1], &many);
	if (many)
		return;
	struct buf src = { 0 }, dest = { 0 };
	for (size_t k = 0; k < (loop ? loop->values.n : 1); k++) {
		const char *value = loop ? loop->values.v[k] : NULL;
		if (expand(operand[0], vs, loop, value, &src) && expand(operand[1], vs, loop, value, &dest) &&
		    dest.data[dest.len ? dest.len - 1 : 0] != '/')
			record(in, src.data, dest.data, script, line);
	}
	buf_free(&src);
	buf_free(&dest);
}

/* for NAME in WORDS: NAME takes each word, expanded and split at blanks. */
static size_t for_loop(struct vars *vs, char **w, size_t n)
{
	if (n < 3 || !ident_length(w[1]) || w[1][ident_length(w[1])] || strcmp(w[2], "in") != 0)
		return 1;
	struct strlist values = { 0 };
	bool known = true;
	size_t bytes = 0;
	struct buf x = { 0 };
	size_t i = 3;
	for (; i < n && !lint_ends_command(w[i]); i++) {
		if (!known || !expand(w[i], vs, NULL, NULL, &x) || (bytes += x.len) > MAX_LIST_BYTES) {
			known = false;
			continue;
		}
		char *save = NULL;
		for (char *word = strtok_r(x.data, " \t\n", &save); word; word = strtok_r(NULL, " \t\n", &save))
			strlist_push(&values, word);
	}
	buf_free(&x);
	if (known && values.n) {
		var_set(vs, w[1], strlen(w[1]), &values);
	} else {
		strlist_free(&values);
		var_set(vs, w[1], strlen(w[1]), NULL);
	}
	return i;
}

/* NAME=VALUE (W[0]); NEXT is the word after it, which may open a command substitution. */
static void assignment(struct vars *vs, const char *word, const char *next)
{
	size_t len = ident_length(word);
	struct buf x = { 0 };
	bool substituted = next && (strcmp(next, "$(") == 0 || strcmp(next, "`") == 0);
	if (!substituted && expand(word + len + 1, vs, NULL, NULL, &x)) {
		struct strlist one = { 0 };
		strlist_push(&one, x.data);
		var_set(vs, word, len, &one);
	} else {
		var_set(vs, word, len, NULL);
	}
	buf_free(&x);
}

void installs_scan(struct installs *in, const char *script, const char *text)
{
	struct vars vs = { 0 };
	const char *cursor = text;
	unsigned next_line = 1;
	for (char *first; (first = str_line_dup(&cursor));) {
		unsigned line = next_line++;
		struct buf logical = { 0 };
		buf_puts(&logical, first);
		free(first);
		/* a backslash at the end continues the line */
		while (logical.len && logical.data[logical.len - 1] == '\\') {
			logical.data[--logical.len] = 0;
			char *more = str_line_dup(&cursor);
			if (!more)
				break;
			next_line++;
			buf_puts(&logical, more);
			free(more);
		}
		struct strlist w = { 0 };
		lint_split_words(logical.data, logical.len, &w);
		bool at_command = true;
		for (size_t i = 0; i < w.n; i++) {
			if (lint_opens_command(w.v[i])) {
				at_command = true;
				continue;
			}
			if (!at_command)
				continue;
			size_t len = ident_length(w.v[i]);
			if (len && w.v[i][len] == '=') {
				assignment(&vs, w.v[i], i + 1 < w.n ? w.v[i + 1] : NULL);
				continue; /* VAR=value before a command keeps the command position */
			}
			if (strcmp(w.v[i], "for") == 0) {
				i += for_loop(&vs, w.v + i, w.n - i) - 1;
				continue;
			}
			const char *base = strrchr(w.v[i], '/');
			base = base ? base + 1 : w.v[i];
			for (size_t k = 0; k < sizeof installers / sizeof *installers; k++)
				if (strcmp(base, installers[k].command) == 0)
					install_call(in, &installers[k], &vs, w.v + i + 1, w.n - i - 1, script, line);
			at_command = false;
		}
		strlist_free(&w);
		buf_free(&logical);
	}
	for (size_t i = 0; i < vs.n; i++) {
		free(vs.v[i].name);
		strlist_free(&vs.v[i].values);
	}
	free(vs.v);
}

const struct install *installs_find(const struct installs *in, const char *path)
{
	for (size_t i = 0; i < in->n; i++)
		if (strcmp(in->v[i].src, path) == 0)
			return &in->v[i];
	return NULL;
}

void installs_free(struct installs *in)
{
	for (size_t i = 0; i < in->n; i++) {
		free(in->v[i].src);
		free(in->v[i].dest);
		free(in->v[i].by);
	}
	free(in->v);
	memset(in, 0, sizeof *in);
}
