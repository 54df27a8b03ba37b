/* facts: everything the rules read about one package, gathered in one pass of the archive
 * walker before any rule runs: files, configs read by dialect, units merged with their
 * drop-ins, AppArmor profiles, maintainer scripts, cron jobs, ELF flags. */
#ifndef HK_LINT_FACTS_H
#define HK_LINT_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/diag.h"
#include "../core/dialect.h"
#include "../core/unitfile.h"
#include "aaprofile.h"
#include "archive.h"
#include "confread.h"
#include "installs.h"
#include "lintdata.h"

enum file_role {
	ROLE_NONE,
	ROLE_UNIT, /* a unit or a drop-in */
	ROLE_PROFILE, /* etc/apparmor.d */
	ROLE_DEFAULT, /* etc/default */
	ROLE_CRON, /* etc/cron.d, etc/cron.{hourly,daily,weekly,monthly}, etc/crontab */
	ROLE_SCRIPT, /* a maintainer script */
	ROLE_NFTABLES, /* a shipped nftables ruleset */
	ROLE_IPTABLES, /* iptables-save rules */
	ROLE_CONTROL, /* package metadata */
	ROLE_WAIVER, /* the package's own waivers (waiver.h) */
	ROLE_INIT, /* a SysV init script: which daemon it starts */
};

struct fact_file {
	char *path; /* as shown in findings: "etc/redis/redis.conf", "DEBIAN/postinst" */
	enum member_type type;
	enum member_part part;
	enum file_role role;
	unsigned mode;
	long long uid, gid, size;
	char *link;
	char *text; /* kept content, or NULL */
	size_t len;
	bool truncated;
	bool elf_read;
	struct elf_info elf;
};

struct fact_config {
	const struct dialect *dl;
	size_t file; /* index into files */
	const struct install *installed; /* put in place by a maintainer script (ucf), or NULL */
	struct conf_doc doc;
};

struct fact_unit {
	struct unitfile *u;
	const char *type; /* "service", "socket", "timer", … (points into the name) */
	bool has_main; /* the package ships the unit itself, not only drop-ins */
	size_t main_file; /* index into files, when has_main */
};

struct fact_profile {
	struct aa_profile p;
	size_t file;
};

struct facts {
	const char *input;
	const char *display; /* for a single file: the argument, shown instead of its placed path */
	char *name, *version;
	enum input_kind kind;
	struct fact_file *files;
	size_t n_files, cap_files;
	struct fact_config *configs;
	size_t n_configs;
	struct fact_unit *units;
	size_t n_units;
	struct fact_profile *profiles;
	size_t n_profiles;
	struct installs installs; /* package files the maintainer scripts install as configs */
	const struct dialect_set *dialects;
	const struct lint_data *data;
	struct diag notes; /* what the readers found odd (unit syntax, truncated files) */
	struct walk_stats stats;
};

/* Settings read from configs, per package: beyond it a note says what was not judged. With
 * WALK_KEEP_CAP this bounds the fact base (about 100 bytes a setting: 6.5 MiB). */
#define FACTS_MAX_DIRECTIVES 65536

/* Reads INPUT into F. Returns 0, or -1 with the reason in D (the input could not be read). */
int facts_gather(struct facts *f, const char *input, const struct dialect_set *dialects,
		 const struct lint_data *data, struct diag *d);
void facts_free(struct facts *f);
/* The file at PATH (relative, normalised), or NULL. Files are sorted by path. */
const struct fact_file *facts_file(const struct facts *f, const char *path);
/* The name a finding shows for a file. */
const char *facts_shown(const struct facts *f, const char *path);
/* Where config C lands on the system (relative): its own path, or where a script installs it. */
const char *facts_config_path(const struct facts *f, const struct fact_config *c);
/* The dialect whose file globs match PATH (relative), or NULL. */
const struct dialect *facts_dialect_of(const struct dialect_set *ds, const char *path);

#endif
