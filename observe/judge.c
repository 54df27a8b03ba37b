/* judge: observe-run's records to findings; see judge.h. The record format is observe-run's
 * (doc/formats.md, "observe records"): tab-separated fields, the first one the kind. */
#include "judge.h"

#include <linux/capability.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"

#define E DIAG_ERROR
#define W DIAG_WARNING
#define N DIAG_NOTE
#define INV TIER_INVARIANT
#define WARN TIER_WARNING

const struct lint_rule observe_rules[] = {
	{ "listen-public", E, INV, "installed with its defaults and booted, a service listens beyond loopback",
	  "hardenkit observe installed the package as apt would (debconf defaults, maintainer\n"
	  "scripts run), booted it under systemd, and saw a TCP or UDP socket listening on the\n"
	  "wildcard address or on a non-loopback address. The message names the socket, the\n"
	  "process and the unit that holds it (a socket unit when systemd listens for it). Make\n"
	  "the shipped default bind loopback or a unix socket; see `hardenkit explain listen-public`.",
	  NULL, NULL },
	{ "phone-home", E, INV, "booted with its defaults, the package resolves or connects to a host beyond the machine",
	  "During a fixed window after boot, after starting the units it ships, and after each of\n"
	  "its timers was triggered, the package asked the recording resolver for a name or sent a\n"
	  "SYN or datagram beyond loopback. The message names the host, the process and the unit.\n"
	  "Ship telemetry, update checks and pools off by default; see `hardenkit explain phone-home`.",
	  NULL, NULL },
	{ "observed-not-started", W, WARN, "a unit the package ships did not run: what it would do is unobserved",
	  "The unit failed, or a condition kept it from starting (it usually needs configuration\n"
	  "first). Nothing it would listen on or reach was seen, so the package is not clean, only\n"
	  "unobserved: configure it in a test root, or judge it with `hardenkit lint`.",
	  NULL, NULL },
	{ "observed-listen", N, WARN, "a socket a service listens on, on loopback or a unix path (a record, not a fault)",
	  "What observe saw listening that stays on the machine: a loopback address or a unix\n"
	  "socket, with the process and unit holding it.",
	  NULL, NULL },
	{ "observed-process", N, WARN, "the user and effective capabilities a daemon process runs with",
	  "From /proc/PID/status of each process in the units that listen, reach out, or that\n"
	  "the package ships: the user, and CapEff decoded.",
	  NULL, NULL },
	{ NULL, 0, 0, NULL, NULL, NULL, NULL },
};

static const struct lint_rule *rule(const char *id)
{
	for (const struct lint_rule *r = observe_rules; r->id; r++)
		if (strcmp(r->id, id) == 0)
			return r;
	abort(); /* only ids of the table above are asked for */
}

void obs_records_add(struct obs_records *rs, const char *line)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 32;
		rs->v = xreallocarray(rs->v, rs->cap, sizeof *rs->v);
	}
	struct obs_record *r = &rs->v[rs->n++];
	memset(r, 0, sizeof *r);
	char *copy = xstrdup(line), *p = copy, *tab;
	size_t cap = 0;
	for (;;) {
		tab = strchr(p, '\t');
		if (tab)
			*tab = '\0';
		if (!r->kind) {
			r->kind = xstrdup(p);
		} else {
			if (r->n == cap) {
				cap = cap ? cap * 2 : 8;
				r->f = xreallocarray(r->f, cap, sizeof *r->f);
			}
			r->f[r->n++] = xstrdup(p);
		}
		if (!tab)
			break;
		p = tab + 1;
	}
	free(copy);
}

void obs_records_free(struct obs_records *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->v[i].kind);
		for (size_t k = 0; k < rs->v[i].n; k++)
			free(rs->v[i].f[k]);
		free(rs->v[i].f);
	}
	free(rs->v);
	memset(rs, 0, sizeof *rs);
}

/* Field K of R, or "" when the record is shorter (a record observe-run wrote without it). */
static const char *fld(const struct obs_record *r, size_t k)
{
	return k < r->n ? r->f[k] : "";
}

/* The unit file of UNIT as the package ships it (relative, like lint's file names), or "". */
static const char *unit_file(const struct obs_records *rs, const char *unit)
{
	for (size_t i = 0; i < rs->n; i++)
		if (strcmp(rs->v[i].kind, "unit") == 0 && strcmp(fld(&rs->v[i], 0), unit) == 0)
			return fld(&rs->v[i], 1);
	return "";
}

enum scope { SCOPE_UNIX, SCOPE_LOOPBACK, SCOPE_WILDCARD, SCOPE_ADDRESS };

/* Where ss's local address (ADDR:PORT, [V6]:PORT, ADDR%IF:PORT, *:PORT, or a unix path) listens. */
static enum scope scope_of(const char *proto, const char *local, char **host)
{
	*host = NULL;
	if (strcmp(proto, "unix") == 0)
		return SCOPE_UNIX;
	const char *colon = strrchr(local, ':');
	size_t n = colon ? (size_t)(colon - local) : strlen(local);
	char *h = xasprintf("%.*s", (int)n, local);
	char *pct = strchr(h, '%');
	if (pct)
		*pct = '\0';
	char *a = h;
	if (*a == '[') {
		a++;
		char *close = strchr(a, ']');
		if (close)
			*close = '\0';
	}
	*host = xstrdup(a);
	free(h);
	a = *host;
	if (strcmp(a, "*") == 0 || strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0)
		return SCOPE_WILDCARD;
	if (str_has_prefix(a, "127.") || strcmp(a, "::1") == 0 || str_has_prefix(a, "::ffff:127."))
		return SCOPE_LOOPBACK;
	return SCOPE_ADDRESS;
}

static const char *phase_label(const char *phase, struct buf *b)
{
	b->len = 0;
	buf_puts(b, "");
	if (strcmp(phase, "shipped") == 0)
		buf_puts(b, " [a unit the package ships but does not enable, started by observe]");
	else if (str_has_prefix(phase, "timer:"))
		buf_printf(b, " [after triggering %s]", phase + 6);
	return b->data;
}

static void judge_listen(const struct obs_records *rs, const struct obs_record *r, struct lint_result *out)
{
	/* listen PHASE PROTO LOCAL COMM PID UNIT */
	const char *proto = fld(r, 1), *local = fld(r, 2), *comm = fld(r, 3), *unit = fld(r, 5);
	char *host;
	enum scope s = scope_of(proto, local, &host);
	struct buf lb = { 0 };
	const char *label = phase_label(fld(r, 0), &lb);
	const char *file = unit_file(rs, unit);
	if (s == SCOPE_WILDCARD || s == SCOPE_ADDRESS)
		findings_add(&out->findings, rule("listen-public"), file, 0, "observed: %s %s by %s (%s)%s%s", proto, local,
			     comm, unit, s == SCOPE_WILDCARD ? ", every interface" : ", a non-loopback address", label);
	else
		findings_add(&out->findings, rule("observed-listen"), file, 0, "observed: %s %s by %s (%s)%s%s", proto, local,
			     comm, unit, s == SCOPE_UNIX ? ", a unix socket" : ", loopback", label);
	free(host);
	buf_free(&lb);
}

/* Is REMOTE (ADDR:PORT) an address the recording resolver handed out for a name? */
static bool answered(const struct obs_records *rs, const char *remote)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct obs_record *d = &rs->v[i];
		if (strcmp(d->kind, "dns") != 0 || strcmp(fld(d, 3), "-") == 0)
			continue;
		size_t n = strlen(fld(d, 3));
		if (strncmp(remote, fld(d, 3), n) == 0 && remote[n] == ':')
			return true;
	}
	return false;
}

static bool is_resolver(const char *remote)
{
	return strcmp(remote, "198.51.100.2:53") == 0;
}

static void judge_dns(const struct obs_records *rs, size_t at, struct lint_result *out)
{
	/* dns PHASE QTYPE NAME ANSWER UNIT COMM: one finding per (name, unit), its query types and
	 * the attempts made to its answer gathered */
	const struct obs_record *r = &rs->v[at];
	const char *name = fld(r, 2), *unit = fld(r, 4), *comm = fld(r, 5);
	for (size_t i = 0; i < at; i++) {
		const struct obs_record *p = &rs->v[i];
		if (strcmp(p->kind, "dns") == 0 && strcmp(fld(p, 2), name) == 0 && strcmp(fld(p, 4), unit) == 0)
			return; /* gathered with an earlier record */
	}
	struct buf types = { 0 }, then = { 0 };
	buf_puts(&types, "");
	buf_puts(&then, "");
	for (size_t i = at; i < rs->n; i++) {
		const struct obs_record *p = &rs->v[i];
		if (strcmp(p->kind, "dns") != 0 || strcmp(fld(p, 2), name) != 0 || strcmp(fld(p, 4), unit) != 0)
			continue;
		if (!strstr(types.data, fld(p, 1)))
			buf_printf(&types, "%s%s", types.len ? "," : "", fld(p, 1));
		const char *ans = fld(p, 3);
		if (strcmp(ans, "-") == 0)
			continue;
		for (size_t k = 0; k < rs->n; k++) {
			const struct obs_record *c = &rs->v[k];
			size_t n = strlen(ans);
			if (strcmp(c->kind, "connect") == 0 && strncmp(fld(c, 2), ans, n) == 0 && fld(c, 2)[n] == ':' &&
			    !strstr(then.data, fld(c, 2)))
				buf_printf(&then, ", then %s %s", fld(c, 1), fld(c, 2));
		}
		/* what the peer saw sent to the answer, when the socket was too brief to be seen */
		for (size_t k = 0; k < rs->n; k++) {
			const struct obs_record *c = &rs->v[k];
			if (strcmp(c->kind, "peer") != 0 || strcmp(fld(c, 1), ans) != 0)
				continue;
			char *remote = xasprintf("%s:%s", ans, fld(c, 2));
			if (!strstr(then.data, remote))
				buf_printf(&then, ", then %s %s", fld(c, 0), remote);
			free(remote);
		}
	}
	struct buf lb = { 0 };
	const char *label = phase_label(fld(r, 0), &lb);
	if (strcmp(unit, "?") == 0)
		findings_add(&out->findings, rule("phone-home"), "", 0,
			     "observed: dns %s %s by a process that was gone before it was seen%s%s", types.data, name,
			     then.data, label);
	else
		findings_add(&out->findings, rule("phone-home"), unit_file(rs, unit), 0, "observed: dns %s %s by %s (%s)%s%s",
			     types.data, name, comm, unit, then.data, label);
	buf_free(&types);
	buf_free(&then);
	buf_free(&lb);
}

static void judge_connect(const struct obs_records *rs, const struct obs_record *r, struct lint_result *out)
{
	/* connect PHASE PROTO REMOTE COMM PID UNIT: those that follow a DNS answer are told with it */
	const char *remote = fld(r, 2);
	if (is_resolver(remote) || answered(rs, remote))
		return;
	struct buf lb = { 0 };
	findings_add(&out->findings, rule("phone-home"), unit_file(rs, fld(r, 5)), 0, "observed: %s %s by %s (%s)%s",
		     fld(r, 1), remote, fld(r, 3), fld(r, 5), phase_label(fld(r, 0), &lb));
	buf_free(&lb);
}

static void judge_peer(const struct obs_records *rs, const struct obs_record *r, struct lint_result *out)
{
	/* peer PROTO ADDR PORT: what reached the rest of the world; reported on its own only when
	 * no socket inside was seen making it and it went to no name's answer (told with the name) */
	char *remote = xasprintf("%s:%s", fld(r, 1), fld(r, 2));
	bool seen = false;
	for (size_t i = 0; i < rs->n && !seen; i++)
		seen = strcmp(rs->v[i].kind, "connect") == 0 && strcmp(fld(&rs->v[i], 2), remote) == 0;
	if (!seen && !answered(rs, remote))
		findings_add(&out->findings, rule("phone-home"), "", 0,
			     "observed: %s %s reached the peer, from a socket that was gone before it was seen", fld(r, 0),
			     remote);
	free(remote);
}

static void judge_unit(const struct obs_record *r, struct lint_result *out)
{
	/* unit UNIT FRAGMENT PHASE STATE WHY: a service that is not running and did not end well */
	const char *unit = fld(r, 0), *phase = fld(r, 2), *state = fld(r, 3), *why = fld(r, 4);
	if (str_has_prefix(state, "active/") || strcmp(phase, "not-enabled") == 0)
		return;
	if (!strstr(why, "unmet condition") && strstr(why, "Result=success") && strstr(why, "ExecMainStatus=0"))
		return; /* ran and exited, or never asked for (activated on demand) */
	findings_add(&out->findings, rule("observed-not-started"), fld(r, 1), 0, "observed: %s did not start (%s): %s%s",
		     unit, state, why,
		     strstr(why, "unmet condition") ? " -- it needs configuration; nothing it would do was observed" : "");
}

/* CapEff (hex) as capability names; the names are the kernel's (linux/capability.h). */
static void caps_text(const char *hex, struct buf *b)
{
	static const struct {
		int bit;
		const char *name;
	} caps[] = {
		{ CAP_CHOWN, "chown" }, { CAP_DAC_OVERRIDE, "dac_override" }, { CAP_DAC_READ_SEARCH, "dac_read_search" },
		{ CAP_FOWNER, "fowner" }, { CAP_FSETID, "fsetid" }, { CAP_KILL, "kill" }, { CAP_SETGID, "setgid" },
		{ CAP_SETUID, "setuid" }, { CAP_SETPCAP, "setpcap" }, { CAP_LINUX_IMMUTABLE, "linux_immutable" },
		{ CAP_NET_BIND_SERVICE, "net_bind_service" }, { CAP_NET_BROADCAST, "net_broadcast" },
		{ CAP_NET_ADMIN, "net_admin" }, { CAP_NET_RAW, "net_raw" }, { CAP_IPC_LOCK, "ipc_lock" },
		{ CAP_IPC_OWNER, "ipc_owner" }, { CAP_SYS_MODULE, "sys_module" }, { CAP_SYS_RAWIO, "sys_rawio" },
		{ CAP_SYS_CHROOT, "sys_chroot" }, { CAP_SYS_PTRACE, "sys_ptrace" }, { CAP_SYS_PACCT, "sys_pacct" },
		{ CAP_SYS_ADMIN, "sys_admin" }, { CAP_SYS_BOOT, "sys_boot" }, { CAP_SYS_NICE, "sys_nice" },
		{ CAP_SYS_RESOURCE, "sys_resource" }, { CAP_SYS_TIME, "sys_time" }, { CAP_SYS_TTY_CONFIG, "sys_tty_config" },
		{ CAP_MKNOD, "mknod" }, { CAP_LEASE, "lease" }, { CAP_AUDIT_WRITE, "audit_write" },
		{ CAP_AUDIT_CONTROL, "audit_control" }, { CAP_SETFCAP, "setfcap" }, { CAP_MAC_OVERRIDE, "mac_override" },
		{ CAP_MAC_ADMIN, "mac_admin" }, { CAP_SYSLOG, "syslog" }, { CAP_WAKE_ALARM, "wake_alarm" },
		{ CAP_BLOCK_SUSPEND, "block_suspend" }, { CAP_AUDIT_READ, "audit_read" }, { CAP_PERFMON, "perfmon" },
		{ CAP_BPF, "bpf" }, { CAP_CHECKPOINT_RESTORE, "checkpoint_restore" },
	};
	char *end;
	uint64_t v = strtoull(hex, &end, 16);
	buf_puts(b, "");
	if (!*hex || *end) {
		buf_printf(b, "unknown (%s)", hex);
		return;
	}
	if (v == 0) {
		buf_puts(b, "none");
		return;
	}
	size_t all = 0;
	for (size_t i = 0; i < sizeof caps / sizeof *caps; i++)
		all += (v >> caps[i].bit) & 1;
	if (all == sizeof caps / sizeof *caps) {
		buf_puts(b, "all");
		return;
	}
	for (size_t i = 0; i < sizeof caps / sizeof *caps; i++)
		if ((v >> caps[i].bit) & 1)
			buf_printf(b, "%scap_%s", b->len ? "," : "", caps[i].name);
}

static void judge_process(const struct obs_records *rs, const struct obs_record *r, struct lint_result *out)
{
	/* process UNIT PID COMM USER CAPEFF */
	struct buf caps = { 0 };
	caps_text(fld(r, 4), &caps);
	findings_add(&out->findings, rule("observed-process"), unit_file(rs, fld(r, 0)), 0,
		     "observed: %s (%s) pid %s runs as %s, effective capabilities: %s", fld(r, 2), fld(r, 0), fld(r, 1),
		     fld(r, 3), caps.data);
	buf_free(&caps);
}

void observe_judge(const struct obs_records *rs, struct lint_result *out)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct obs_record *r = &rs->v[i];
		if (strcmp(r->kind, "package") == 0) {
			free(out->name);
			free(out->version);
			out->name = xstrdup(fld(r, 0));
			out->version = xstrdup(fld(r, 1));
		} else if (strcmp(r->kind, "error") == 0 && !out->error) {
			out->error = xstrdup(fld(r, 0));
		} else if (strcmp(r->kind, "unit") == 0) {
			out->units = xreallocarray(out->units, out->n_units + 1, sizeof *out->units);
			out->units[out->n_units++] = (struct unit_score){ .name = xstrdup(fld(r, 0)) };
		}
	}
	if (out->error) /* as lint does for an unreadable package: no findings */
		return;
	for (size_t i = 0; i < rs->n; i++) {
		const struct obs_record *r = &rs->v[i];
		if (strcmp(r->kind, "listen") == 0)
			judge_listen(rs, r, out);
		else if (strcmp(r->kind, "dns") == 0)
			judge_dns(rs, i, out);
		else if (strcmp(r->kind, "connect") == 0)
			judge_connect(rs, r, out);
		else if (strcmp(r->kind, "peer") == 0)
			judge_peer(rs, r, out);
		else if (strcmp(r->kind, "unit") == 0)
			judge_unit(r, out);
		else if (strcmp(r->kind, "process") == 0)
			judge_process(rs, r, out);
	}
	findings_sort(&out->findings);
}
