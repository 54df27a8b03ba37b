/* audit: judges a ruleset from its JSON form (libnftables' `list ruleset` after loading it in a
 * throwaway namespace) against the ports manifests declare public; each rule is a table row. */
#ifndef HK_FW_AUDIT_H
#define HK_FW_AUDIT_H

#include <jansson.h>
#include <stdbool.h>

#include "../core/diag.h"
#include "../core/manifest.h"

/* The ports manifests declare public: one bit per port, per protocol. */
struct fw_declared {
	unsigned char tcp[65536 / 8], udp[65536 / 8];
	size_t manifests;
};
void fw_declared_add(struct fw_declared *dp, const struct manifest *m);

/* Where statements sit in a ruleset file's text. Used only to point at a line: what is
 * judged is the JSON form, never the text. */
struct fw_lines;
struct fw_lines *fw_lines_parse(const char *text);
void fw_lines_free(struct fw_lines *l);

/* Everything the rules read, gathered before any rule runs. */
struct fw_facts {
	const char *file;
	json_t *ruleset; /* the "nftables" array of the listing */
	struct strlist sentinels; /* families that held a sentinel table before the load */
	bool base; /* the hardenkit base table was loaded before the file */
	const struct fw_declared *declared;
	const struct fw_lines *lines; /* NULL: no line is known */
};

/* Parses JSON, libnftables' listing, into F->ruleset; false with a message in D. */
bool fw_facts_parse(struct fw_facts *f, const char *json, struct diag *d);
void fw_facts_free(struct fw_facts *f);

struct fw_finding {
	const char *rule; /* a stable id: firewall-open, firewall-disabled */
	enum diag_level level;
	unsigned line; /* 0: not known */
	char *message;
};
struct fw_findings {
	struct fw_finding *v;
	size_t n;
};
void fw_findings_free(struct fw_findings *f);

struct fw_audit_rule {
	const char *id;
	enum diag_level level;
	const char *summary; /* one line: what the rule refuses */
	void (*check)(const struct fw_audit_rule *self, const struct fw_facts *f, struct fw_findings *out);
};
/* Every rule, in the order they run; the last row has a NULL id. */
extern const struct fw_audit_rule fw_audit_rules[];
void fw_audit(const struct fw_facts *f, struct fw_findings *out);

/* A maintainer script's shell text: commands that stop, disable or mask nftables.service or
 * flush its ruleset (firewall-disabled). Reads commands word by word; shell it cannot follow
 * (eval, variables holding the command) goes unseen. */
void fw_audit_script(const char *text, struct fw_findings *out);

#endif
