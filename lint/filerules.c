/* filerules: file modes (file-setuid, file-world-writable) and elf-hardening; see checks.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"
#include "checks.h"

CHECK(check_file_mode)
{
	(void)o;
	const struct mode_check *m = self->arg;
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (ff->type == MEMBER_SYMLINK || ff->type == MEMBER_HARDLINK || ff->part != PART_DATA)
			continue;
		if (m->regular_only && ff->type != MEMBER_FILE)
			continue;
		if ((ff->mode & m->bits) && !(ff->type == MEMBER_DIR && (ff->mode & m->unless)))
			findings_add(out, self, facts_shown(f, ff->path), 0, "%s %s (mode %04o)",
				     ff->type == MEMBER_DIR ? "directory is" : "is", m->what, ff->mode);
	}
}

/* What the package starts, gathered once: its service units' ExecStart= binaries (without
 * "/usr", for merged /usr: /sbin/x and /usr/sbin/x are one file) and its init scripts' text. */
struct started {
	struct strlist binaries;
	const char **init_texts;
	size_t n_init;
};

static const char *without_usr(const char *abs)
{
	return abs + (str_has_prefix(abs, "/usr/") ? 4 : 0);
}

static void gather_started(const struct facts *f, struct started *st)
{
	for (size_t i = 0; i < f->n_units; i++) {
		char *binary = unit_is_service(&f->units[i]) ? unit_exec_binary(f->units[i].u, NULL) : NULL;
		if (binary && *binary == '/')
			strlist_push(&st->binaries, without_usr(binary));
		free(binary);
	}
	st->init_texts = xcalloc(f->n_files ? f->n_files : 1, sizeof *st->init_texts);
	for (size_t i = 0; i < f->n_files; i++)
		if (f->files[i].role == ROLE_INIT && f->files[i].text)
			st->init_texts[st->n_init++] = f->files[i].text;
}

/* A daemon binary: one the package's service units or init scripts start, or a daemon a
 * dialect names in an sbin directory (a split package such as Debian's nginx ships the binary
 * and another one starts it). Other programs are not this rule's business. */
static bool is_daemon(const struct facts *f, const struct started *st, const char *path)
{
	char *abs = xasprintf("/%s", path);
	const char *named = without_usr(abs); /* init scripts say either */
	bool daemon = strlist_contains(&st->binaries, named);
	for (size_t i = 0; i < st->n_init && !daemon; i++)
		daemon = strstr(st->init_texts[i], named) != NULL;
	for (size_t d = 0; !daemon && d < f->dialects->n; d++)
		daemon = is_daemon_binary(path, f->dialects->v[d]);
	free(abs);
	return daemon;
}

CHECK(check_elf_hardening)
{
	(void)o;
	static const struct {
		size_t off;
		const char *name;
	} features[] = {
		{ offsetof(struct elf_info, pie), "PIE" },
		{ offsetof(struct elf_info, relro), "RELRO" },
		{ offsetof(struct elf_info, bind_now), "BIND_NOW" },
		{ offsetof(struct elf_info, stack_protector), "stack protector" },
		{ offsetof(struct elf_info, fortify), "FORTIFY" },
	};
	struct started st = { 0 };
	gather_started(f, &st);
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (!ff->elf_read || !ff->elf.is_elf || !ff->elf.executable || !is_daemon(f, &st, ff->path))
			continue;
		struct buf missing = { 0 };
		for (size_t k = 0; k < sizeof features / sizeof *features; k++) {
			enum elf_tri v;
			memcpy(&v, (const char *)&ff->elf + features[k].off, sizeof v);
			if (v == ELF_NO)
				buf_printf(&missing, "%s%s", missing.len ? ", " : "", features[k].name);
		}
		if (missing.len)
			findings_add(out, self, facts_shown(f, ff->path), 0, "built without %s", missing.data);
		buf_free(&missing);
	}
	strlist_free(&st.binaries);
	free(st.init_texts);
}
