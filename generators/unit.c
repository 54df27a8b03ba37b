/* unit: writes the hardened systemd unit (a whole unit when the package ships none, else a
 * drop-in over the package's unit) and what it needs beside it: a socket unit for a
 * socket-activated daemon, a tmpfiles.d file for what a non-root daemon cannot make in /run.
 * The sandbox itself is data: templates/units/hardening.conf. */
#include "gen.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DROPIN_DIR "/usr/lib/systemd/system"

/* The directive name of a "Directive=value" line, or NULL for comments and blank lines. */
static char *directive_of(const char *line)
{
	const char *eq = strchr(line, '=');
	if (line[0] == '#' || line[0] == ';' || !eq)
		return NULL;
	char *name = xmalloc((size_t)(eq - line) + 1);
	memcpy(name, line, (size_t)(eq - line));
	name[eq - line] = '\0';
	return name;
}

static void join(struct buf *out, const struct strlist *l, const char *strip_prefix)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *s = l->v[i];
		if (strip_prefix && str_has_prefix(s, strip_prefix))
			s += strlen(strip_prefix);
		buf_printf(out, "%s%s", i ? " " : "", s);
	}
}

/* IPAddressAllow=: localhost plus the declared egress (systemd filters addresses, not ports;
 * the ports are documented in the comment above the line). */
static void ip_allow(struct buf *out, const struct manifest *m)
{
	buf_puts(out, "localhost");
	for (size_t i = 0; i < m->n_egress; i++) {
		const char *to = strcmp(m->egress[i].to, "any") == 0 ? "any" : m->egress[i].to;
		if (!strstr(out->data, to))
			buf_printf(out, " %s", to);
	}
}

static void write_sandbox(struct buf *b, const struct manifest *m, const char *tmpl)
{
	struct buf caps = { 0 }, families = { 0 }, allow = { 0 };
	join(&caps, &m->daemon.capabilities, NULL);
	join(&families, &m->daemon.address_families, NULL);
	ip_allow(&allow, m);
	/* A user namespace maps everyone but root and the service's own user to nobody, and its
	 * capabilities do not count in the host's network namespace: only a non-root daemon that
	 * needs no capability can have one. Otherwise the line is left out (systemd's default). */
	bool own_userns = manifest_own_user(m) && m->daemon.capabilities.n == 0;
	const char *const vars[] = {
		"CAPABILITIES", caps.data ? caps.data : "",
		"ADDRESS_FAMILIES", families.data,
		"IP_ALLOW", allow.data,
		"PROFILE", m->name,
		"PRIVATE_USERS", own_userns ? "yes" : "",
		NULL,
	};
	for (size_t i = 0; i < m->n_egress; i++)
		buf_printf(b, "# egress: %s %s/%d: %s\n", m->egress[i].to, proto_name(m->egress[i].proto),
			   m->egress[i].port, m->egress[i].reason);

	struct strlist done = { 0 }; /* relaxed directives already written */
	struct buf prev = { 0 };
	const char *cursor = tmpl;
	char *raw;
	while ((raw = str_line_dup(&cursor))) {
		char *directive = directive_of(raw);
		if (!directive) { /* the template's own comments explain the template, not the unit */
			free(raw);
			continue;
		}
		struct buf rendered = { 0 };
		gen_render(&rendered, raw, vars);
		bool reset = rendered.data[strlen(directive) + 1] == '\0';
		if (reset && raw[strlen(directive) + 1] != '\0') {
			/* a placeholder with nothing to say: a deliberate reset is written as "X=" */
			buf_free(&rendered);
			free(directive);
			free(raw);
			continue;
		}
		const struct relaxation *r = manifest_relaxation(m, directive);
		if (r && !reset) {
			if (!strlist_contains(&done, directive)) {
				buf_printf(b, "# relaxed: %s\n%s=%s\n", r->reason, directive, r->value);
				strlist_push(&done, directive);
			}
		} else if (!prev.data || strcmp(prev.data, rendered.data) != 0) {
			buf_printf(b, "%s\n", rendered.data);
		}
		buf_free(&prev);
		prev = rendered;
		free(directive);
		free(raw);
	}
	buf_free(&prev);
	/* relaxations of directives the template does not set (User=, PrivateNetwork=, …) */
	for (size_t i = 0; i < m->n_relaxations; i++) {
		const struct relaxation *r = &m->relaxations[i];
		if (!strlist_contains(&done, r->directive))
			buf_printf(b, "# relaxed: %s\n%s=%s\n", r->reason, r->directive, r->value);
	}
	strlist_free(&done);
	buf_free(&caps);
	buf_free(&families);
	buf_free(&allow);
}

static void write_directories(struct buf *b, const struct manifest *m)
{
	static const struct {
		const char *directive, *base;
		size_t offset;
	} managed[] = {
		{ "StateDirectory", "/var/lib/", offsetof(struct manifest, paths.state) },
		{ "CacheDirectory", "/var/cache/", offsetof(struct manifest, paths.cache) },
		{ "LogsDirectory", "/var/log/", offsetof(struct manifest, paths.logs) },
		{ "RuntimeDirectory", "/run/", offsetof(struct manifest, paths.runtime) },
		{ "ReadWritePaths", NULL, offsetof(struct manifest, paths.write) },
		{ "ReadWritePaths", NULL, offsetof(struct manifest, paths.owned) },
	};
	for (size_t i = 0; i < sizeof managed / sizeof *managed; i++) {
		const struct strlist *l = (const struct strlist *)((const char *)m + managed[i].offset);
		if (!l->n)
			continue;
		buf_printf(b, "%s=", managed[i].directive);
		join(b, l, managed[i].base);
		buf_puts(b, "\n");
	}
	/* RuntimeDirectory= is removed when the service stops; a daemon restarted by hand keeps it */
	if (m->paths.runtime.n)
		buf_puts(b, "RuntimeDirectoryPreserve=restart\n");
}

/* A non-root daemon whose configuration puts its pid file straight into /run (nginx.conf:
 * "pid /run/nginx.pid;") cannot create it there: a tmpfiles.d line makes it, the daemon's own,
 * and ReadWritePaths= names the file alone. */
static bool pidfile_in_run(const struct manifest *m)
{
	const char *p = m->daemon.pidfile;
	return p && manifest_own_user(m) && str_has_prefix(p, "/run/") && !strchr(p + 5, '/');
}

static char *tmpfiles_path(const struct manifest *m)
{
	return xasprintf("/usr/lib/tmpfiles.d/hardenkit-%s.conf", m->name);
}

/* The tmpfiles.d lines of a non-root daemon: its pid file straight in /run, and the /run
 * directories it must own (paths.owned). Empty when it needs none. */
static void tmpfiles_lines(const struct manifest *m, struct buf *b)
{
	if (pidfile_in_run(m))
		buf_printf(b, "# the pid file that %s, running as %s, cannot create in /run itself\n"
			      "f %s 0644 %s %s -\n",
			   m->daemon.unit, m->daemon.user, m->daemon.pidfile, m->daemon.user, m->daemon.group);
	for (size_t i = 0; i < m->paths.owned.n; i++)
		buf_printf(b, "# %s's own directory, which outlives the service\nd %s 0755 %s %s -\n", m->daemon.user,
			   m->paths.owned.v[i], m->daemon.user, m->daemon.group);
}

/* Written to hardenkit's own tmpfiles.d file (applied at boot), and applied again before every
 * start by systemd-tmpfiles as root ("+": outside the sandbox, on that one file only): systemd
 * deletes a PIDFile= when the service stops. ReadWritePaths= names the pid file with "-", as it
 * is missing for the package's own ExecStartPre= checks that run first. */
static void gen_tmpfiles(const struct manifest *m, struct buf *unit, struct outset *out)
{
	struct buf lines = { 0 };
	tmpfiles_lines(m, &lines);
	if (!lines.len) {
		buf_free(&lines);
		return;
	}
	struct buf b = { 0 };
	buf_printf(&b, "# Generated by hardenkit from the %s manifest: what %s, running as %s,\n"
		       "# cannot make in /run itself (tmpfiles.d(5)).\n%s",
		   m->name, m->daemon.unit, m->daemon.user, lines.data);
	char *path = tmpfiles_path(m);
	outset_add(out, path, &b, 0644);
	buf_printf(unit, "ExecStartPre=+/bin/systemd-tmpfiles --create %s\n", path);
	if (pidfile_in_run(m))
		buf_printf(unit, "ReadWritePaths=-%s\n", m->daemon.pidfile);
	free(path);
	buf_free(&lines);
}

static void write_exec_start_pre(struct buf *b, const struct manifest *m)
{
	for (size_t i = 0; i < m->daemon.exec_start_pre.n; i++)
		buf_printf(b, "ExecStartPre=%s\n", m->daemon.exec_start_pre.v[i]);
}

/* NAME.socket for NAME.service */
static char *socket_unit_name(const struct manifest *m)
{
	const char *unit = m->daemon.unit;
	return xasprintf("%.*s.socket", (int)(strlen(unit) - strlen(".service")), unit);
}

/* A unix socket in one of the daemon's RuntimeDirectory= directories stays the daemon's to bind:
 * systemd removes that directory, and a socket unit's socket in it, when the service stops. */
static bool in_runtime_directory(const struct manifest *m, const char *path)
{
	for (size_t i = 0; i < m->paths.runtime.n; i++) {
		size_t n = strlen(m->paths.runtime.v[i]);
		if (strncmp(path, m->paths.runtime.v[i], n) == 0 && path[n] == '/')
			return true;
	}
	return false;
}

/* Socket activation: systemd binds the manifest's listeners and passes them, so a daemon on a
 * port below 1024 needs no CAP_NET_BIND_SERVICE and can run with PrivateUsers=, and one whose
 * unix socket lives in a directory it cannot write (/run) needs no write access there.
 * ipv6-only keeps [::]:PORT from also taking the IPv4 port that 0.0.0.0:PORT binds. */
static void gen_socket(const struct manifest *m, struct outset *out)
{
	struct buf b = { 0 };
	buf_printf(&b, "# Generated by hardenkit from the %s manifest: the sockets systemd binds for %s.\n"
		       "[Unit]\nDescription=%s (sockets, hardenkit)\n\n[Socket]\n",
		   m->name, m->daemon.unit, m->description);
	bool unix_socket = false;
	for (size_t i = 0; i < m->n_listen; i++) {
		const struct listener *l = &m->listen[i];
		if (l->proto == PROTO_UNIX) {
			if (in_runtime_directory(m, l->path))
				continue;
			buf_printf(&b, "ListenStream=%s\n", l->path);
			unix_socket = true;
			continue;
		}
		const char *directive = l->proto == PROTO_TCP ? "ListenStream" : "ListenDatagram";
		bool public = l->scope == SCOPE_PUBLIC;
		if (public)
			buf_printf(&b, "# public on purpose: %s\n", l->reason);
		buf_printf(&b, "%s=%s:%d\n%s=[%s]:%d\n", directive, public ? "0.0.0.0" : "127.0.0.1", l->port, directive,
			   public ? "::" : "::1", l->port);
	}
	buf_puts(&b, "BindIPv6Only=ipv6-only\n");
	/* systemd's default for a unix socket is 0666, open to every local user: the daemon's own
	 * account and group instead, as a daemon that binds it itself would leave it */
	if (unix_socket)
		buf_printf(&b, "SocketUser=%s\nSocketGroup=%s\nSocketMode=0660\n", m->daemon.user, m->daemon.group);
	buf_puts(&b, "\n[Install]\nWantedBy=sockets.target\n");
	char *name = socket_unit_name(m);
	char *path = xasprintf(DROPIN_DIR "/%s", name);
	outset_add(out, path, &b, 0644);
	free(path);
	free(name);
}

/* systemd passes sockets blocking unless told: a daemon that takes one without setting
 * O_NONBLOCK itself then hangs in accept(2), deaf to SIGTERM (unbound 1.17 does so with its
 * control socket, seen in the boot test). NonBlocking= is a [Service] setting. */
static void write_non_blocking(struct buf *b, const struct manifest *m)
{
	if (m->daemon.socket_activation)
		buf_puts(b, "NonBlocking=yes\n");
}

/* the service needs its sockets: started alone, it would bind them itself, without the capability */
static void require_socket(struct buf *b, const struct manifest *m)
{
	char *name = socket_unit_name(m);
	buf_printf(b, "Requires=%s\nAfter=%s\n", name, name);
	free(name);
}

void gen_unit(const struct manifest *m, const char *hardening, struct outset *out)
{
	struct buf b = { 0 };
	char *path;
	buf_printf(&b, "# Generated by hardenkit from the %s manifest: the daemon's sandbox.\n", m->name);
	if (m->daemon.upstream_unit) {
		path = xasprintf(DROPIN_DIR "/%s.d/50-hardenkit.conf", m->daemon.unit);
		buf_printf(&b, "# A drop-in over the package's own %s.\n", m->daemon.unit);
		if (m->daemon.socket_activation) {
			buf_puts(&b, "[Unit]\n");
			require_socket(&b, m);
			buf_puts(&b, "\n");
		}
		buf_puts(&b, "[Service]\n");
		write_non_blocking(&b, m);
		/* a daemon run as its own user may keep its pid file elsewhere (squid): name the one it writes */
		if (manifest_own_user(m)) {
			buf_printf(&b, "User=%s\nGroup=%s\n", m->daemon.user, m->daemon.group);
			if (m->daemon.pidfile)
				buf_printf(&b, "PIDFile=%s\n", m->daemon.pidfile);
		}
		/* the empty assignment clears the package's ExecStart= list before the new one; the
		 * manifest's type is that of its own command (nginx kept in the foreground: exec) */
		if (m->daemon.exec_start)
			buf_printf(&b, "# ExecStart= replaced: %s\nType=%s\nExecStart=\nExecStart=%s\n", m->daemon.exec_start_reason,
				   m->daemon.type, m->daemon.exec_start);
		/* an empty exec_start_pre list (with its reason) drops the package's lines */
		if (m->daemon.exec_start_pre_reason)
			buf_printf(&b, "# ExecStartPre= replaced: %s\nExecStartPre=\n", m->daemon.exec_start_pre_reason);
		write_exec_start_pre(&b, m);
	} else {
		path = xasprintf(DROPIN_DIR "/%s", m->daemon.unit);
		buf_printf(&b, "[Unit]\nDescription=%s (hardened by hardenkit)\n", m->description);
		buf_puts(&b, "After=network.target\n");
		if (m->daemon.socket_activation)
			require_socket(&b, m);
		buf_puts(&b, "\n[Service]\n");
		buf_printf(&b, "Type=%s\n", m->daemon.type);
		write_non_blocking(&b, m);
		if (m->daemon.exec_start)
			buf_printf(&b, "# ExecStart= is not the daemon's command line: %s\n", m->daemon.exec_start_reason);
		buf_printf(&b, "ExecStart=%s\n", m->daemon.exec_start ? m->daemon.exec_start : m->daemon.exec);
		if (m->daemon.exec_start_pre_reason)
			buf_printf(&b, "# ExecStartPre=: %s\n", m->daemon.exec_start_pre_reason);
		write_exec_start_pre(&b, m);
		if (m->daemon.pidfile)
			buf_printf(&b, "PIDFile=%s\n", m->daemon.pidfile);
		if (manifest_own_user(m))
			buf_printf(&b, "User=%s\nGroup=%s\n", m->daemon.user, m->daemon.group);
		buf_puts(&b, "Restart=on-failure\n");
	}
	for (size_t i = 0; i < m->daemon.environment.n; i++)
		buf_printf(&b, "Environment=\"%s\"\n", m->daemon.environment.v[i]);
	gen_tmpfiles(m, &b, out);
	if (m->daemon.socket_activation)
		gen_socket(m, out);
	write_directories(&b, m);
	write_sandbox(&b, m, hardening);
	if (!m->daemon.upstream_unit)
		buf_puts(&b, "\n[Install]\nWantedBy=multi-user.target\n");
	outset_add(out, path, &b, 0644);
	free(path);
}
