/* lintdata: loads templates/lint/ and scans shell text for its commands; see lintdata.h. */
#include "lintdata.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/schema.h"

#define REQ SCHEMA_REQUIRED
#define NONEMPTY SCHEMA_NONEMPTY

static const struct schema_field default_fields[] = {
	{ "value", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "what", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "source", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field credentials_fields[] = {
	{ "defaults", SCHEMA_GROUPS, REQ | NONEMPTY, NULL, 0, 0, default_fields },
	{ "user_keys", SCHEMA_STRINGS, REQ, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field command_fields[] = {
	{ "command", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ "args", SCHEMA_STRINGS, 0, NULL, 0, 0, NULL },
	{ "targets", SCHEMA_STRINGS, 0, NULL, 0, 0, NULL },
	{ "what", SCHEMA_STRING, REQ | NONEMPTY, NULL, 0, 0, NULL },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static const struct schema_field commands_fields[] = {
	{ "phone_home", SCHEMA_GROUPS, REQ | NONEMPTY, NULL, 0, 0, command_fields },
	{ "firewall_off", SCHEMA_GROUPS, REQ | NONEMPTY, NULL, 0, 0, command_fields },
	{ NULL, 0, 0, NULL, 0, 0, NULL },
};

static bool load(config_t *cfg, const char *datadir, const char *name, const struct schema_field *fields, struct diag *d)
{
	char *file = xasprintf("%s/lint/%s", datadir, name);
	config_init(cfg);
	bool ok = schema_read_file(cfg, file, d) && schema_check(config_root_setting(cfg), fields, file, "", d) == 0;
	free(file);
	return ok;
}

static void load_commands(struct lint_commands *out, const config_setting_t *list)
{
	out->n = (size_t)config_setting_length(list);
	out->v = xcalloc(out->n, sizeof *out->v);
	for (size_t i = 0; i < out->n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		out->v[i].command = xstrdup(schema_string(g, "command", ""));
		out->v[i].what = xstrdup(schema_string(g, "what", ""));
		schema_strings(g, "args", &out->v[i].args);
		schema_strings(g, "targets", &out->v[i].targets);
	}
}

bool lint_data_load(struct lint_data *ld, const char *datadir, struct diag *d)
{
	memset(ld, 0, sizeof *ld);
	config_t cfg;
	bool ok = load(&cfg, datadir, "default-credentials.conf", credentials_fields, d);
	if (ok) {
		const config_setting_t *list = config_lookup(&cfg, "defaults");
		ld->n_defaults = (size_t)config_setting_length(list);
		ld->defaults = xcalloc(ld->n_defaults, sizeof *ld->defaults);
		for (size_t i = 0; i < ld->n_defaults; i++) {
			const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
			ld->defaults[i].value = xstrdup(schema_string(g, "value", ""));
			ld->defaults[i].what = xstrdup(schema_string(g, "what", ""));
			ld->defaults[i].source = xstrdup(schema_string(g, "source", ""));
		}
		schema_strings(config_root_setting(&cfg), "user_keys", &ld->user_keys);
	}
	config_destroy(&cfg);
	if (load(&cfg, datadir, "commands.conf", commands_fields, d)) {
		load_commands(&ld->phone_home, config_lookup(&cfg, "phone_home"));
		load_commands(&ld->firewall_off, config_lookup(&cfg, "firewall_off"));
	} else {
		ok = false;
	}
	config_destroy(&cfg);
	return ok;
}

static void free_commands(struct lint_commands *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->v[i].command);
		free(c->v[i].what);
		strlist_free(&c->v[i].args);
		strlist_free(&c->v[i].targets);
	}
	free(c->v);
}

void lint_data_free(struct lint_data *ld)
{
	for (size_t i = 0; i < ld->n_defaults; i++) {
		free(ld->defaults[i].value);
		free(ld->defaults[i].what);
		free(ld->defaults[i].source);
	}
	free(ld->defaults);
	strlist_free(&ld->user_keys);
	free_commands(&ld->phone_home);
	free_commands(&ld->firewall_off);
	memset(ld, 0, sizeof *ld);
}

const struct lint_default *lint_data_default(const struct lint_data *ld, const char *value)
{
	for (size_t i = 0; i < ld->n_defaults; i++)
		if (strcasecmp(ld->defaults[i].value, value) == 0)
			return &ld->defaults[i];
	return NULL;
}

/* Words after which the next word is in command position. */
static const char *const command_openers[] = { ";", "&&", "||", "|", "&", "$(", "`", "(", "{", "then", "do",
					       "else", "elif", "if", "while", "until", "exec", "sudo", "env",
					       "nohup", "!", "command", "time", "nice", "ionice", "timeout",
					       "xargs", "local", "export", "readonly", NULL };
static const char *const command_closers[] = { ";", "&&", "||", "|", "&", ")", "`", NULL };

bool lint_word_in(const char *const *list, const char *w)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], w) == 0)
			return true;
	return false;
}

bool lint_opens_command(const char *w)
{
	return lint_word_in(command_openers, w);
}

bool lint_ends_command(const char *w)
{
	return lint_word_in(command_closers, w);
}

void lint_split_words(const char *line, size_t len, struct strlist *out)
{
	struct buf w = { 0 };
	char q = 0;
	for (size_t i = 0; i <= len; i++) {
		char c = i < len ? line[i] : ' ';
		if (q) {
			if (c == q)
				q = 0;
			else
				buf_append(&w, &c, 1);
			continue;
		}
		if (c == '#' && !w.len)
			break; /* a comment */
		if (c == '"' || c == '\'') {
			q = c;
			continue;
		}
		const char *op = NULL;
		if (c == '$' && i + 1 < len && line[i + 1] == '(')
			op = "$(";
		else if ((c == '&' || c == '|') && i + 1 < len && line[i + 1] == c)
			op = c == '&' ? "&&" : "||";
		else if (strchr(";|&()`", c))
			op = (const char *[]){ ";", "|", "&", "(", ")", "`" }[strchr(";|&()`", c) - ";|&()`"];
		if (op || isspace((unsigned char)c)) {
			if (w.len) {
				strlist_push(out, w.data);
				w.len = 0;
				w.data[0] = 0;
			}
			if (op) {
				strlist_push(out, op);
				i += strlen(op) - 1;
			}
			continue;
		}
		buf_append(&w, &c, 1);
	}
	buf_free(&w);
}

static const char *base_of(const char *w)
{
	const char *s = strrchr(w, '/');
	return s ? s + 1 : w;
}

void lint_scan_commands(const struct lint_commands *cmds, const char *text, unsigned first_line,
			void (*found)(void *ctx, unsigned line, const struct lint_command *c, const char *text_line),
			void *ctx)
{
	unsigned line = first_line;
	const char *cursor = text;
	for (char *shown; (shown = str_line_dup(&cursor)); line++) {
		struct strlist words = { 0 };
		lint_split_words(shown, strlen(shown), &words);
		bool at_command = true;
		for (size_t i = 0; i < words.n; i++) {
			const char *w = words.v[i];
			if (lint_opens_command(w)) {
				at_command = true;
				continue;
			}
			/* VAR=value before a command keeps the command position */
			if (at_command && strchr(w, '=') && w[0] != '=' && w[0] != '-')
				continue;
			if (at_command) {
				for (size_t k = 0; k < cmds->n; k++) {
					const struct lint_command *c = &cmds->v[k];
					if (strcmp(base_of(w), c->command) != 0)
						continue;
					bool args = !c->args.n, targets = !c->targets.n;
					for (size_t j = i + 1; j < words.n && !lint_ends_command(words.v[j]); j++) {
						args |= strlist_contains(&c->args, words.v[j]);
						targets |= strlist_contains(&c->targets, words.v[j]);
					}
					if (args && targets)
						found(ctx, line, c, shown);
				}
			}
			at_command = false;
		}
		strlist_free(&words);
		free(shown);
	}
}
