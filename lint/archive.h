/* archive: reads one package input (.deb, .rpm, .pkg.tar.*, .apk, .tar.*, a directory tree or a
 * single file) once, streaming, and hands each member to the caller; owns the hostile-input
 * checks (traversal, symlink tricks, device nodes, bombs) and the memory bound. Never writes. */
#ifndef HK_LINT_ARCHIVE_H
#define HK_LINT_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/diag.h"
#include "elf.h"

/* The bounds. Memory held for one package is at most WALK_KEEP_CAP of kept text (no kept file
 * above WALK_FILE_CAP; a longer one is cut there and marked truncated), plus one ELF head and
 * window (elf.h), plus libarchive's decoder state (for xz, the dictionary the archive was
 * made with: 8 MiB at dpkg's default -6). Past WALK_MAX_BYTES of content, or past
 * WALK_MAX_RATIO times the input's size once WALK_RATIO_FLOOR is passed, the input is a bomb. */
#define WALK_FILE_CAP (1u << 20)
#define WALK_KEEP_CAP (32u << 20)
#define WALK_MAX_BYTES (8ull << 30)
#define WALK_MAX_RATIO 200u
#define WALK_RATIO_FLOOR (64ull << 20)
#define WALK_MAX_DEPTH 256

enum member_type { MEMBER_FILE, MEMBER_DIR, MEMBER_SYMLINK, MEMBER_HARDLINK, MEMBER_SPECIAL };
/* Where a member sits: the installed tree, the package's metadata (a .deb's control.tar, the
 * .PKGINFO/.INSTALL of Arch and Alpine packages, an .rpm header's name and scriptlets as
 * RPM/header and RPM/%post …), or the one file given alone. */
enum member_part { PART_DATA, PART_CONTROL, PART_SINGLE };

struct member {
	const char *path; /* relative and normalised: "etc/redis/redis.conf" */
	enum member_type type;
	enum member_part part;
	unsigned mode; /* permission bits, setuid/setgid/sticky included */
	long long uid, gid;
	long long size;
	const char *link; /* symlink or hardlink target (normalised for hardlinks), else NULL */
};

enum member_want { WANT_NONE, WANT_TEXT, WANT_ELF };

struct member_content {
	char *text; /* WANT_TEXT: the content, NUL-terminated; the callback owns it */
	size_t len;
	bool truncated; /* cut at WALK_FILE_CAP */
	const struct elf_info *elf; /* WANT_ELF: what the ELF reader found */
};

struct walk_ops {
	/* Asked for each regular file before its content is read. */
	enum member_want (*want)(void *ctx, const struct member *m);
	/* Called for every member, after its content (if wanted) was read. */
	void (*member)(void *ctx, const struct member *m, struct member_content *c);
};

enum input_kind { INPUT_DEB, INPUT_ARCHIVE, INPUT_TREE, INPUT_FILE, INPUT_RPM };

struct walk_stats {
	enum input_kind kind;
	uint64_t bytes; /* content bytes read (uncompressed) */
	size_t members, kept;
	/* a refusal by one of the limits below: the option's name (without --), its bound and the
	 * figure that passed it; NULL otherwise */
	const char *limit;
	uint64_t limit_value, limit_seen, input_size;
};

/* The bomb limits, options of `lint` (--max-bytes, --max-ratio, --ratio-floor) whose defaults
 * are the WALK_ constants above. Set once, before any walk starts (the workers only read them). */
struct walk_limits {
	uint64_t max_bytes; /* content of one package */
	uint64_t max_ratio; /* content over the archive's size ... */
	uint64_t ratio_floor; /* ... judged once the content passes this */
};
extern const struct walk_limits walk_default_limits;
void archive_set_limits(const struct walk_limits *l);
const struct walk_limits *archive_limits(void);

/* Walks INPUT. Returns 0, or -1 with one message in D naming INPUT and the member. */
int archive_walk(const char *input, const struct walk_ops *ops, void *ctx, struct walk_stats *st, struct diag *d);
const char *input_kind_name(enum input_kind k);

#endif
