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

static bool same_program(const char *a, const char *b)
{
	/* merged /usr: /sbin/x and /usr/sbin/x are one file */
	a += str_has_prefix(a, "/usr/") ? 4 : 0;
	b += str_has_prefix(b, "/usr/") ? 4 : 0;
	return strcmp(a, b) == 0;
}

/* A daemon binary: one the package's service units or init scripts start, or a daemon the
 * dialects know by name in an sbin directory (a split package such as Debian's nginx ships
 * the binary and another one starts it). Other programs are not this rule's business. */
static bool is_daemon(const struct facts *f, const char *path)
{
	char *abs = xasprintf("/%s", path);
	bool daemon = false;
	for (size_t i = 0; i < f->n_units && !daemon; i++) {
		char *binary = unit_is_service(&f->units[i]) ? unit_exec_binary(f->units[i].u, NULL) : NULL;
		daemon = binary && same_program(binary, abs);
		free(binary);
	}
	const char *named = abs + (str_has_prefix(abs, "/usr/") ? 4 : 0); /* init scripts say either */
	for (size_t i = 0; i < f->n_files && !daemon; i++)
		daemon = f->files[i].role == ROLE_INIT && f->files[i].text && strstr(f->files[i].text, named);
	const char *base = strrchr(path, '/') + 1;
	bool sbin = str_has_prefix(path, "usr/sbin/") || str_has_prefix(path, "sbin/");
	for (size_t d = 0; sbin && !daemon && d < f->dialects->n; d++)
		daemon = strlist_contains(&f->dialects->v[d]->daemons, base);
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
	for (size_t i = 0; i < f->n_files; i++) {
		const struct fact_file *ff = &f->files[i];
		if (!ff->elf_read || !ff->elf.is_elf || !ff->elf.executable || !strchr(ff->path, '/') ||
		    !is_daemon(f, ff->path))
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
}
