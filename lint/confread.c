/* confread: one reader per dialect syntax; see confread.h. Written by hand because no library
 * reads nine daemons' dialects (XML excepted: libxml2 reads it): each reader keeps only what a
 * rule needs (key, value, line, enclosing section) and ignores what it cannot follow rather
 * than guess. */
#include "confread.h"

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "../core/util.h"

int conf_key_is(const struct dialect *dl, const char *key, const char *want)
{
	return dl->case_sensitive ? strcmp(key, want) == 0 : strcasecmp(key, want) == 0;
}

static void push(struct conf_doc *doc, const char *key, size_t klen, const char *value, size_t vlen,
		 const char *section, unsigned line)
{
	if (doc->max && doc->n >= doc->max) {
		doc->cut = true;
		return;
	}
	if (doc->n == doc->cap) {
		doc->cap = doc->cap ? 2 * doc->cap : 16;
		doc->v = xreallocarray(doc->v, doc->cap, sizeof *doc->v);
	}
	struct conf_directive *c = &doc->v[doc->n++];
	c->key = xasprintf("%.*s", (int)klen, key);
	c->value = xasprintf("%.*s", (int)vlen, value);
	c->section = section ? xstrdup(section) : NULL;
	c->line = line;
}

void conf_doc_free(struct conf_doc *doc)
{
	for (size_t i = 0; i < doc->n; i++) {
		free(doc->v[i].key);
		free(doc->v[i].value);
		free(doc->v[i].section);
	}
	free(doc->v);
	memset(doc, 0, sizeof *doc);
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

static const char *trim_end(const char *p, const char *end)
{
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	return end;
}

/* Cuts a value at a comment that starts outside quotes after white space, then removes one
 * pair of enclosing quotes. */
static void clean_value(const struct dialect *dl, const char **v, const char **vend, bool inline_comments)
{
	const char *p = *v, *end = *vend;
	if (inline_comments) {
		char q = 0;
		for (const char *s = p; s < end; s++) {
			if (q) {
				if (*s == q)
					q = 0;
			} else if (*s == '"' || *s == '\'') {
				q = *s;
			} else if (strchr(dl->comment, *s) && (s == p || isspace((unsigned char)s[-1]))) {
				end = s;
				break;
			}
		}
	}
	end = trim_end(p, end);
	if (end - p >= 2 && (*p == '"' || *p == '\'') && end[-1] == *p) {
		p++;
		end--;
	}
	*v = p;
	*vend = end;
}

static bool is_comment_line(const struct dialect *dl, const char *p, const char *end)
{
	return p == end || strchr(dl->comment, *p) != NULL;
}

/* Line-oriented syntaxes: directive, tag, flags, assign, colon, ini, shell, ldif. */
static void read_lines(const struct dialect *dl, const char *text, struct conf_doc *doc)
{
	char *section = NULL;
	unsigned line = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		const char *end = nl ? nl : p + strlen(p);
		line++;
		bool folded = *p == ' ';
		const char *s = skip_ws(p, end);
		const char *e = trim_end(s, end);
		p = nl ? nl + 1 : end;
		if (is_comment_line(dl, s, e))
			continue;
		/* LDIF folds long values onto lines that start with one space */
		if (dl->syntax == SYNTAX_LDIF && folded && doc->n) {
			struct conf_directive *last = &doc->v[doc->n - 1];
			char *joined = xasprintf("%s%.*s", last->value, (int)(e - s), s);
			free(last->value);
			last->value = joined;
			continue;
		}
		const char *k = s, *kend, *v, *vend = e;
		switch (dl->syntax) {
		case SYNTAX_INI:
			if (*s == '[') {
				const char *close = memchr(s, ']', (size_t)(e - s));
				free(section);
				section = close ? xasprintf("%.*s", (int)(close - s - 1), s + 1) : NULL;
				continue;
			}
			__attribute__((fallthrough)); /* key = value */
		case SYNTAX_ASSIGN:
		case SYNTAX_SHELL: {
			if (dl->syntax == SYNTAX_SHELL && e - s > 7 && strncmp(s, "export ", 7) == 0)
				k = s = skip_ws(s + 7, e);
			const char *eq = memchr(s, '=', (size_t)(e - s));
			if (!eq) {
				push(doc, s, (size_t)(e - s), "", 0, section, line);
				continue;
			}
			kend = trim_end(k, eq);
			v = skip_ws(eq + 1, e);
			clean_value(dl, &v, &vend, dl->syntax != SYNTAX_INI);
			break;
		}
		case SYNTAX_COLON:
		case SYNTAX_LDIF: {
			const char *colon = memchr(s, ':', (size_t)(e - s));
			if (!colon)
				continue;
			kend = colon;
			v = skip_ws(colon + 1, e);
			if (dl->syntax == SYNTAX_COLON && v == e) {
				/* unbound: "server:" opens a clause */
				free(section);
				section = xasprintf("%.*s", (int)(kend - k), k);
				continue;
			}
			clean_value(dl, &v, &vend, dl->syntax == SYNTAX_COLON);
			break;
		}
		case SYNTAX_TAG:
			if (*s == '<') {
				if (s[1] == '/') {
					free(section);
					section = NULL;
				} else {
					const char *gt = memchr(s, '>', (size_t)(e - s));
					free(section);
					section = xasprintf("%.*s", (int)((gt ? gt : e) - s - 1), s + 1);
				}
				continue;
			}
			__attribute__((fallthrough));
		default: { /* directive, flags: key, white space, value */
			kend = s;
			while (kend < e && !isspace((unsigned char)*kend))
				kend++;
			const char *eq = dl->syntax == SYNTAX_FLAGS && k[0] == '-' ? memchr(k, '=', (size_t)(kend - k)) : NULL;
			if (eq) { /* --listen=ADDR */
				v = eq + 1;
				vend = kend;
				kend = eq;
			} else {
				v = skip_ws(kend, e);
			}
			clean_value(dl, &v, &vend, false);
		}
		}
		push(doc, k, (size_t)(kend - k), v, (size_t)(vend - v), section, line);
	}
	free(section);
}

/* Block syntax (nginx, named, dovecot): statements end at ';', open at '{', close at '}'.
 * A "key = value" statement (dovecot) ends at the end of its line. A block whose statements
 * are single words (named's address lists, "listen-on { 127.0.0.1; };") is folded into the
 * value of the statement that opened it. */
struct stmt {
	struct buf words;
	unsigned line;
	bool assign;
};

struct frame {
	size_t directive; /* index in the doc of the statement that opened the block */
	char *name;
	bool only_words;
	struct buf words; /* the single-word statements inside */
	size_t first_child;
};

static void end_statement(const struct dialect *dl, struct conf_doc *doc, struct stmt *st, struct frame *stack,
			  size_t depth)
{
	if (!st->words.len)
		return;
	const char *w = st->words.data;
	const char *sp = strchr(w, ' ');
	size_t klen = sp ? (size_t)(sp - w) : strlen(w);
	const char *v = sp ? sp + 1 : "";
	if (st->assign && strncmp(v, "= ", 2) == 0)
		v += 2;
	else if (st->assign && strcmp(v, "=") == 0)
		v = "";
	struct frame *top = depth ? &stack[depth - 1] : NULL;
	if (top && !sp) {
		if (top->words.len)
			buf_puts(&top->words, " ");
		buf_puts(&top->words, w);
	} else if (top) {
		top->only_words = false;
	}
	if (dl->scope_separator && top && top->name) {
		/* apt: "APT { Periodic { Enable 1; }; };" is the setting APT::Periodic::Enable */
		char *qualified = xasprintf("%s%s%.*s", top->name, dl->scope_separator, (int)klen, w);
		push(doc, qualified, strlen(qualified), v, strlen(v), top->name, st->line);
		free(qualified);
	} else {
		push(doc, w, klen, v, strlen(v), top ? top->name : NULL, st->line);
	}
	st->words.len = 0;
	st->words.data[0] = 0;
	st->assign = false;
}

static void read_blocks(const struct dialect *dl, const char *text, struct conf_doc *doc)
{
	struct stmt st = { 0 };
	buf_puts(&st.words, "");
	struct frame stack[64];
	size_t depth = 0;
	unsigned line = 1;
	for (const char *p = text; *p;) {
		char c = *p;
		if (c == '\n') {
			if (st.assign)
				end_statement(dl, doc, &st, stack, depth);
			line++;
			p++;
		} else if (isspace((unsigned char)c)) {
			p++;
		} else if (strchr(dl->comment, c) || (c == '/' && (p[1] == '/' || p[1] == '*'))) {
			if (c == '/' && p[1] == '*') {
				const char *close = strstr(p + 2, "*/");
				for (const char *q = p; q < (close ? close : p + strlen(p)); q++)
					line += *q == '\n';
				p = close ? close + 2 : p + strlen(p);
			} else {
				while (*p && *p != '\n')
					p++;
			}
		} else if (c == ';') {
			end_statement(dl, doc, &st, stack, depth);
			p++;
		} else if (c == '{') {
			size_t before = doc->n;
			end_statement(dl, doc, &st, stack, depth);
			if (depth)
				stack[depth - 1].only_words = false; /* a nested block: not a plain list */
			if (depth < sizeof stack / sizeof *stack) {
				struct frame *f = &stack[depth++];
				f->directive = doc->n > before ? doc->n - 1 : (size_t)-1;
				f->name = f->directive != (size_t)-1 ? doc->v[f->directive].key : NULL;
				f->only_words = true;
				f->words = (struct buf){ 0 };
				f->first_child = doc->n;
			}
			p++;
		} else if (c == '}') {
			end_statement(dl, doc, &st, stack, depth);
			if (depth) {
				struct frame *f = &stack[--depth];
				if (f->only_words && f->words.len && f->directive != (size_t)-1) {
					struct conf_directive *d = &doc->v[f->directive];
					char *joined = *d->value ? xasprintf("%s %s", d->value, f->words.data) : xstrdup(f->words.data);
					free(d->value);
					d->value = joined;
					/* the folded words are not directives of their own */
					for (size_t i = f->first_child; i < doc->n; i++) {
						free(doc->v[i].key);
						free(doc->v[i].value);
						free(doc->v[i].section);
					}
					doc->n = f->first_child;
				}
				buf_free(&f->words);
			}
			p++;
		} else if (c == '"' || c == '\'') {
			const char *close = strchr(p + 1, c);
			size_t n = close ? (size_t)(close - p - 1) : strlen(p + 1);
			if (!st.words.len)
				st.line = line;
			else
				buf_puts(&st.words, " ");
			buf_append(&st.words, p + 1, n);
			for (size_t i = 0; i < n; i++)
				line += p[1 + i] == '\n';
			p = close ? close + 1 : p + 1 + n;
		} else {
			const char *s = p;
			while (*p && !isspace((unsigned char)*p) && !strchr(";{}\"'", *p) && !strchr(dl->comment, *p))
				p++;
			if (p - s == 1 && *s == '=' && st.words.len && !strchr(st.words.data, ' '))
				st.assign = true;
			if (!st.words.len)
				st.line = line;
			else
				buf_puts(&st.words, " ");
			buf_append(&st.words, s, (size_t)(p - s));
		}
	}
	end_statement(dl, doc, &st, stack, depth);
	while (depth)
		buf_free(&stack[--depth].words);
	buf_free(&st.words);
}

static unsigned xml_line(const xmlNode *n)
{
	long line = xmlGetLineNo(n);
	return line > 0 && line < UINT_MAX ? (unsigned)line : 0;
}

/* XML (icecast.xml, tomcat's server.xml): parsed by libxml2. Each attribute is a setting in
 * the section named after its element (Connector: port, address); each element that holds
 * only text is one too: its name, its text trimmed, its parent's name as the section. A
 * package's XML is untrusted: no entity is expanded (attribute values keep "&name;" as
 * written), no DTD or network is read, and libxml2's depth limit stays on. */
static void read_xml_elements(xmlNode *n, struct conf_doc *doc)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (xmlAttr *a = n->properties; a; a = a->next) {
			xmlChar *value = xmlNodeListGetString(n->doc, a->children, 0);
			const char *v = value ? (const char *)value : "";
			push(doc, (const char *)a->name, strlen((const char *)a->name), v, strlen(v), (const char *)n->name,
			     xml_line(n));
			xmlFree(value);
		}
		bool leaf = true;
		for (xmlNode *c = n->children; c; c = c->next)
			leaf &= c->type != XML_ELEMENT_NODE;
		if (!leaf) {
			read_xml_elements(n->children, doc);
			continue;
		}
		xmlChar *content = xmlNodeGetContent(n);
		const char *v = content ? (const char *)content : "";
		const char *vend = trim_end(v, v + strlen(v));
		while (v < vend && isspace((unsigned char)*v))
			v++;
		const char *section = n->parent && n->parent->type == XML_ELEMENT_NODE ? (const char *)n->parent->name : NULL;
		push(doc, (const char *)n->name, strlen((const char *)n->name), v, (size_t)(vend - v), section, xml_line(n));
		xmlFree(content);
	}
}

static void read_xml(const char *text, struct conf_doc *doc)
{
	size_t len = strlen(text);
	if (len > INT_MAX)
		return;
	xmlDoc *x = xmlReadMemory(text, (int)len, NULL, NULL,
				  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
	if (!x)
		return; /* not XML: nothing is judged, as with a file no reader follows */
	read_xml_elements(xmlDocGetRootElement(x), doc);
	xmlFreeDoc(x);
}

void conf_read(const struct dialect *dl, const char *text, struct conf_doc *out)
{
	if (dl->syntax == SYNTAX_BLOCK)
		read_blocks(dl, text, out);
	else if (dl->syntax == SYNTAX_XML)
		read_xml(text, out);
	else
		read_lines(dl, text, out);
}
