/* aaprofile: a line reader for profile outlines; see aaprofile.h. Hand-written: libapparmor
 * parses no policy text (only apparmor_parser does, and it is run as the apparmor-invalid
 * oracle); the linter only needs headers, flags and nesting, which sit on one line each. */
#include "aaprofile.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

void aa_profiles_free(struct aa_profiles *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].attach);
		strlist_free(&p->v[i].flags);
	}
	free(p->v);
	memset(p, 0, sizeof *p);
}

bool aa_has_flag(const struct aa_profile *p, const char *flag)
{
	return strlist_contains(&p->flags, flag);
}

/* Reads "flags=(a, b)" or "flags=a" out of a header. */
static void parse_flags(const char *h, struct strlist *out)
{
	const char *f = strstr(h, "flags=");
	if (!f)
		return;
	f += 6;
	while (*f == ' ')
		f++;
	bool paren = *f == '(';
	f += paren;
	while (*f && *f != ')' && *f != '{') {
		size_t n = strcspn(f, paren ? ", \t)" : ", \t{");
		if (n) {
			char *w = xasprintf("%.*s", (int)n, f);
			strlist_push(out, w);
			free(w);
		}
		f += n;
		if (!paren && (*f == ' ' || *f == '\t'))
			break;
		while (*f == ',' || *f == ' ' || *f == '\t')
			f++;
	}
}

static char *word(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
	const char *s = *p;
	if (*s == '"') {
		const char *e = strchr(s + 1, '"');
		if (!e)
			return NULL;
		*p = e + 1;
		return xasprintf("%.*s", (int)(e - s - 1), s + 1);
	}
	while (**p && !isspace((unsigned char)**p) && **p != '{')
		(*p)++;
	return *p > s ? xasprintf("%.*s", (int)(*p - s), s) : NULL;
}

static bool is_attachment(const char *w)
{
	return w && (w[0] == '/' || strncmp(w, "@{", 2) == 0);
}

void aa_parse(const char *text, struct aa_profiles *out)
{
	/* the stack of open blocks: a profile's index, or (size_t)-1 for another block */
	size_t stack[64];
	size_t depth = 0;
	unsigned line = 0;
	const char *cursor = text;
	for (char *l; (l = str_line_dup(&cursor));) {
		line++;
		char *s = l;
		while (*s == ' ' || *s == '\t')
			s++;
		bool include = strncmp(s, "#include", 8) == 0 || strncmp(s, "include", 7) == 0;
		if (!include) {
			char *hash = strchr(s, '#');
			if (hash)
				*hash = 0;
		}
		size_t n = strlen(s);
		while (n && isspace((unsigned char)s[n - 1]))
			s[--n] = 0;
		if (!n) {
			free(l);
			continue;
		}
		size_t owner = depth ? stack[depth - 1] : (size_t)-1;
		if (s[n - 1] == '{') {
			const char *h = s;
			char *first = word(&h);
			struct aa_profile pr = { 0 };
			bool profile = false;
			if (first && (strcmp(first, "profile") == 0 || strcmp(first, "hat") == 0)) {
				pr.name = word(&h);
				char *second = word(&h);
				if (is_attachment(second))
					pr.attach = second;
				else
					free(second);
				if (strcmp(first, "hat") == 0 && pr.name) {
					char *hat = xasprintf("^%s", pr.name);
					free(pr.name);
					pr.name = hat;
				}
				profile = pr.name != NULL;
			} else if (is_attachment(first) || (first && first[0] == '^')) {
				pr.name = xstrdup(first);
				pr.attach = first[0] == '^' ? NULL : xstrdup(first);
				profile = true;
			}
			free(first);
			if (profile) {
				parse_flags(s, &pr.flags);
				pr.line = line;
				pr.depth = (unsigned)depth;
				pr.parent = owner;
				if (out->n == out->cap) {
					out->cap = out->cap ? 2 * out->cap : 8;
					out->v = xreallocarray(out->v, out->cap, sizeof *out->v);
				}
				out->v[out->n++] = pr;
			} else if (owner != (size_t)-1) {
				out->v[owner].rules++; /* a block rule inside a profile (dbus, if, …) */
			}
			if (depth < sizeof stack / sizeof *stack)
				stack[depth++] = profile ? out->n - 1 : (size_t)-1;
		} else if (s[0] == '}') {
			if (depth)
				depth--;
		} else if (owner != (size_t)-1) {
			out->v[owner].rules++;
		}
		free(l);
	}
}
