/* filerules: file modes (file-setuid, file-world-writable) and elf-hardening; see checks.h. */
#include <stddef.h>
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

/* Programs live here; libraries and data elsewhere are not judged. */
static const char *const program_dirs[] = { "usr/sbin/", "usr/bin/", "sbin/", "bin/", "usr/libexec/", "usr/lib/", NULL };

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
		if (!ff->elf_read || !ff->elf.is_elf || !ff->elf.executable)
			continue;
		bool program = false;
		for (size_t k = 0; program_dirs[k]; k++)
			program |= str_has_prefix(ff->path, program_dirs[k]);
		if (!program)
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
