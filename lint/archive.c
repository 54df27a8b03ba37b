/* archive: one streaming pass over a package input; see archive.h. A .deb's inner tarballs
 * are read as nested libarchive streams whose read callback pulls from the outer ar, so no
 * member is ever extracted; a directory tree is walked with openat and O_NOFOLLOW. */
#include "archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <rpm/header.h>
#include <rpm/rpmlib.h>
#include <rpm/rpmlog.h>
#include <rpm/rpmtd.h>
#include <rpm/rpmts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/util.h"

#define BLOCK (64u << 10)

/* The symlinks seen so far, to refuse a member that lies beneath one: an archive that ships
 * "etc -> /tmp" and then "etc/x" would, unpacked, write through the link. */
struct pathset {
	char **slot;
	size_t n, cap;
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static bool pathset_has(const struct pathset *ps, const char *s, size_t n)
{
	if (!ps->cap)
		return false;
	for (size_t i = hash(s, n) & (ps->cap - 1);; i = (i + 1) & (ps->cap - 1)) {
		if (!ps->slot[i])
			return false;
		if (strlen(ps->slot[i]) == n && memcmp(ps->slot[i], s, n) == 0)
			return true;
	}
}

static void pathset_add(struct pathset *ps, const char *s)
{
	if (pathset_has(ps, s, strlen(s)))
		return;
	if (2 * (ps->n + 1) > ps->cap) {
		struct pathset bigger = { xcalloc(ps->cap ? 2 * ps->cap : 64, sizeof(char *)), 0,
					  ps->cap ? 2 * ps->cap : 64 };
		for (size_t i = 0; i < ps->cap; i++) {
			if (ps->slot[i]) {
				size_t k = hash(ps->slot[i], strlen(ps->slot[i])) & (bigger.cap - 1);
				while (bigger.slot[k])
					k = (k + 1) & (bigger.cap - 1);
				bigger.slot[k] = ps->slot[i];
				bigger.n++;
			}
		}
		free(ps->slot);
		*ps = bigger;
	}
	size_t k = hash(s, strlen(s)) & (ps->cap - 1);
	while (ps->slot[k])
		k = (k + 1) & (ps->cap - 1);
	ps->slot[k] = xstrdup(s);
	ps->n++;
}

static void pathset_free(struct pathset *ps)
{
	for (size_t i = 0; i < ps->cap; i++)
		free(ps->slot[i]);
	free(ps->slot);
}

struct walker {
	const char *input;
	const struct walk_ops *ops;
	void *ctx;
	struct diag *d;
	struct walk_stats *st;
	uint64_t input_size;
	const char *part_name; /* "data.tar.xz" inside a .deb, for messages */
	enum member_part part;
	struct pathset links;
	bool failed;
	/* nested reading */
	struct archive *outer;
	char *nbuf;
};

static void fail(struct walker *w, const char *member, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct walker *w, const char *member, const char *fmt, ...)
{
	if (w->failed)
		return;
	w->failed = true;
	va_list ap;
	va_start(ap, fmt);
	char *text = xvasprintf(fmt, ap);
	va_end(ap);
	if (member)
		diag_error(w->d, w->input, 0, "%s%s%s: %s", w->part_name ? w->part_name : "", w->part_name ? ": " : "",
			   member, text);
	else
		diag_error(w->d, w->input, 0, "%s%s%s", w->part_name ? w->part_name : "", w->part_name ? ": " : "", text);
	free(text);
}

/* Normalises a member name: drops "./" and empty components; refuses ".." and absolute
 * names (both would land outside the root when unpacked). Returns NULL for the root itself. */
static char *normalise(struct walker *w, const char *raw, bool *bad)
{
	*bad = false;
	if (raw[0] == '/') {
		fail(w, raw, "absolute member name (it would be unpacked outside the package root)");
		*bad = true;
		return NULL;
	}
	struct buf b = { 0 };
	const char *p = raw;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			fail(w, raw, "member name climbs out of the package root with '..'");
			*bad = true;
			buf_free(&b);
			return NULL;
		}
		if (n && !(n == 1 && p[0] == '.')) {
			if (b.len)
				buf_append(&b, "/", 1);
			buf_append(&b, p, n);
		}
		p += n + (e != NULL);
	}
	return b.data;
}

/* Whether a symlink at PATH pointing at TARGET stays inside the root when resolved lexically
 * (an absolute target is read inside the package root, as the installed system would). */
static bool link_stays_inside(const char *path, const char *target)
{
	if (target[0] == '/')
		return true;
	long depth = 0;
	for (const char *p = path; *p; p++)
		depth += *p == '/';
	for (const char *p = target; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (--depth < 0)
				return false;
		} else if (n && !(n == 1 && p[0] == '.')) {
			depth++;
		}
		p += n + (e != NULL);
	}
	return true;
}

static bool beneath_link(const struct walker *w, const char *path, const char **which, size_t *len)
{
	for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		if (pathset_has(&w->links, path, (size_t)(p - path))) {
			*which = path;
			*len = (size_t)(p - path);
			return true;
		}
	}
	return false;
}

const struct walk_limits walk_default_limits = { WALK_MAX_BYTES, WALK_MAX_RATIO, WALK_RATIO_FLOOR };
static struct walk_limits limits = { WALK_MAX_BYTES, WALK_MAX_RATIO, WALK_RATIO_FLOOR };

void archive_set_limits(const struct walk_limits *l)
{
	limits = *l;
}

const struct walk_limits *archive_limits(void)
{
	return &limits;
}

static void refused_by(struct walker *w, const char *limit, uint64_t value, uint64_t seen)
{
	w->st->limit = limit;
	w->st->limit_value = value;
	w->st->limit_seen = seen;
	w->st->input_size = w->input_size;
}

static bool count_bytes(struct walker *w, const char *member, size_t n)
{
	w->st->bytes += n;
	if (w->st->bytes > limits.max_bytes) {
		refused_by(w, "max-bytes", limits.max_bytes, w->st->bytes);
		fail(w, member, "more than %llu bytes of content (--max-bytes %llu): refused as a decompression bomb",
		     (unsigned long long)limits.max_bytes, (unsigned long long)limits.max_bytes);
		return false;
	}
	if (w->input_size != UINT64_MAX && w->st->bytes > limits.ratio_floor &&
	    w->st->bytes / limits.max_ratio > w->input_size) {
		refused_by(w, "max-ratio", limits.max_ratio, w->st->bytes / (w->input_size ? w->input_size : 1));
		fail(w, member,
		     "expands more than %llu times its compressed size (%llu bytes to %llu so far, past --ratio-floor %llu; "
		     "--max-ratio %llu): refused as a decompression bomb",
		     (unsigned long long)limits.max_ratio, (unsigned long long)w->input_size,
		     (unsigned long long)w->st->bytes, (unsigned long long)limits.ratio_floor,
		     (unsigned long long)limits.max_ratio);
		return false;
	}
	return true;
}

/* Checks a member and decides what it is; false when it is hostile (the message is in D). */
static bool accept_member(struct walker *w, struct member *m, const char *raw)
{
	if (m->type == MEMBER_SYMLINK) {
		if (!m->link || !*m->link) {
			fail(w, raw, "symlink with an empty target");
			return false;
		}
		if (!link_stays_inside(m->path, m->link)) {
			fail(w, raw, "symlink to '%s' points outside the package root", m->link);
			return false;
		}
	}
	const char *which;
	size_t len;
	if (beneath_link(w, m->path, &which, &len)) {
		fail(w, raw, "lies beneath the symlink '%.*s' (unpacking it would write through the link)", (int)len, which);
		return false;
	}
	if (m->type == MEMBER_SYMLINK)
		pathset_add(&w->links, m->path);
	return true;
}

static void deliver(struct walker *w, struct member *m, struct member_content *c)
{
	w->st->members++;
	w->ops->member(w->ctx, m, c);
}

/* Reads a regular file's content through READ (BLOCK bytes at a time into BUF) and delivers it. */
typedef ssize_t (*read_fn)(void *src, void *buf, size_t n);

static void read_content(struct walker *w, struct member *m, read_fn rd, void *src, char *buf)
{
	enum member_want want = w->ops->want(w->ctx, m);
	struct member_content c = { 0 };
	struct buf text = { 0 };
	struct elf_scan es;
	elf_scan_init(&es);
	uint64_t off = 0;
	for (;;) {
		ssize_t n = rd(src, buf, BLOCK);
		if (n < 0) {
			fail(w, m->path, "cannot read the content: truncated or corrupt");
			break;
		}
		if (n == 0)
			break;
		if (!count_bytes(w, m->path, (size_t)n))
			break;
		if (want == WANT_TEXT && text.len < WALK_FILE_CAP) {
			size_t take = (size_t)n;
			if (text.len + take > WALK_FILE_CAP) {
				take = WALK_FILE_CAP - text.len;
				c.truncated = true;
			}
			buf_append(&text, buf, take);
		} else if (want == WANT_TEXT) {
			c.truncated = true;
		} else if (want == WANT_ELF) {
			elf_scan_feed(&es, buf, (size_t)n, off);
		}
		off += (uint64_t)n;
	}
	struct elf_info info = elf_scan_finish(&es);
	if (w->failed) {
		buf_free(&text);
		return;
	}
	if (want == WANT_TEXT) {
		w->st->kept += text.len;
		if (w->st->kept > WALK_KEEP_CAP) {
			fail(w, m->path, "more than %u MiB of text to judge in one package", WALK_KEEP_CAP >> 20);
			buf_free(&text);
			return;
		}
		/* give back what the buffer's doubling over-allocated: kept text is the bound */
		c.text = text.data ? xreallocarray(text.data, text.len + 1, 1) : xstrdup("");
		c.len = text.len;
	} else if (want == WANT_ELF) {
		c.elf = &info;
	}
	deliver(w, m, &c);
	free(c.text);
}

/* ---- libarchive members ---- */

static ssize_t read_archive(void *src, void *buf, size_t n)
{
	la_ssize_t got = archive_read_data(src, buf, n);
	return got < 0 ? -1 : (ssize_t)got;
}

static bool member_from_entry(struct walker *w, struct archive_entry *e, struct member *m, char **path, char **link)
{
	const char *raw = archive_entry_pathname(e);
	*path = *link = NULL;
	if (!raw) {
		fail(w, NULL, "a member without a name");
		return false;
	}
	bool bad;
	*path = normalise(w, raw, &bad);
	if (bad)
		return false;
	if (!*path)
		return true; /* the root directory itself */
	memset(m, 0, sizeof *m);
	m->path = *path;
	m->part = w->part;
	mode_t mode = archive_entry_mode(e);
	m->mode = mode & 07777;
	m->uid = archive_entry_uid(e);
	m->gid = archive_entry_gid(e);
	m->size = archive_entry_size(e);
	const char *hl = archive_entry_hardlink(e);
	if (hl) {
		m->type = MEMBER_HARDLINK;
		*link = normalise(w, hl, &bad);
		if (bad)
			return false;
		if (!*link) {
			fail(w, raw, "hard link to the package root");
			return false;
		}
		m->link = *link;
	} else {
		switch (mode & S_IFMT) {
		case S_IFREG:
			m->type = MEMBER_FILE;
			break;
		case S_IFDIR:
			m->type = MEMBER_DIR;
			break;
		case S_IFLNK:
			m->type = MEMBER_SYMLINK;
			m->link = archive_entry_symlink(e);
			break;
		case S_IFCHR:
		case S_IFBLK:
			fail(w, raw, "device node (a package has no business shipping one)");
			return false;
		default:
			m->type = MEMBER_SPECIAL;
		}
	}
	if (m->size < 0 || (uint64_t)m->size > limits.max_bytes) {
		if (m->size >= 0)
			refused_by(w, "max-bytes", limits.max_bytes, (uint64_t)m->size);
		fail(w, raw, "declares %lld bytes (--max-bytes %llu): refused as a decompression bomb", (long long)m->size,
		     (unsigned long long)limits.max_bytes);
		return false;
	}
	return accept_member(w, m, raw);
}

static void walk_entries(struct walker *w, struct archive *a, char *buf)
{
	struct archive_entry *e;
	for (;;) {
		int r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			fail(w, NULL, "%s", archive_error_string(a) ? archive_error_string(a) : "corrupt archive");
			return;
		}
		struct member m;
		char *path, *link;
		if (member_from_entry(w, e, &m, &path, &link) && path) {
			if (m.type == MEMBER_FILE)
				read_content(w, &m, read_archive, a, buf);
			else
				deliver(w, &m, &(struct member_content){ 0 });
		}
		free(path);
		free(link);
		if (w->failed)
			return;
	}
}

static struct archive *new_reader(bool tar_only)
{
	struct archive *a = archive_read_new();
	archive_read_support_filter_all(a);
	if (tar_only) {
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
	} else {
		archive_read_support_format_tar(a);
		archive_read_support_format_gnutar(a);
		archive_read_support_format_cpio(a); /* the payload of an .rpm */
	}
	return a;
}

/* The inner tarball of a .deb, streamed from the outer ar member being read. */
static la_ssize_t nested_read(struct archive *a, void *client, const void **out)
{
	(void)a;
	struct walker *w = client;
	la_ssize_t n = archive_read_data(w->outer, w->nbuf, BLOCK);
	*out = w->nbuf;
	return n;
}

static void walk_deb(struct walker *w, struct archive *outer, char *buf)
{
	struct archive_entry *e;
	bool seen_data = false, seen_binary = false;
	for (;;) {
		int r = archive_read_next_header(outer, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN) {
			fail(w, NULL, "%s", archive_error_string(outer) ? archive_error_string(outer) : "corrupt ar archive");
			return;
		}
		const char *name = archive_entry_pathname(e);
		name = name ? name : "";
		bool control = str_has_prefix(name, "control.tar"), data = str_has_prefix(name, "data.tar");
		if (strcmp(name, "debian-binary") == 0) {
			char v[16] = { 0 };
			la_ssize_t n = archive_read_data(outer, v, sizeof v - 1);
			if (n < 4 || strncmp(v, "2.", 2) != 0) {
				fail(w, name, "not a Debian binary package of format 2.x");
				return;
			}
			seen_binary = true;
			continue;
		}
		if (!control && !data)
			continue; /* signatures and the like: nothing to judge */
		if (!seen_binary) {
			fail(w, name, "debian-binary is not the first member");
			return;
		}
		struct archive *in = new_reader(true);
		w->outer = outer;
		w->part = control ? PART_CONTROL : PART_DATA;
		w->part_name = name;
		if (archive_read_open(in, w, NULL, nested_read, NULL) != ARCHIVE_OK)
			fail(w, NULL, "%s", archive_error_string(in) ? archive_error_string(in) : "cannot open");
		else
			walk_entries(w, in, buf);
		archive_read_free(in);
		w->part_name = NULL;
		if (w->failed)
			return;
		seen_data |= data;
	}
	if (!seen_binary || !seen_data)
		fail(w, NULL, "not a Debian binary package: %s is missing", seen_binary ? "data.tar" : "debian-binary");
}

/* Arch and Alpine keep their metadata and install scripts as dot-files at the top. */
static bool is_metadata(const char *path)
{
	return path[0] == '.' && !strchr(path, '/');
}

/* ---- directory trees ---- */

struct fd_src {
	int fd;
};

static ssize_t read_fd(void *src, void *buf, size_t n)
{
	for (;;) {
		ssize_t got = read(((struct fd_src *)src)->fd, buf, n);
		if (got >= 0 || errno != EINTR)
			return got;
	}
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk_dir(struct walker *w, int dirfd, const char *prefix, unsigned depth, char *buf)
{
	if (depth > WALK_MAX_DEPTH) {
		fail(w, prefix, "directories nested deeper than %u levels", WALK_MAX_DEPTH);
		return;
	}
	int fd = dup(dirfd);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		if (fd >= 0)
			close(fd);
		fail(w, prefix[0] ? prefix : NULL, "cannot read the directory: %s", strerror(errno));
		return;
	}
	struct strlist names = { 0 };
	struct dirent *de;
	while ((de = readdir(dir)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			strlist_push(&names, de->d_name);
	closedir(dir);
	if (names.n)
		qsort(names.v, names.n, sizeof *names.v, cmp_names); /* a deterministic order */
	for (size_t i = 0; i < names.n && !w->failed; i++) {
		char *path = *prefix ? xasprintf("%s/%s", prefix, names.v[i]) : xstrdup(names.v[i]);
		struct stat sb;
		if (fstatat(dirfd, names.v[i], &sb, AT_SYMLINK_NOFOLLOW) != 0) {
			fail(w, path, "cannot stat: %s", strerror(errno));
			free(path);
			break;
		}
		struct member m = { .path = path, .part = w->part, .mode = sb.st_mode & 07777, .uid = sb.st_uid,
				    .gid = sb.st_gid, .size = sb.st_size };
		char target[4096];
		if (S_ISLNK(sb.st_mode)) {
			ssize_t n = readlinkat(dirfd, names.v[i], target, sizeof target - 1);
			if (n < 0) {
				fail(w, path, "cannot read the symlink: %s", strerror(errno));
				free(path);
				break;
			}
			target[n] = 0;
			m.type = MEMBER_SYMLINK;
			m.link = target;
			if (accept_member(w, &m, path))
				deliver(w, &m, &(struct member_content){ 0 });
		} else if (S_ISDIR(sb.st_mode)) {
			m.type = MEMBER_DIR;
			deliver(w, &m, &(struct member_content){ 0 });
			int sub = openat(dirfd, names.v[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				fail(w, path, "cannot open the directory: %s", strerror(errno));
			else {
				walk_dir(w, sub, path, depth + 1, buf);
				close(sub);
			}
		} else if (S_ISREG(sb.st_mode)) {
			m.type = MEMBER_FILE;
			/* O_NOFOLLOW|O_NONBLOCK: a file swapped for a link or a FIFO since the stat is not opened */
			int f = openat(dirfd, names.v[i], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
			struct stat fsb;
			if (f < 0 || fstat(f, &fsb) != 0 || !S_ISREG(fsb.st_mode) || fsb.st_ino != sb.st_ino) {
				fail(w, path, "cannot open: %s", f < 0 ? strerror(errno) : "it changed while being read");
			} else {
				struct fd_src src = { f };
				read_content(w, &m, read_fd, &src, buf);
			}
			if (f >= 0)
				close(f);
		} else if (S_ISCHR(sb.st_mode) || S_ISBLK(sb.st_mode)) {
			fail(w, path, "device node (a package has no business shipping one)");
		} else {
			m.type = MEMBER_SPECIAL;
			deliver(w, &m, &(struct member_content){ 0 });
		}
		free(path);
	}
	strlist_free(&names);
}

/* ---- what the input is ---- */

static const char *const deb_suffixes[] = { ".deb", ".udeb", ".ddeb", NULL };
static const char *const archive_suffixes[] = { ".apk", ".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.zst",
						".tzst", ".tar.bz2", ".tbz2", ".tar.lzma", ".cpio", NULL };

static bool has_any_suffix(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (str_has_suffix(s, list[i]))
			return true;
	return false;
}

/* Magic numbers of what libarchive should open even under another name. */
static enum input_kind sniff(const unsigned char *h, size_t n)
{
	static const struct {
		size_t off;
		const char *magic;
		size_t len;
		enum input_kind kind;
	} magics[] = {
		{ 0, "!<arch>\n", 8, INPUT_DEB },     { 0, "\x1f\x8b", 2, INPUT_ARCHIVE },
		{ 0, "\xfd" "7zXZ", 5, INPUT_ARCHIVE }, { 0, "\x28\xb5\x2f\xfd", 4, INPUT_ARCHIVE },
		{ 0, "BZh", 3, INPUT_ARCHIVE },       { 0, "\xed\xab\xee\xdb", 4, INPUT_RPM },
		{ 257, "ustar", 5, INPUT_ARCHIVE },
	};
	for (size_t i = 0; i < sizeof magics / sizeof *magics; i++)
		if (n >= magics[i].off + magics[i].len && memcmp(h + magics[i].off, magics[i].magic, magics[i].len) == 0)
			return magics[i].kind;
	return INPUT_FILE;
}

/* Formats recognised by their magic that no library here reads: a plain refusal beats
 * libarchive's "Unrecognized archive format". */
static const char *unreadable_format(const unsigned char *h, size_t n)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *why;
	} formats[] = {
		{ "ADB", 3,
		  "an Alpine apk v3 package (ADB format), which libarchive cannot read; hardenkit reads apk v2 "
		  "packages, the format Alpine's repositories ship (3.23 included)" },
	};
	for (size_t i = 0; i < sizeof formats / sizeof *formats; i++)
		if (n >= formats[i].len && memcmp(h, formats[i].magic, formats[i].len) == 0)
			return formats[i].why;
	return NULL;
}

const char *input_kind_name(enum input_kind k)
{
	static const char *const names[] = { "deb", "archive", "tree", "file", "rpm" };
	return names[k];
}

static void walk_single(struct walker *w, int fd, const char *input, char *buf)
{
	const char *base = strrchr(input, '/');
	base = base ? base + 1 : input;
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		fail(w, NULL, "cannot stat: %s", strerror(errno));
		return;
	}
	struct member m = { .path = base, .type = MEMBER_FILE, .part = PART_SINGLE, .mode = sb.st_mode & 07777,
			    .uid = sb.st_uid, .gid = sb.st_gid, .size = sb.st_size };
	struct fd_src src = { fd };
	read_content(w, &m, read_fd, &src, buf);
}

static void walk_archive(struct walker *w, int fd, enum input_kind kind, char *buf)
{
	struct archive *a = archive_read_new();
	if (kind == INPUT_DEB) {
		archive_read_support_format_ar(a);
	} else {
		archive_read_free(a);
		a = new_reader(false);
	}
	if (archive_read_open_fd(a, fd, BLOCK) != ARCHIVE_OK) {
		fail(w, NULL, "%s", archive_error_string(a) ? archive_error_string(a) : "cannot open the archive");
	} else if (kind == INPUT_DEB) {
		walk_deb(w, a, buf);
	} else {
		w->part = PART_DATA;
		walk_entries(w, a, buf);
	}
	archive_read_free(a);
}

/* ---- .rpm: the header through librpm, then the payload through libarchive ---- */

struct mem_src {
	const char *p;
	size_t left;
};

static ssize_t read_mem(void *src, void *buf, size_t n)
{
	struct mem_src *m = src;
	n = n < m->left ? n : m->left;
	memcpy(buf, m->p, n);
	m->p += n;
	m->left -= n;
	return (ssize_t)n;
}

/* A text made from the header, delivered as a metadata member: the same caps as a file's. */
static void deliver_text(struct walker *w, const char *path, const char *text, char *buf)
{
	struct member m = { .path = path, .type = MEMBER_FILE, .part = PART_CONTROL, .mode = 0644,
			    .size = (long long)strlen(text) };
	struct mem_src src = { text, strlen(text) };
	read_content(w, &m, read_mem, &src, buf);
}

/* The first string of TAG (a string or a string array), or NULL. */
static const char *header_first(Header h, rpmTagVal tag, struct rpmtd_s *td)
{
	if (!headerGet(h, tag, td, HEADERGET_MINMEM))
		return NULL;
	return rpmtdNextString(td) ? rpmtdGetString(td) : NULL;
}

/* The scriptlets rpm runs at install, upgrade and removal, with the interpreter each names
 * (RPMTAG_*PROG: /bin/sh unless the spec says otherwise, "<lua>" for the built-in Lua). */
static void deliver_scriptlets(struct walker *w, Header h, char *buf)
{
	static const struct {
		rpmTagVal script, prog;
		const char *path;
	} scriptlets[] = {
		{ RPMTAG_PRETRANS, RPMTAG_PRETRANSPROG, "RPM/%pretrans" },
		{ RPMTAG_PREIN, RPMTAG_PREINPROG, "RPM/%pre" },
		{ RPMTAG_POSTIN, RPMTAG_POSTINPROG, "RPM/%post" },
		{ RPMTAG_PREUN, RPMTAG_PREUNPROG, "RPM/%preun" },
		{ RPMTAG_POSTUN, RPMTAG_POSTUNPROG, "RPM/%postun" },
		{ RPMTAG_POSTTRANS, RPMTAG_POSTTRANSPROG, "RPM/%posttrans" },
	};
	for (size_t i = 0; i < sizeof scriptlets / sizeof *scriptlets && !w->failed; i++) {
		struct rpmtd_s script, prog;
		const char *body = header_first(h, scriptlets[i].script, &script);
		if (!body)
			continue;
		const char *interp = header_first(h, scriptlets[i].prog, &prog);
		/* "#!" names the interpreter for the rules, and keeps the body's lines numbered from 2 */
		char *text = xasprintf("#!%s\n%s\n", interp ? interp : "/bin/sh", body);
		deliver_text(w, scriptlets[i].path, text, buf);
		free(text);
		rpmtdFreeData(&script);
		if (interp)
			rpmtdFreeData(&prog);
	}
	/* trigger scripts: one entry per trigger, in one array */
	struct rpmtd_s triggers;
	if (!w->failed && headerGet(h, RPMTAG_TRIGGERSCRIPTS, &triggers, HEADERGET_MINMEM)) {
		const char *body;
		for (int k = 0; (body = rpmtdNextString(&triggers)) && !w->failed; k++) {
			char *path = xasprintf("RPM/%%trigger-%d", k);
			char *text = xasprintf("#!/bin/sh\n%s\n", body);
			deliver_text(w, path, text, buf);
			free(text);
			free(path);
		}
		rpmtdFreeData(&triggers);
	}
}

/* The bound on what librpm holds: the signature and main headers, whose sizes their 16-byte
 * intros give (magic, reserved, index count, data size, big-endian: rpm's "header" format),
 * read with pread before librpm reads them. librpm itself would accept up to 256 MiB. */
#define RPM_HEADERS_CAP (16u << 20)

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool rpm_headers_fit(int fd)
{
	uint64_t off = 96; /* the lead */
	for (int i = 0; i < 2; i++) {
		unsigned char intro[16];
		if (pread(fd, intro, sizeof intro, (off_t)off) != (ssize_t)sizeof intro)
			return true; /* short: librpm reports the corruption */
		uint64_t size = 16 + 16 * (uint64_t)be32(intro + 8) + be32(intro + 12);
		if (i == 0)
			size = (size + 7) & ~(uint64_t)7; /* the signature is padded to 8 bytes */
		off += size;
		if (off > RPM_HEADERS_CAP)
			return false;
	}
	return true;
}

/* librpm reads the lead, the signature and the header, and leaves the file at the payload,
 * which libarchive then reads as it reads any compressed cpio: the file is read once. Digests
 * and signatures are not checked (a linter has no keyring; rpm itself checks them at install). */
/* librpm's own messages become the reason of the one error hardenkit prints; lint -j reads
 * packages in threads, and librpm calls back in the thread that logs */
static _Thread_local char rpm_reason[256];

static int keep_rpm_message(rpmlogRec rec, rpmlogCallbackData data)
{
	(void)data;
	if (rpmlogRecPriority(rec) <= RPMLOG_ERR && !rpm_reason[0]) {
		snprintf(rpm_reason, sizeof rpm_reason, "%s", rpmlogRecMessage(rec));
		rpm_reason[strcspn(rpm_reason, "\n")] = '\0';
	}
	return 0; /* handled: librpm prints nothing itself */
}

/* librpm's configuration (macros, rpmrc) is global: read once, whichever thread comes first */
static pthread_once_t rpm_once = PTHREAD_ONCE_INIT;

static void rpm_setup(void)
{
	rpmlogSetCallback(keep_rpm_message, NULL);
	rpmReadConfigFiles(NULL, NULL);
}

static void walk_rpm(struct walker *w, int fd, char *buf)
{
	pthread_once(&rpm_once, rpm_setup);
	rpm_reason[0] = '\0';
	if (!rpm_headers_fit(fd)) {
		fail(w, NULL, "the .rpm's headers declare more than %u MiB: refused", RPM_HEADERS_CAP >> 20);
		return;
	}
	rpmts ts = rpmtsCreate();
	rpmtsSetVSFlags(ts, RPMVSF_MASK_NODIGESTS | RPMVSF_MASK_NOSIGNATURES | RPMVSF_NOHDRCHK);
	FD_t rfd = fdDup(fd);
	Header h = NULL;
	rpmRC rc = rfd ? rpmReadPackageFile(ts, rfd, w->input, &h) : RPMRC_FAIL;
	off_t payload = rc == RPMRC_OK ? lseek(fd, 0, SEEK_CUR) : -1;
	if (rfd)
		Fclose(rfd);
	rpmtsFree(ts);
	if (rc != RPMRC_OK || !h || payload < 0) {
		fail(w, NULL, "not a readable .rpm: its lead, signature or header is corrupt%s%s", rpm_reason[0] ? ": " : "",
		     rpm_reason);
		headerFree(h);
		return;
	}
	const char *name = headerGetString(h, RPMTAG_NAME), *version = headerGetString(h, RPMTAG_VERSION);
	const char *release = headerGetString(h, RPMTAG_RELEASE);
	char *control = xasprintf("Package: %s\nVersion: %s%s%s\n", name ? name : "", version ? version : "",
				  release ? "-" : "", release ? release : "");
	deliver_text(w, "RPM/header", control, buf);
	free(control);
	if (!w->failed)
		deliver_scriptlets(w, h, buf);
	headerFree(h);
	if (!w->failed)
		walk_archive(w, fd, INPUT_ARCHIVE, buf); /* from the payload on: a compressed cpio */
}

struct metadata_ctx {
	const struct walk_ops *inner;
	void *ctx;
};

/* Arch and Alpine: top-level dot-files are the package's metadata, not installed files. */
static enum member_want meta_want(void *ctx, const struct member *m)
{
	struct metadata_ctx *mc = ctx;
	struct member copy = *m;
	if (is_metadata(m->path))
		copy.part = PART_CONTROL;
	return mc->inner->want(mc->ctx, &copy);
}

static void meta_member(void *ctx, const struct member *m, struct member_content *c)
{
	struct metadata_ctx *mc = ctx;
	struct member copy = *m;
	if (is_metadata(m->path))
		copy.part = PART_CONTROL;
	mc->inner->member(mc->ctx, &copy, c);
}

int archive_walk(const char *input, const struct walk_ops *ops, void *ctx, struct walk_stats *st, struct diag *d)
{
	struct walk_stats local = { 0 };
	st = st ? st : &local;
	memset(st, 0, sizeof *st);
	struct metadata_ctx mc = { ops, ctx };
	static const struct walk_ops meta_ops = { meta_want, meta_member };
	struct walker w = { .input = input, .ops = &meta_ops, .ctx = &mc, .d = d, .st = st };
	int fd = open(input, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0) {
		diag_error(d, input, 0, "cannot open: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	w.input_size = (uint64_t)sb.st_size;
	char *buf = xmalloc(BLOCK);
	w.nbuf = xmalloc(BLOCK);
	if (S_ISDIR(sb.st_mode)) {
		st->kind = INPUT_TREE;
		w.ops = ops;
		w.ctx = ctx;
		w.input_size = UINT64_MAX; /* a tree is not compressed */
		walk_dir(&w, fd, "", 0, buf);
	} else if (!S_ISREG(sb.st_mode)) {
		fail(&w, NULL, "neither a file nor a directory");
	} else {
		unsigned char head[264];
		ssize_t n = pread(fd, head, sizeof head, 0);
		enum input_kind kind = sniff(head, n > 0 ? (size_t)n : 0);
		if (has_any_suffix(input, deb_suffixes))
			kind = INPUT_DEB;
		else if (str_has_suffix(input, ".rpm"))
			kind = INPUT_RPM;
		else if (kind != INPUT_RPM && (has_any_suffix(input, archive_suffixes) || strstr(input, ".pkg.tar")))
			kind = INPUT_ARCHIVE;
		st->kind = kind;
		const char *unreadable = unreadable_format(head, n > 0 ? (size_t)n : 0);
		if (unreadable) {
			fail(&w, NULL, "%s", unreadable);
		} else if (kind == INPUT_FILE) {
			w.ops = ops;
			w.ctx = ctx;
			w.input_size = UINT64_MAX;
			walk_single(&w, fd, input, buf);
		} else {
			if (kind == INPUT_DEB || kind == INPUT_RPM) {
				w.ops = ops;
				w.ctx = ctx;
			}
			if (kind == INPUT_RPM)
				walk_rpm(&w, fd, buf);
			else
				walk_archive(&w, fd, kind, buf);
		}
	}
	close(fd);
	free(buf);
	free(w.nbuf);
	pathset_free(&w.links);
	return w.failed ? -1 : 0;
}
