/* script: maintainer scripts that switch the firewall off (firewall-disabled); see audit.h.
 * Shell is read command by command, word by word: no rule here looks for a text pattern in
 * the middle of a line, so `echo "systemctl stop nftables"` is no finding. */
#include "audit.h"

#include <stdlib.h>
#include <string.h>

/* One row per way of stopping the firewall: the command (its basename), one of VERBS after
 * it, and the service (or, for nft, the word ALSO) among its arguments. The nftables package
 * itself stops its own service on removal; the linter knows which package it reads. */
static const struct {
	const char *command;
	const char *const verbs[5];
	const char *also; /* NULL: nftables or nftables.service must be an argument */
	const char *what;
} disablers[] = {
	{ "systemctl", { "stop", "disable", "mask", "kill", NULL }, NULL, "stops, disables or masks nftables.service" },
	{ "deb-systemd-invoke", { "stop", NULL }, NULL, "stops nftables.service" },
	{ "deb-systemd-helper", { "disable", "mask", NULL }, NULL, "disables or masks nftables.service" },
	{ "invoke-rc.d", { "stop", NULL }, NULL, "stops nftables.service" },
	{ "service", { "stop", NULL }, NULL, "stops nftables.service" },
	{ "update-rc.d", { "disable", "remove", NULL }, NULL, "disables nftables.service" },
	{ "nft", { "flush", NULL }, "ruleset", "flushes the whole ruleset, the host firewall included" },
};

/* Words that may come before the command itself. */
static const char *const prefixes[] = { "sudo", "command", "exec", "env", "nohup", "then", "do", "else", "if",
					"while", "until", "!", "{", "(", "time", NULL };

static bool in_list(const char *const *list, const char *w)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], w) == 0)
			return true;
	return false;
}

static const struct fw_audit_rule script_rule = { "firewall-disabled", DIAG_ERROR,
						  "a maintainer script switches the firewall off", NULL };

static void judge_command(struct strlist *words, unsigned line, struct fw_findings *out)
{
	size_t i = 0;
	/* VAR=value assignments and wrappers */
	while (i < words->n && (in_list(prefixes, words->v[i]) ||
				(strchr(words->v[i], '=') && strcspn(words->v[i], "=") < strcspn(words->v[i], "/"))))
		i++;
	if (i >= words->n)
		return;
	const char *slash = strrchr(words->v[i], '/');
	const char *cmd = slash ? slash + 1 : words->v[i];
	for (size_t r = 0; r < sizeof disablers / sizeof *disablers; r++) {
		if (strcmp(cmd, disablers[r].command) != 0)
			continue;
		bool verb = false, target = false;
		for (size_t k = i + 1; k < words->n; k++) {
			const char *w = words->v[k];
			verb = verb || in_list(disablers[r].verbs, w);
			target = target || (disablers[r].also ? strcmp(w, disablers[r].also) == 0
							      : strcmp(w, "nftables") == 0 || strcmp(w, "nftables.service") == 0);
		}
		if (verb && target) {
			out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
			out->v[out->n++] = (struct fw_finding){ script_rule.id, script_rule.level, line,
								 xasprintf("the script %s (%s)", disablers[r].what, cmd) };
		}
	}
}

void fw_audit_script(const char *text, struct fw_findings *out)
{
	struct strlist words = { 0 };
	struct buf word = { 0 };
	unsigned line = 1, cmd_line = 1;
	char quote = 0;
	bool in_word = false;
	for (const char *p = text;; p++) {
		char c = *p;
		if (quote && c) { /* an unterminated quote ends with the text */
			if (c == quote)
				quote = 0;
			else
				buf_append(&word, p, 1);
			line += c == '\n';
			continue;
		}
		if (!quote && c && (c == '\'' || c == '"')) {
			quote = c;
			in_word = true;
			continue;
		}
		if (c == '\\' && p[1] == '\n') { /* a continued line is the same command */
			p++;
			line++;
			continue;
		}
		bool space = c == ' ' || c == '\t';
		bool ends = !c || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '`';
		if (c == '#' && !in_word) { /* a comment runs to the end of the line */
			p += strcspn(p, "\n");
			c = *p;
			ends = true;
		}
		if ((space || ends) && in_word) {
			strlist_push(&words, word.data ? word.data : "");
			buf_free(&word);
			in_word = false;
		}
		if (ends) {
			judge_command(&words, cmd_line, out);
			strlist_free(&words);
		}
		if (!c)
			break;
		line += c == '\n';
		if (ends || (space && !words.n))
			cmd_line = line;
		if (!space && !ends) {
			if (!in_word && !words.n)
				cmd_line = line;
			buf_append(&word, p, 1);
			in_word = true;
		}
	}
	buf_free(&word);
	strlist_free(&words);
}
