/* checks: the check functions the rule table (rules.c) points at, one file per family:
 * config rules in rules.c, units in unitrules.c, AppArmor in aarules.c, firewall in
 * fwrules.c, file modes and ELF in filerules.c. */
#ifndef HK_LINT_CHECKS_H
#define HK_LINT_CHECKS_H

#include "rules.h"

#define CHECK(name) \
	void name(const struct lint_rule *self, const struct facts *f, const struct lint_options *o, struct findings *out)

CHECK(check_listen_public);
CHECK(check_credential_default);
CHECK(check_credential_readable);
CHECK(check_phone_home);
CHECK(check_unit_setting);
CHECK(check_unit_exposure);
CHECK(check_apparmor_missing);
CHECK(check_apparmor_complain);
CHECK(check_apparmor_invalid);
CHECK(check_firewall_open);
CHECK(check_firewall_disabled);
CHECK(check_file_mode);
CHECK(check_elf_hardening);
CHECK(check_none); /* rows whose findings come from elsewhere (waivers) */

/* What a unit row of the table demands of one [Service] setting. */
enum unit_demand { DEMAND_TRUE, DEMAND_STRICT, DEMAND_NAMESPACES, DEMAND_FAMILIES, DEMAND_SYSCALLS };
struct unit_setting {
	const char *key;
	enum unit_demand demand;
};

/* What a file-mode row looks for. */
struct mode_check {
	unsigned bits; /* any of these set */
	bool regular_only; /* only regular files */
	unsigned unless; /* ... and none of these (the sticky bit for world-writable directories) */
	const char *what;
};

/* The service units F holds (not masked), and the first ExecStart= binary of one. */
bool unit_is_service(const struct fact_unit *u);
char *unit_exec_binary(const struct unitfile *u, const struct unit_value **where);
/* Whether PATH (relative) is one of DL's daemons in an sbin directory. */
bool is_daemon_binary(const char *path, const struct dialect *dl);
/* Where a finding about a unit points: the value, else its ExecStart=, else the main file. */
void unit_location(const struct facts *f, const struct fact_unit *u, const struct unit_value *v, const char **file,
		   unsigned *line);

/* Shell text the package runs on its own: maintainer scripts, cron jobs, and the ExecStart=
 * of services its timers start; each command of CMDS found there becomes a finding of SELF. */
struct scan_ctx {
	const struct lint_rule *self;
	struct findings *out;
	const char *file;
	const char *where;
};
void lint_each_job(const struct facts *f, const struct lint_commands *cmds, struct scan_ctx *s);

#endif
