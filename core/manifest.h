/* manifest: the per-package manifest model (packages/NAME.conf), loaded and validated whole.
 * Everything gen, firewall and firstboot know about a package comes from this struct. */
#ifndef HK_MANIFEST_H
#define HK_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "dialect.h"
#include "diag.h"
#include "util.h"

enum proto { PROTO_TCP, PROTO_UDP, PROTO_UNIX };
enum scope { SCOPE_LOOPBACK, SCOPE_UNIX, SCOPE_PUBLIC };
enum encoding { ENCODING_HEX, ENCODING_BASE64URL, ENCODING_ALNUM };
enum delivery { DELIVERY_CREDENTIAL, DELIVERY_INCLUDE, DELIVERY_APPLY };

struct listener {
	enum proto proto;
	int port; /* 0 for unix */
	char *path; /* unix only */
	enum scope scope;
	char *reason; /* required for public */
	unsigned line;
};

struct credential {
	char *name, *description;
	int strength;
	enum encoding encoding;
	enum delivery delivery;
	unsigned line;
};

struct egress_rule {
	char *to; /* "any" or an IP prefix */
	enum proto proto;
	int port;
	char *reason;
	unsigned line;
};

struct relaxation {
	char *directive, *value, *reason;
	unsigned line;
};

struct manifest {
	char *file;
	char *name, *description;
	struct strlist packages;
	struct {
		char *unit, *exec, *user, *group, *type, *pidfile;
		char *exec_start, *exec_start_reason; /* optional: replaces the ExecStart= gen writes or keeps */
		bool upstream_unit;
		bool socket_activation; /* gen writes NAME.socket with the TCP/UDP listeners; the daemon takes them */
		struct strlist capabilities, address_families;
		struct strlist environment; /* NAME=VALUE pairs the unit sets (Environment=) */
		struct strlist exec_start_pre; /* optional: replaces the package's ExecStartPre= lines */
		char *exec_start_pre_reason;   /* set whenever exec_start_pre is, even as an empty list */
	} daemon;
	struct listener *listen;
	size_t n_listen;
	struct {
		char *dialect, *bind_file;
		struct strlist files;
		unsigned dialect_line;
	} config;
	struct {
		struct strlist read, write, state, logs, runtime, cache, exec;
		/* directories below /run the daemon's account owns and that outlive the service (a
		 * socket unit's socket lives there): a tmpfiles.d line, not RuntimeDirectory= */
		struct strlist owned;
	} paths;
	struct credential *credentials;
	size_t n_credentials;
	struct egress_rule *egress;
	size_t n_egress;
	struct relaxation *relaxations;
	size_t n_relaxations;
};

/* Loads and validates FILE. With DIALECTS, config.dialect must name one of them.
 * Returns NULL when anything is wrong; every problem is in D as FILE:LINE. */
struct manifest *manifest_load(const char *file, const struct dialect_set *dialects, struct diag *d);
void manifest_free(struct manifest *m);

/* The relaxation for DIRECTIVE, or NULL when the manifest keeps the hardened setting. */
const struct relaxation *manifest_relaxation(const struct manifest *m, const char *directive);

const char *proto_name(enum proto p);
const char *scope_name(enum scope s);
const char *encoding_name(enum encoding e);
const char *delivery_name(enum delivery d);

/* The daemon runs as its own account from the start (daemon.user is not root). */
bool manifest_own_user(const struct manifest *m);

/* Directives a relaxation may name: the hardening settings gen writes. NULL-terminated. */
extern const char *const manifest_relaxable_directives[];

#endif
