/* lines: where the statements of an nft ruleset file are, for pointing findings at a line.
 * A small tokenizer, not a parser: it follows table, chain and set blocks and top-level
 * commands; whatever it cannot place simply has no line. The audit never judges from it. */
#include "audit.h"
#include "lines.h"

#include <stdlib.h>
#include <string.h>

static const char *const families[] = { "ip", "ip6", "inet", "arp", "bridge", "netdev", NULL };

static bool is_family(const char *w)
{
	for (size_t i = 0; families[i]; i++)
		if (strcmp(w, families[i]) == 0)
			return true;
	return false;
}

enum tok_kind { TOK_WORD, TOK_LBRACE, TOK_RBRACE, TOK_END /* ; or newline */ };
struct token {
	enum tok_kind kind;
	char *text;
	unsigned line;
};

static void push_token(struct token **v, size_t *n, enum tok_kind kind, const char *s, size_t len, unsigned line)
{
	*v = xreallocarray(*v, *n + 1, sizeof **v);
	(*v)[(*n)++] = (struct token){ kind, s ? xasprintf("%.*s", (int)len, s) : NULL, line };
}

static size_t tokenize(const char *p, struct token **out)
{
	size_t n = 0;
	unsigned line = 1;
	*out = NULL;
	while (*p) {
		if (*p == '#') {
			p += strcspn(p, "\n");
		} else if (*p == '\n' || *p == ';') {
			push_token(out, &n, TOK_END, NULL, 0, line);
			line += *p == '\n';
			p++;
		} else if (*p == '{' || *p == '}') {
			push_token(out, &n, *p == '{' ? TOK_LBRACE : TOK_RBRACE, NULL, 0, line);
			p++;
		} else if (*p == '"') {
			const char *end = strchr(p + 1, '"');
			size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
			push_token(out, &n, TOK_WORD, p + 1, len, line);
			for (const char *q = p + 1; q < p + 1 + len; q++)
				line += *q == '\n';
			p += len + 1 + (end != NULL);
		} else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\\') {
			p++;
		} else {
			size_t len = strcspn(p, " \t\r\n;{}#\"");
			push_token(out, &n, TOK_WORD, p, len, line);
			p += len;
		}
	}
	return n;
}

static struct fw_chain_lines *find_chain(struct fw_lines *l, const char *fam, const char *table, const char *name)
{
	for (size_t i = 0; i < l->n_chains; i++) {
		struct fw_chain_lines *c = &l->chains[i];
		if (strcmp(c->family, fam) == 0 && strcmp(c->table, table) == 0 && strcmp(c->name, name) == 0)
			return c;
	}
	l->chains = xreallocarray(l->chains, l->n_chains + 1, sizeof *l->chains);
	struct fw_chain_lines *c = &l->chains[l->n_chains++];
	*c = (struct fw_chain_lines){ xstrdup(fam), xstrdup(table), xstrdup(name), 0, 0, NULL, 0, true };
	return c;
}

static void note_set(struct fw_lines *l, const char *fam, const char *table, const char *name, unsigned line)
{
	for (size_t i = 0; i < l->n_sets; i++)
		if (strcmp(l->sets[i].family, fam) == 0 && strcmp(l->sets[i].table, table) == 0 &&
		    strcmp(l->sets[i].name, name) == 0)
			return; /* the first place that adds elements */
	l->sets = xreallocarray(l->sets, l->n_sets + 1, sizeof *l->sets);
	l->sets[l->n_sets++] = (struct fw_set_lines){ xstrdup(fam), xstrdup(table), xstrdup(name), line };
}

static void add_rule_line(struct fw_chain_lines *c, unsigned line)
{
	c->rules = xreallocarray(c->rules, c->n_rules + 1, sizeof *c->rules);
	c->rules[c->n_rules++] = line;
}

enum ctx_kind { CTX_TOP, CTX_TABLE, CTX_CHAIN, CTX_SET, CTX_OTHER };
struct ctx {
	enum ctx_kind kind;
	const char *family, *table; /* borrowed from the tokens */
	struct fw_chain_lines *chain;
	const char *set;
};

/* A statement's words: W[0..N). */
struct stmt {
	char **w;
	size_t n;
	unsigned line;
};

/* "[add|create] KEYWORD [FAMILY] A B C": skips the verb, returns the words after KEYWORD
 * with the family resolved (nft's default is ip), or false. */
static bool object_words(const struct stmt *s, const char *keyword, const char **fam, const char **names,
			 size_t want)
{
	size_t i = 0;
	if (i < s->n && (strcmp(s->w[i], "add") == 0 || strcmp(s->w[i], "create") == 0 ||
			 strcmp(s->w[i], "insert") == 0 || strcmp(s->w[i], "delete") == 0 ||
			 strcmp(s->w[i], "destroy") == 0))
		i++;
	if (i >= s->n || strcmp(s->w[i], keyword) != 0)
		return false;
	i++;
	*fam = "ip";
	if (i < s->n && is_family(s->w[i]))
		*fam = s->w[i++];
	if (s->n - i < want)
		return false;
	for (size_t k = 0; k < want; k++)
		names[k] = s->w[i + k];
	return true;
}

static void top_statement(struct fw_lines *l, const struct stmt *s)
{
	const char *fam, *names[3];
	if (s->n >= 2 && strcmp(s->w[0], "flush") == 0 && strcmp(s->w[1], "ruleset") == 0) {
		if (!l->flush_line)
			l->flush_line = s->line;
	} else if ((strcmp(s->w[0], "delete") == 0 || strcmp(s->w[0], "destroy") == 0) &&
		   object_words(s, "table", &fam, names, 1)) {
		if (!l->delete_base_line && strcmp(fam, FW_FAMILY) == 0 && strcmp(names[0], FW_TABLE) == 0)
			l->delete_base_line = s->line;
	} else if (object_words(s, "rule", &fam, names, 3)) {
		struct fw_chain_lines *c = find_chain(l, fam, names[0], names[1]);
		/* insert, replace and positions break the order the JSON listing shows */
		if (strcmp(s->w[0], "insert") == 0 || strcmp(s->w[0], "replace") == 0 || strcmp(names[2], "position") == 0 ||
		    strcmp(names[2], "index") == 0 || strcmp(names[2], "handle") == 0)
			c->ordered = false;
		add_rule_line(c, s->line);
	} else if (object_words(s, "element", &fam, names, 2)) {
		note_set(l, fam, names[0], names[1], s->line);
	} else if (strcmp(s->w[0], "delete") != 0 && object_words(s, "chain", &fam, names, 2)) {
		struct fw_chain_lines *c = find_chain(l, fam, names[0], names[1]);
		if (!c->line)
			c->line = s->line;
	}
}

static void chain_statement(struct ctx *c, const struct stmt *s)
{
	static const char *const properties[] = { "type", "comment", "devices", "device", "priority", NULL };
	for (size_t i = 0; properties[i]; i++)
		if (strcmp(s->w[0], properties[i]) == 0)
			return;
	if (strcmp(s->w[0], "policy") == 0)
		c->chain->policy_line = s->line;
	else
		add_rule_line(c->chain, s->line);
}

/* The context a '{' after statement S opens inside TOP, or false when the brace is part of
 * the statement (an anonymous set, a verdict map, a list of elements). */
static bool opens_block(struct fw_lines *l, const struct ctx *top, const struct stmt *s, struct ctx *next)
{
	const char *fam, *names[3];
	*next = (struct ctx){ CTX_OTHER, top->family, top->table, NULL, NULL };
	switch (top->kind) {
	case CTX_TOP:
		if (object_words(s, "table", &fam, names, 1)) {
			*next = (struct ctx){ CTX_TABLE, fam, names[0], NULL, NULL };
		} else if (object_words(s, "chain", &fam, names, 2)) {
			*next = (struct ctx){ CTX_CHAIN, fam, names[0], find_chain(l, fam, names[0], names[1]), NULL };
			if (!next->chain->line)
				next->chain->line = s->line;
		} else if (object_words(s, "set", &fam, names, 2) || object_words(s, "map", &fam, names, 2)) {
			*next = (struct ctx){ CTX_SET, fam, names[0], NULL, names[1] };
		} else {
			return false;
		}
		return true;
	case CTX_TABLE:
		if (s->n >= 2 && strcmp(s->w[0], "chain") == 0) {
			next->kind = CTX_CHAIN;
			next->chain = find_chain(l, top->family, top->table, s->w[1]);
			if (!next->chain->line)
				next->chain->line = s->line;
		} else if (s->n >= 2 && (strcmp(s->w[0], "set") == 0 || strcmp(s->w[0], "map") == 0)) {
			next->kind = CTX_SET;
			next->set = s->w[1];
		}
		return true;
	case CTX_OTHER:
		return true;
	case CTX_CHAIN:
	case CTX_SET:
		return false;
	}
	return false;
}

static void finish(struct fw_lines *l, struct ctx *c, struct stmt *s)
{
	if (s->n) {
		if (c->kind == CTX_TOP)
			top_statement(l, s);
		else if (c->kind == CTX_CHAIN)
			chain_statement(c, s);
		else if (c->kind == CTX_SET && strcmp(s->w[0], "elements") == 0)
			note_set(l, c->family, c->table, c->set, s->line);
	}
	s->n = 0;
}

struct fw_lines *fw_lines_parse(const char *text)
{
	struct fw_lines *l = xcalloc(1, sizeof *l);
	struct token *t;
	size_t n = tokenize(text, &t);
	struct ctx stack[32] = { { CTX_TOP, NULL, NULL, NULL, NULL } };
	size_t depth = 0;
	unsigned inline_depth = 0;
	struct stmt s = { xcalloc(n + 1, sizeof *s.w), 0, 0 };
	for (size_t i = 0; i < n; i++) {
		switch (t[i].kind) {
		case TOK_WORD:
			if (inline_depth == 0) {
				if (!s.n)
					s.line = t[i].line;
				s.w[s.n++] = t[i].text;
			}
			break;
		case TOK_LBRACE:
			if (inline_depth == 0 && depth + 1 < sizeof stack / sizeof *stack &&
			    opens_block(l, &stack[depth], &s, &stack[depth + 1])) {
				depth++;
				s.n = 0;
			} else {
				inline_depth++;
			}
			break;
		case TOK_RBRACE:
			if (inline_depth) {
				inline_depth--;
			} else {
				finish(l, &stack[depth], &s);
				if (depth)
					depth--;
			}
			break;
		case TOK_END:
			if (inline_depth == 0)
				finish(l, &stack[depth], &s);
			break;
		}
	}
	finish(l, &stack[depth], &s);
	for (size_t i = 0; i < n; i++)
		free(t[i].text);
	free(t);
	free(s.w);
	return l;
}

void fw_lines_free(struct fw_lines *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n_chains; i++) {
		free(l->chains[i].family);
		free(l->chains[i].table);
		free(l->chains[i].name);
		free(l->chains[i].rules);
	}
	for (size_t i = 0; i < l->n_sets; i++) {
		free(l->sets[i].family);
		free(l->sets[i].table);
		free(l->sets[i].name);
	}
	free(l->chains);
	free(l->sets);
	free(l);
}

const struct fw_chain_lines *fw_lines_chain(const struct fw_lines *l, const char *fam, const char *table,
					    const char *name)
{
	for (size_t i = 0; l && i < l->n_chains; i++)
		if (strcmp(l->chains[i].family, fam) == 0 && strcmp(l->chains[i].table, table) == 0 &&
		    strcmp(l->chains[i].name, name) == 0)
			return &l->chains[i];
	return NULL;
}

unsigned fw_lines_set(const struct fw_lines *l, const char *fam, const char *table, const char *name)
{
	for (size_t i = 0; l && i < l->n_sets; i++)
		if (strcmp(l->sets[i].family, fam) == 0 && strcmp(l->sets[i].table, table) == 0 &&
		    strcmp(l->sets[i].name, name) == 0)
			return l->sets[i].line;
	return 0;
}
