/* fwrules: firewall-open and firewall-disabled over what a package ships; see checks.h.
 * nftables rulesets go through firewall/audit.c exactly as `hardenkit firewall --audit` does
 * (loaded in a throwaway network namespace on hardenkit's base ruleset), handed over in a
 * memfd so that nothing is written; iptables-save files and scripts are read line by line. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../core/util.h"
#include "../firewall/audit.h"
#include "../firewall/nftns.h"
#include "../firewall/ruleset.h"
#include "checks.h"

/* Audits one nftables file; adds the findings whose id is SELF's. */
static void audit_nft(const struct lint_rule *self, const struct facts *f, const struct fact_file *ff,
		      const struct lint_options *o, struct findings *out)
{
	const char *shown = facts_shown(f, ff->path);
	struct diag d;
	diag_init(&d);
	struct fw_templates t = { 0 };
	if (!o->datadir || !fw_templates_load(&t, o->datadir, &d)) {
		if (strcmp(self->id, "firewall-open") == 0)
			findings_add(out, self, shown, 0, "not audited: hardenkit's base ruleset could not be read");
		diag_free(&d);
		fw_templates_free(&t);
		return;
	}
	int mfd = memfd_create("hardenkit-lint", MFD_CLOEXEC);
	if (mfd < 0 || write(mfd, ff->text, ff->len) != (ssize_t)ff->len) {
		if (mfd >= 0)
			close(mfd);
		findings_add(out, self, shown, 0, "not audited: no memory file for it");
		fw_templates_free(&t);
		diag_free(&d);
		return;
	}
	/* the child reads the memfd through /proc, so it must survive the exec-free fork: no CLOEXEC
	 * matters there, since nftns forks without exec */
	char *path = xasprintf("/proc/%ld/fd/%d", (long)getpid(), mfd);
	struct buf base = { 0 };
	fw_render_ruleset(&base, &t, false);
	struct strlist inc = { 0 };
	struct nftns_job job = { .setup = base.data, .setup_name = t.ruleset_file, .sentinels = true,
				 .file = path, .include_paths = &inc, .list = true };
	struct nftns_result res = { 0 };
	bool open_rule = strcmp(self->id, "firewall-open") == 0;
	if (!nftns_run(&job, 1, &res, &d) || !res.setup_ok) {
		if (open_rule)
			findings_add(out, self, shown, 0, "not audited: the throwaway network namespace could not run it");
	} else if (!res.ok || !res.json) {
		if (open_rule) {
			const char *e = res.errors ? res.errors : "";
			const char *colon = strstr(e, ": Error: ");
			findings_add(out, self, shown, 0, "libnftables cannot load it, so it cannot be audited%s%.*s",
				     colon ? ": " : "", colon ? (int)strcspn(colon + 9, "\n") : 0, colon ? colon + 9 : "");
		}
	} else {
		struct fw_declared *declared = xcalloc(1, sizeof *declared);
		struct fw_facts ffacts = { .file = shown, .declared = declared, .base = true };
		if (fw_facts_parse(&ffacts, res.json, &d)) {
			ffacts.sentinels = res.sentinels;
			res.sentinels = (struct strlist){ 0 };
			struct fw_lines *lines = fw_lines_parse(ff->text);
			ffacts.lines = lines;
			struct fw_findings found = { 0 };
			fw_audit(&ffacts, &found);
			for (size_t i = 0; i < found.n; i++)
				if (strcmp(found.v[i].rule, self->id) == 0)
					findings_add(out, self, shown, found.v[i].line, "%s", found.v[i].message);
			fw_findings_free(&found);
			fw_lines_free(lines);
		}
		fw_facts_free(&ffacts);
		free(declared);
	}
	nftns_result_free(&res);
	strlist_free(&inc);
	buf_free(&base);
	free(path);
	close(mfd);
	fw_templates_free(&t);
	diag_free(&d);
}

/* iptables-save text: a built-in input chain with policy ACCEPT in the filter table, or an
 * ACCEPT rule in INPUT that is not for loopback or for replies. */
static void audit_iptables(const struct lint_rule *self, const struct facts *f, const struct fact_file *ff,
			   struct findings *out)
{
	static const char *const harmless[] = { "-i lo", "ESTABLISHED", "RELATED", NULL };
	bool filter = false;
	unsigned line = 0;
	const char *cursor = ff->text;
	for (char *l; (l = str_line_dup(&cursor));) {
		line++;
		if (l[0] == '*')
			filter = strcmp(l, "*filter") == 0;
		else if (filter && str_has_prefix(l, ":INPUT ACCEPT"))
			findings_add(out, self, facts_shown(f, ff->path), line, "the INPUT chain's policy is ACCEPT");
		else if (filter && str_has_prefix(l, "-A INPUT ") && strstr(l, "-j ACCEPT")) {
			bool ok = false;
			for (size_t i = 0; harmless[i]; i++)
				ok |= strstr(l, harmless[i]) != NULL;
			if (!ok)
				findings_add(out, self, facts_shown(f, ff->path), line, "accepts inbound traffic: %s", l);
		}
		free(l);
	}
}

CHECK(check_firewall_open)
{
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (!ff->text || ff->type != MEMBER_FILE)
			continue;
		if (ff->role == ROLE_NFTABLES)
			audit_nft(self, f, ff, o, out);
		else if (ff->role == ROLE_IPTABLES)
			audit_iptables(self, f, ff, out);
	}
}

CHECK(check_firewall_disabled)
{
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (!ff->text || ff->type != MEMBER_FILE)
			continue;
		if (ff->role == ROLE_NFTABLES) {
			audit_nft(self, f, ff, o, out);
		} else if (ff->role == ROLE_SCRIPT || ff->role == ROLE_CRON) {
			struct fw_findings found = { 0 };
			fw_audit_script(ff->text, &found);
			for (size_t k = 0; k < found.n; k++)
				if (strcmp(found.v[k].rule, self->id) == 0)
					findings_add(out, self, facts_shown(f, ff->path), found.v[k].line, "%s", found.v[k].message);
			fw_findings_free(&found);
		}
	}
	struct scan_ctx s = { self, out, NULL, NULL };
	lint_each_job(f, &f->data->firewall_off, &s);
}
