/* rules: the rule table and the config-side checks (listen, credentials, phone-home); see
 * rules.h. Each row is data; generic checks (check_unit_setting, check_file_mode) serve many
 * rows through their arg. */
#include "rules.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../core/util.h"
#include "checks.h"
#include "listen.h"

static const struct unit_setting nnp = { "NoNewPrivileges", DEMAND_TRUE };
static const struct unit_setting protect_system = { "ProtectSystem", DEMAND_STRICT };
static const struct unit_setting private_tmp = { "PrivateTmp", DEMAND_TRUE };
static const struct unit_setting namespaces = { "RestrictNamespaces", DEMAND_NAMESPACES };
static const struct unit_setting families = { "RestrictAddressFamilies", DEMAND_FAMILIES };
static const struct unit_setting syscalls = { "SystemCallFilter", DEMAND_SYSCALLS };
static const struct mode_check setuid = { 06000, true, 0, "setuid or setgid" };
static const struct mode_check world_writable = { 02, false, 01000, "world-writable" };

#define E DIAG_ERROR
#define W DIAG_WARNING
#define INV TIER_INVARIANT
#define WARN TIER_WARNING

const struct lint_rule lint_rules[] = {
	{ "listen-public", E, INV, "a shipped config, default file, unit or socket makes a service listen beyond loopback",
	  "Default-deny on the network starts with where a daemon listens. A package must ship\n"
	  "configuration that binds loopback (127.0.0.1, ::1) or a unix socket; anything else\n"
	  "(0.0.0.0, ::, *, an interface, another host's address, a bare port) exposes the service to\n"
	  "every network the host is on. The linter reads every config file by its dialect\n"
	  "(templates/dialects), the units' ListenStream=/ListenDatagram=/BindToDevice=, -l/--bind\n"
	  "flags in ExecStart= and /etc/default files, and, where a package ships a daemon's main\n"
	  "config (or its binary and a unit or init script that starts it) but no listen setting,\n"
	  "what that daemon does without one (the dialect's listen.default, with its source): sshd,\n"
	  "memcached, redis, mariadb and others listen on every interface. A package that ships\n"
	  "only the binary (Debian's nginx, dnsmasq-base) or only a fragment (a module's conf.d\n"
	  "file, mariadb-client's section) leaves that to the package that configures and starts\n"
	  "it. Fix: ship a loopback bind (hardenkit gen writes one from the manifest);\n"
	  "a service that must be public declares it in its manifest with a reason, and the\n"
	  "distribution waives this finding for that package.",
	  check_listen_public, NULL },
	{ "credential-default", E, INV, "a credential setting is blank or a well-known factory value",
	  "A blank password, the SNMP communities 'public'/'private', admin, changeme, a password\n"
	  "equal to its user name: the first things any scanner tries. The credential settings of\n"
	  "each dialect (templates/dialects, credentials.keys) are compared with\n"
	  "templates/lint/default-credentials.conf. Fix: ship no credential at all and let first boot\n"
	  "make a random one (hardenkit gen's credentials and hardenkit firstboot).",
	  check_credential_default, NULL },
	{ "credential-readable", E, INV, "a file holding a credential is readable by its group or by others",
	  "A secret in a file that group or others may read is known to every process of that\n"
	  "group, or to every user of the host. Files holding a credential setting with a value, and\n"
	  "anything under etc/credstore, must be 0600 or stricter (0400 for first-boot secrets).\n"
	  "Fix: chmod 0600 in the package, or move the secret to a systemd credential.",
	  check_credential_readable, NULL },
	{ "unit-no-new-privileges", E, INV, "a service unit does not set NoNewPrivileges=yes",
	  "Without NoNewPrivileges=yes a compromised daemon can gain privileges by executing setuid\n"
	  "binaries or files with capabilities (systemd.exec(5)). Fix: NoNewPrivileges=yes in the\n"
	  "unit or a drop-in (hardenkit gen's drop-in sets it).",
	  check_unit_setting, &nnp },
	{ "unit-protect-system", E, INV, "a service unit does not set ProtectSystem=strict",
	  "ProtectSystem=strict mounts the whole file system read-only for the service except the\n"
	  "API file systems and what ReadWritePaths=/StateDirectory= grant; yes or full still leave\n"
	  "/var and /etc writable. Fix: ProtectSystem=strict with the state, log and runtime\n"
	  "directories declared.",
	  check_unit_setting, &protect_system },
	{ "unit-private-tmp", E, INV, "a service unit does not set PrivateTmp=yes",
	  "A shared /tmp lets other processes plant files and symlinks the daemon will open, and\n"
	  "read what it leaves there. PrivateTmp=yes gives the service its own /tmp and /var/tmp.",
	  check_unit_setting, &private_tmp },
	{ "unit-restrict-namespaces", E, INV, "a service unit does not restrict namespace creation",
	  "Creating user, network or mount namespaces is a common kernel attack surface and a way\n"
	  "out of a sandbox. RestrictNamespaces=yes (or an explicit allow-list of the types the daemon\n"
	  "needs) refuses the rest; a ~deny-list or no setting is refused.",
	  check_unit_setting, &namespaces },
	{ "unit-restrict-address-families", E, INV,
	  "a service unit may open sockets beyond AF_UNIX, AF_INET and AF_INET6",
	  "A network daemon needs unix and IP sockets; netlink, packet and the rest reach kernel\n"
	  "code it has no business with. RestrictAddressFamilies= must be an allow-list within\n"
	  "AF_UNIX AF_INET AF_INET6 (or 'none'), after every drop-in is applied.",
	  check_unit_setting, &families },
	{ "unit-system-call-filter", E, INV, "a service unit has no system call allow-list of @system-service or narrower",
	  "SystemCallFilter=@system-service is systemd's allow-list for ordinary services; it keeps\n"
	  "mount, module loading, reboot, raw I/O, swap, clock and other privileged calls out of reach.\n"
	  "The merged filter must be an allow-list whose groups lie within @system-service (a\n"
	  "~deny-list alone lets every unnamed call through).",
	  check_unit_setting, &syscalls },
	{ "unit-exposure", E, INV, "a service unit's exposure score is above the threshold",
	  "The exposure score is what 'systemd-analyze security --offline=true' prints (systemd 252's\n"
	  "weights), computed in-process from the merged unit. The default threshold, 4.9 (--threshold),\n"
	  "is the top of systemd's own 'OK' band (1.0-4.9; 5.0 and up is MEDIUM, EXPOSED, UNSAFE):\n"
	  "Debian 12's stock units mostly score 9.2-9.6, hardenkit gen's units score 1.5 or lower\n"
	  "without relaxations and at most 5.0 with them (tests/scores.t), so 4.9 passes every\n"
	  "hardened unit and refuses every unit shipped without a sandbox.",
	  check_unit_exposure, NULL },
	{ "apparmor-missing", E, INV, "a daemon a service unit starts has no enforce-mode AppArmor profile",
	  "Every daemon runs under an AppArmor profile in enforce mode. The binary a service's\n"
	  "ExecStart= starts must be attached by a profile the package ships in etc/apparmor.d (or\n"
	  "named by AppArmorProfile=); a profile with an empty body is a placeholder and counts as\n"
	  "missing. Fix: ship a profile (hardenkit gen composes one from the manifest).",
	  check_apparmor_missing, NULL },
	{ "apparmor-complain", E, INV, "an AppArmor profile or one of its child profiles is in complain mode",
	  "A complain-mode profile only logs: it confines nothing. The profile and each child\n"
	  "profile or hat must be in enforce mode (no flags=(complain), no unconfined).",
	  check_apparmor_complain, NULL },
	{ "apparmor-invalid", E, INV, "an AppArmor profile fails apparmor_parser -QK",
	  "A profile the parser refuses is never loaded, and the daemon then runs unconfined.\n"
	  "Each shipped profile is fed to 'apparmor_parser -QK' (with --features-file\n"
	  "/usr/share/apparmor-features/features when present) on its standard input; nothing is\n"
	  "written or loaded. Its message and line are reported.",
	  check_apparmor_invalid, NULL },
	{ "phone-home", E, INV, "the package turns on telemetry or ships a job that runs a network client or updater",
	  "Nothing phones home unless the administrator asks. Telemetry and auto-update settings\n"
	  "of each dialect (templates/dialects, telemetry: MariaDB's feedback, APT::Periodic\n"
	  "intervals, …) must be off; timers, cron jobs and maintainer scripts must not run\n"
	  "network clients or updaters\n"
	  "(templates/lint/commands.conf, phone_home: curl, wget, apt-get update, freshclam, …).",
	  check_phone_home, NULL },
	{ "firewall-open", E, INV, "a shipped nftables or iptables ruleset accepts inbound traffic",
	  "The host firewall is default-deny inbound (hardenkit firewall). A package that ships a\n"
	  "ruleset accepting new inbound connections (an input chain with policy accept, an accept\n"
	  "rule for a port, iptables' ':INPUT ACCEPT') opens the host behind the administrator's\n"
	  "back. nftables files are loaded in a throwaway network namespace on top of hardenkit's\n"
	  "base ruleset and judged by firewall/audit.c; iptables-save files are read line by line.",
	  check_firewall_open, NULL },
	{ "firewall-disabled", E, INV, "a shipped script or ruleset flushes the ruleset or turns the firewall off",
	  "Maintainer scripts and cron jobs must not stop, disable or mask nftables.service, flush\n"
	  "the ruleset, disable ufw or set iptables policies to ACCEPT (firewall/audit.c's script\n"
	  "check and templates/lint/commands.conf, firewall_off); a shipped ruleset must not\n"
	  "'flush ruleset' or delete hardenkit's table.",
	  check_firewall_disabled, NULL },
	{ "file-setuid", W, WARN, "a file is setuid or setgid",
	  "A setuid or setgid program runs with its owner's or group's rights whoever starts it;\n"
	  "each one is attack surface for local privilege escalation. Prefer capabilities granted\n"
	  "by the unit, or a daemon that does the privileged part.",
	  check_file_mode, &setuid },
	{ "file-world-writable", W, WARN, "a file or directory is world-writable (a directory without the sticky bit)",
	  "Anything any user may write can be replaced or filled by any user. Directories that\n"
	  "must be shared need the sticky bit (like /tmp).",
	  check_file_mode, &world_writable },
	{ "elf-hardening", W, WARN, "a daemon binary is built without PIE, full RELRO, BIND_NOW, stack protector or FORTIFY",
	  "A daemon faces the network for the life of the host, so its binary must be built with\n"
	  "the hardening flags. Daemon binaries are those the package's service units or init\n"
	  "scripts start, and the daemons the dialects name in an sbin directory (split packages);\n"
	  "other programs are not judged.\n"
	  "Debian builds with hardening flags (dpkg-buildflags, hardening=+all): position-independent\n"
	  "executables for ASLR, read-only relocations bound at start (RELRO and BIND_NOW), the\n"
	  "stack protector and FORTIFY_SOURCE's checked functions. Read from the ELF program headers,\n"
	  "the dynamic section and the imported symbol names. FORTIFY counts as missing only when the\n"
	  "binary imports a function glibc checks (memcpy, strcpy, sprintf, read, ...) and no checked\n"
	  "__*_chk variant: one that imports none could not show it (lintian's rule does the same).",
	  check_elf_hardening, NULL },
	{ "waiver-expired", E, INV, "a waiver is past its expiry date",
	  "A waiver accepts a finding for a time, with a reason. Once its date has passed the\n"
	  "finding it covered is reported again, and so is the waiver, until someone renews it\n"
	  "(with a new reason) or fixes what it covered.",
	  check_none, NULL },
	{ "waiver-unused", E, INV, "a waiver covers no finding",
	  "A waiver that matches nothing is stale: the problem was fixed, or the waiver's rule,\n"
	  "path or package is wrong. Either way it must go, so that it cannot silently cover a\n"
	  "future problem. A distribution waiver naming a package is judged when that package is\n"
	  "linted; one naming no package, over the whole run.",
	  check_none, NULL },
	{ "waiver-forbidden", E, INV, "a package's own waiver names an invariant-tier rule",
	  "A package may waive warnings about itself (usr/share/hardenkit/waivers/NAME.conf), but\n"
	  "the default-deny invariants are the distribution's to waive: only the distribution-wide file\n"
	  "(lint --waivers FILE) can waive them.",
	  check_none, NULL },
	{ "waiver-invalid", E, INV, "a package's own waiver file cannot be read",
	  "A waiver file is libconfig: waivers = ( { rule = \"…\"; path = \"GLOB\"; package = \"…\";\n"
	  "reason = \"…\"; expires = \"YYYY-MM-DD\"; } ); package is optional; path matches the\n"
	  "finding's file inside the package (* spans directories).",
	  check_none, NULL },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

const struct lint_rule *lint_rule_find(const char *id)
{
	for (const struct lint_rule *r = lint_rules; r->id; r++)
		if (strcmp(r->id, id) == 0)
			return r;
	return NULL;
}

size_t lint_rule_count(void)
{
	size_t n = 0;
	while (lint_rules[n].id)
		n++;
	return n;
}

void findings_add(struct findings *out, const struct lint_rule *rule, const char *file, unsigned line,
		  const char *fmt, ...)
{
	if (out->n == out->cap) {
		out->cap = out->cap ? 2 * out->cap : 16;
		out->v = xreallocarray(out->v, out->cap, sizeof *out->v);
	}
	va_list ap;
	va_start(ap, fmt);
	out->v[out->n++] = (struct finding){ rule, rule->level, xstrdup(file ? file : ""), line, xvasprintf(fmt, ap), NULL };
	va_end(ap);
}

void findings_free(struct findings *out)
{
	for (size_t i = 0; i < out->n; i++) {
		free(out->v[i].file);
		free(out->v[i].message);
		free(out->v[i].policy);
	}
	free(out->v);
	memset(out, 0, sizeof *out);
}

size_t findings_errors(const struct findings *out)
{
	size_t n = 0;
	for (size_t i = 0; i < out->n; i++)
		n += out->v[i].level == DIAG_ERROR;
	return n;
}

static int cmp_findings(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c = strcmp(x->file, y->file);
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	c = strcmp(x->rule->id, y->rule->id);
	return c ? c : strcmp(x->message, y->message);
}

CHECK(check_none)
{
	(void)self, (void)f, (void)o, (void)out;
}

void lint_run(const struct facts *f, const struct lint_options *o, struct findings *out)
{
	for (const struct lint_rule *r = lint_rules; r->id; r++)
		r->check(r, f, o, out);
	findings_sort(out);
}

void findings_sort(struct findings *out)
{
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, cmp_findings);
	/* one finding per place and message: a drop-in seen through two units says it once */
	size_t k = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (k && cmp_findings(&out->v[k - 1], &out->v[i]) == 0) {
			free(out->v[i].file);
			free(out->v[i].message);
			free(out->v[i].policy);
			continue;
		}
		out->v[k++] = out->v[i];
	}
	out->n = k;
}

/* ---- listen-public ---- */

static bool key_in(const struct dialect *dl, const char *key, const struct strlist *keys)
{
	for (size_t i = 0; i < keys->n; i++)
		if (conf_key_is(dl, key, keys->v[i]))
			return true;
	return false;
}

/* Flags with an address argument ("-l ADDR", "--bind=ADDR") among WORDS: the worst class. */
static enum addr_class flags_class(const struct strlist *flags, const char *text, char *why, size_t why_len)
{
	enum addr_class worst = ADDR_NONE;
	char *copy = xstrdup(text);
	char *save = NULL, *prev = NULL;
	for (char *w = strtok_r(copy, " \t\"'", &save); w; w = strtok_r(NULL, " \t\"'", &save)) {
		const char *arg = NULL;
		char *eq = w[0] == '-' ? strchr(w, '=') : NULL;
		if (eq) {
			*eq = 0;
			if (strlist_contains(flags, w))
				arg = eq + 1;
		} else if (prev && strlist_contains(flags, prev)) {
			arg = w;
		}
		if (arg) {
			char tok[256];
			enum addr_class c = listen_classify(arg, false, tok, sizeof tok);
			if (c == ADDR_PUBLIC && worst != ADDR_PUBLIC) {
				snprintf(why, why_len, "%s %s", prev && !eq ? prev : w, arg);
				worst = c;
			} else if (c == ADDR_LOCAL && worst == ADDR_NONE) {
				worst = c;
			}
		}
		prev = eq ? NULL : w;
	}
	free(copy);
	return worst;
}

bool is_daemon_binary(const char *path, const struct dialect *dl)
{
	static const char *const dirs[] = { "usr/sbin/", "sbin/", NULL };
	for (size_t i = 0; dirs[i]; i++)
		if (str_has_prefix(path, dirs[i]) && strlist_contains(&dl->daemons, path + strlen(dirs[i])))
			return true;
	return false;
}

/* Whether the package itself starts one of DL's daemons: an init script, or a service unit
 * whose ExecStart= runs it. A package that only ships the binary (Debian's nginx, dnsmasq-base,
 * exim4-daemon-light) leaves the listen address to the package that configures and starts it,
 * where the finding belongs. */
static bool package_starts(const struct facts *f, const struct dialect *dl)
{
	for (size_t i = 0; i < f->n_files; i++)
		if (str_has_prefix(f->files[i].path, "etc/init.d/") && f->files[i].type != MEMBER_DIR)
			return true;
	bool starts = false;
	for (size_t i = 0; i < f->n_units && !starts; i++) {
		char *binary = unit_is_service(&f->units[i]) ? unit_exec_binary(f->units[i].u, NULL) : NULL;
		const char *base = binary ? strrchr(binary, '/') : NULL;
		starts = binary && strlist_contains(&dl->daemons, base ? base + 1 : binary);
		free(binary);
	}
	return starts;
}

static void listen_units(const struct lint_rule *self, const struct facts *f, struct findings *out)
{
	const struct dialect *sock = dialect_set_find(f->dialects, "systemd-socket");
	const struct dialect *deflt = dialect_set_find(f->dialects, "default");
	for (size_t i = 0; i < f->n_units; i++) {
		const struct fact_unit *fu = &f->units[i];
		if (sock && strcmp(fu->type, "socket") == 0) {
			for (size_t k = 0; k < sock->listen.keys.n; k++) {
				const struct unit_entry *e = unitfile_get(fu->u, "Socket", sock->listen.keys.v[k]);
				for (size_t j = 0; e && j < e->n; j++) {
					char why[256];
					if (listen_classify(e->values[j].text, true, why, sizeof why) == ADDR_PUBLIC)
						findings_add(out, self, e->values[j].file, e->values[j].line,
							     "%s=%s listens beyond loopback (%s)", e->key, e->values[j].text, why);
				}
			}
		}
		if (deflt && unit_is_service(fu)) {
			const struct unit_entry *e = unitfile_get(fu->u, "Service", "ExecStart");
			for (size_t j = 0; e && j < e->n; j++) {
				char why[256];
				if (flags_class(&deflt->listen.keys, e->values[j].text, why, sizeof why) == ADDR_PUBLIC)
					findings_add(out, self, e->values[j].file, e->values[j].line,
						     "ExecStart= passes '%s': listens beyond loopback", why);
			}
		}
	}
}

/* For a config a maintainer script installs: which script, and where to. */
static void installed_note(const struct fact_config *c, char *note, size_t len)
{
	if (c->installed)
		snprintf(note, len, " (%s:%u installs it as /%s)", c->installed->by, c->installed->line,
			 c->installed->dest);
	else
		*note = 0;
}

CHECK(check_listen_public)
{
	(void)o;
	/* per dialect: whether any of its files names an address, and the first config seen */
	size_t nd = f->dialects->n;
	bool *bound = xcalloc(nd ? nd : 1, sizeof *bound);
	const struct fact_config **first = xcalloc(nd ? nd : 1, sizeof *first);
	for (size_t i = 0; i < f->n_configs; i++) {
		const struct fact_config *c = &f->configs[i];
		const struct dialect *dl = c->dl;
		size_t di = 0;
		while (di < nd && f->dialects->v[di] != dl)
			di++;
		const char *file = facts_shown(f, f->files[c->file].path);
		char note[PATH_MAX + 64];
		installed_note(c, note, sizeof note);
		/* the dialect's first glob names its main file: point there when it is shipped */
		if (di < nd && (!first[di] || fnmatch(dl->files.v[0] + 1, facts_config_path(f, c), FNM_PATHNAME) == 0))
			if (!first[di] || fnmatch(dl->files.v[0] + 1, facts_config_path(f, first[di]), FNM_PATHNAME) != 0)
				first[di] = c;
		bool flags = dl->syntax == SYNTAX_SHELL;
		/* shell files: variables named as listen keys, and listen flags inside any value */
		struct strlist vars = { 0 }, fl = { 0 };
		for (size_t j = 0; flags && j < dl->listen.keys.n; j++)
			strlist_push(dl->listen.keys.v[j][0] == '-' ? &fl : &vars, dl->listen.keys.v[j]);
		for (size_t k = 0; k < c->doc.n; k++) {
			const struct conf_directive *cd = &c->doc.v[k];
			char why[256] = "";
			enum addr_class cls = ADDR_NONE;
			if (flags) {
				if (key_in(dl, cd->key, &vars))
					cls = listen_classify(cd->value, false, why, sizeof why);
				if (cls != ADDR_PUBLIC && fl.n) {
					enum addr_class fc = flags_class(&fl, cd->value, why, sizeof why);
					cls = fc > cls ? fc : cls;
				}
			} else if (key_in(dl, cd->key, &dl->listen.keys)) {
				/* flags files (memcached.conf) name an address after -l; a port is not one */
				cls = listen_classify(cd->value, dl->syntax != SYNTAX_FLAGS, why, sizeof why);
			}
			if ((cls == ADDR_LOCAL || cls == ADDR_PUBLIC) && di < nd)
				bound[di] = true;
			if (cls == ADDR_PUBLIC)
				findings_add(out, self, file, cd->line, "%s %s: listens beyond loopback (%s)%s", cd->key,
					     cd->value, why, note);
		}
		strlist_free(&vars);
		strlist_free(&fl);
	}
	/* a daemon whose config (or binary) is shipped without any listen address */
	for (size_t di = 0; di < nd; di++) {
		const struct dialect *dl = f->dialects->v[di];
		if (bound[di] || dl->listen.fallback != LISTEN_DEFAULT_ALL)
			continue;
		/* a fragment (a module's conf.d file, a client's section) decides nothing about the
		 * daemon's default: only the package with its main file, or with the daemon itself */
		const struct fact_config *main_cfg =
			first[di] && fnmatch(dl->files.v[0] + 1, facts_config_path(f, first[di]), FNM_PATHNAME) == 0
				? first[di]
				: NULL;
		const char *where = main_cfg ? f->files[main_cfg->file].path : NULL;
		char note[PATH_MAX + 64] = "";
		if (main_cfg)
			installed_note(main_cfg, note, sizeof note);
		for (size_t i = 0; !where && i < f->n_files; i++)
			if (f->files[i].type != MEMBER_DIR && is_daemon_binary(f->files[i].path, dl) && package_starts(f, dl))
				where = f->files[i].path;
		if (where)
			findings_add(out, self, facts_shown(f, where), 0,
				     "no %s listen address is set, and without one it listens on every interface (%s)%s",
				     dl->name, dl->listen.fallback_source, note);
	}
	free(bound);
	free(first);
	listen_units(self, f, out);
}

/* ---- credentials ---- */

/* The credential directives of a config: key in the dialect's credentials.keys. */
static bool is_credential(const struct fact_config *c, const struct conf_directive *cd)
{
	return key_in(c->dl, cd->key, &c->dl->credentials.keys);
}

CHECK(check_credential_default)
{
	(void)o;
	for (size_t i = 0; i < f->n_configs; i++) {
		const struct fact_config *c = &f->configs[i];
		const char *file = facts_shown(f, f->files[c->file].path);
		char note[PATH_MAX + 64];
		installed_note(c, note, sizeof note);
		/* the user names this file sets, for "password equal to the user name" */
		struct strlist users = { 0 };
		for (size_t k = 0; k < c->doc.n; k++)
			if (strlist_contains(&f->data->user_keys, c->doc.v[k].key) && *c->doc.v[k].value)
				strlist_push(&users, c->doc.v[k].value);
		for (size_t k = 0; k < c->doc.n; k++) {
			const struct conf_directive *cd = &c->doc.v[k];
			if (!is_credential(c, cd))
				continue;
			if (!*cd->value || strcmp(cd->value, "\"\"") == 0) {
				findings_add(out, self, file, cd->line, "%s is blank%s", cd->key, note);
				continue;
			}
			char *copy = xstrdup(cd->value);
			char *save = NULL;
			for (char *w = strtok_r(copy, " \t,\"'", &save); w; w = strtok_r(NULL, " \t,\"'", &save)) {
				const struct lint_default *def = lint_data_default(f->data, w);
				if (def) {
					findings_add(out, self, file, cd->line, "%s uses the well-known default '%s' (%s)%s",
						     cd->key, w, def->what, note);
					break;
				}
				if (strlist_contains(&users, w)) {
					findings_add(out, self, file, cd->line,
						     "%s '%s' equals the user name set in the same file%s", cd->key, w, note);
					break;
				}
			}
			free(copy);
		}
		strlist_free(&users);
	}
}

CHECK(check_credential_readable)
{
	(void)o;
	for (size_t i = 0; i < f->n_configs; i++) {
		const struct fact_config *c = &f->configs[i];
		const struct fact_file *ff = &f->files[c->file];
		/* an installed copy's mode is set by the script, not by the shipped file's */
		if (!(ff->mode & 044) || c->installed)
			continue;
		for (size_t k = 0; k < c->doc.n; k++) {
			const struct conf_directive *cd = &c->doc.v[k];
			if (is_credential(c, cd) && *cd->value) {
				findings_add(out, self, facts_shown(f, ff->path), cd->line,
					     "holds %s but is mode %04o: readable by %s", cd->key, ff->mode,
					     ff->mode & 04 ? "everyone" : "its group");
				break;
			}
		}
	}
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (ff->type == MEMBER_FILE && (str_has_prefix(ff->path, "etc/credstore/") ||
						str_has_prefix(ff->path, "etc/credstore.encrypted/")) &&
		    (ff->mode & 077))
			findings_add(out, self, facts_shown(f, ff->path), 0, "a stored credential with mode %04o (want 0400 or 0600)",
				     ff->mode);
	}
}

/* ---- phone-home ---- */

static void found_command(void *ctx, unsigned line, const struct lint_command *c, const char *text_line)
{
	struct scan_ctx *s = ctx;
	(void)text_line;
	findings_add(s->out, s->self, s->file, line, "%s runs %s: %s", s->where, c->command, c->what);
}

/* A crontab line: five time fields (or an @keyword) and, in /etc/crontab and cron.d, a user,
 * then the command. Returns the command, or NULL for comments and variable settings. */
static const char *cron_command(const char *line, bool with_user)
{
	const char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return NULL;
	size_t fields = *p == '@' ? 1 : 5;
	if (with_user)
		fields++;
	for (size_t i = 0; i < fields; i++) {
		size_t n = strcspn(p, " \t");
		if (i == 0 && memchr(p, '=', n))
			return NULL; /* MAILTO=… */
		p += n;
		p += strspn(p, " \t");
		if (!*p)
			return NULL;
	}
	return p;
}

static void scan_cron(const struct facts *f, const struct fact_file *ff, const struct lint_commands *cmds,
		      struct scan_ctx *s)
{
	bool table = strcmp(ff->path, "etc/crontab") == 0 || str_has_prefix(ff->path, "etc/cron.d/") ||
		     str_has_prefix(ff->path, "var/spool/cron/");
	if (!table) { /* cron.daily and friends: a script */
		lint_scan_commands(cmds, ff->text, 1, found_command, s);
		return;
	}
	(void)f;
	unsigned line = 0;
	const char *cursor = ff->text;
	for (char *l; (l = str_line_dup(&cursor));) {
		line++;
		const char *cmd = cron_command(l, !str_has_prefix(ff->path, "var/spool/cron/"));
		if (cmd)
			lint_scan_commands(cmds, cmd, line, found_command, s);
		free(l);
	}
}

void lint_each_job(const struct facts *f, const struct lint_commands *cmds, struct scan_ctx *s)
{
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (!ff->text)
			continue;
		s->file = facts_shown(f, ff->path);
		if (ff->role == ROLE_SCRIPT) {
			s->where = "the maintainer script";
			lint_scan_commands(cmds, ff->text, 1, found_command, s);
		} else if (ff->role == ROLE_CRON) {
			s->where = "the cron job";
			scan_cron(f, ff, cmds, s);
		}
	}
	for (size_t i = 0; i < f->n_units; i++) {
		const struct fact_unit *t = &f->units[i];
		if (strcmp(t->type, "timer") != 0)
			continue;
		const struct unit_value *uv = unitfile_last(t->u, "Timer", "Unit");
		char *target = uv ? xstrdup(uv->text) : xasprintf("%.*s.service", (int)(strlen(t->u->name) - 6), t->u->name);
		for (size_t k = 0; k < f->n_units; k++) {
			if (strcmp(f->units[k].u->name, target) != 0)
				continue;
			const struct unit_entry *e = unitfile_get(f->units[k].u, "Service", "ExecStart");
			for (size_t j = 0; e && j < e->n; j++) {
				char *where = xasprintf("%s, started by %s,", target, t->u->name);
				s->where = where;
				s->file = e->values[j].file;
				/* strip systemd's exec prefixes (@-:+!) so the command is the first word */
				const char *cmd = e->values[j].text + strspn(e->values[j].text, "@-:+!|");
				lint_scan_commands(cmds, cmd, e->values[j].line, found_command, s);
				free(where);
			}
		}
		free(target);
	}
}

CHECK(check_phone_home)
{
	(void)o;
	for (size_t i = 0; i < f->n_configs; i++) {
		const struct fact_config *c = &f->configs[i];
		char note[PATH_MAX + 64];
		installed_note(c, note, sizeof note);
		for (size_t t = 0; t < c->dl->n_telemetry; t++) {
			const struct telemetry_key *tk = &c->dl->telemetry[t];
			for (size_t k = 0; k < c->doc.n; k++) {
				const struct conf_directive *cd = &c->doc.v[k];
				if (conf_key_is(c->dl, cd->key, tk->key) && fnmatch(tk->value, cd->value, 0) == 0)
					findings_add(out, self, facts_shown(f, f->files[c->file].path), cd->line, "%s %s %s%s",
						     cd->key, cd->value, tk->what, note);
			}
		}
	}
	struct scan_ctx s = { self, out, NULL, NULL };
	lint_each_job(f, &f->data->phone_home, &s);
}
