/* elf: hardening flags from a byte stream; see elf.h. A hand-written reader rather than
 * libelf: the archive is streamed once, so the reader must work on a prefix and one window
 * of a file it never holds whole, which libelf (which wants the whole image) cannot. */
#include "elf.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "../core/util.h"

void elf_scan_init(struct elf_scan *s)
{
	memset(s, 0, sizeof *s);
	s->info.pie = s->info.relro = s->info.bind_now = ELF_UNKNOWN;
	s->info.stack_protector = s->info.fortify = ELF_UNKNOWN;
}

bool elf_magic(const void *data, size_t len)
{
	return len >= SELFMAG && memcmp(data, ELFMAG, SELFMAG) == 0;
}

/* Readers for either byte order and word size: the header says which. */
struct view {
	const unsigned char *p;
	size_t len;
	bool be, wide;
};

static uint64_t rd(const struct view *v, uint64_t off, unsigned size, bool *ok)
{
	if (off > v->len || size > v->len - off) {
		*ok = false;
		return 0;
	}
	uint64_t x = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned b = v->p[off + (v->be ? i : size - 1 - i)];
		x = (x << 8) | b;
	}
	return x;
}

/* The program headers: interpreter, RELRO, where .dynamic is, how addresses map to offsets. */
struct phdrs {
	bool interp, relro;
	uint64_t dyn_off, dyn_size;
	struct {
		uint64_t vaddr, off, filesz;
	} load[16];
	size_t n_load;
	unsigned type;
};

static bool read_phdrs(const struct view *v, struct phdrs *ph)
{
	bool ok = true;
	memset(ph, 0, sizeof *ph);
	ph->type = (unsigned)rd(v, 16, 2, &ok);
	uint64_t phoff = v->wide ? rd(v, 32, 8, &ok) : rd(v, 28, 4, &ok);
	unsigned phentsize = (unsigned)rd(v, v->wide ? 54 : 42, 2, &ok);
	unsigned phnum = (unsigned)rd(v, v->wide ? 56 : 44, 2, &ok);
	if (!ok || phentsize < (v->wide ? 56u : 32u))
		return false;
	for (unsigned i = 0; i < phnum && ok; i++) {
		uint64_t o = phoff + (uint64_t)i * phentsize;
		unsigned type = (unsigned)rd(v, o, 4, &ok);
		uint64_t off = v->wide ? rd(v, o + 8, 8, &ok) : rd(v, o + 4, 4, &ok);
		uint64_t vaddr = v->wide ? rd(v, o + 16, 8, &ok) : rd(v, o + 8, 4, &ok);
		uint64_t filesz = v->wide ? rd(v, o + 32, 8, &ok) : rd(v, o + 16, 4, &ok);
		if (type == PT_INTERP)
			ph->interp = true;
		else if (type == PT_GNU_RELRO)
			ph->relro = true;
		else if (type == PT_DYNAMIC) {
			ph->dyn_off = off;
			ph->dyn_size = filesz;
		} else if (type == PT_LOAD && ph->n_load < sizeof ph->load / sizeof *ph->load) {
			ph->load[ph->n_load].vaddr = vaddr;
			ph->load[ph->n_load].off = off;
			ph->load[ph->n_load].filesz = filesz;
			ph->n_load++;
		}
	}
	return ok;
}

static bool view_of(struct view *v, const unsigned char *p, size_t len)
{
	if (len < EI_NIDENT || !elf_magic(p, len))
		return false;
	v->p = p;
	v->len = len;
	v->wide = p[EI_CLASS] == ELFCLASS64;
	v->be = p[EI_DATA] == ELFDATA2MSB;
	return p[EI_CLASS] == ELFCLASS64 || p[EI_CLASS] == ELFCLASS32;
}

/* Once the head holds the program headers, note where .dynamic is so that feed can catch it. */
static void try_parse(struct elf_scan *s)
{
	struct view v;
	struct phdrs ph;
	if (!view_of(&v, s->head, s->head_len) || !read_phdrs(&v, &ph))
		return;
	s->parsed = true;
	s->dyn_off = ph.dyn_off;
	s->dyn_size = ph.dyn_size < ELF_DYNAMIC_CAP ? ph.dyn_size : ELF_DYNAMIC_CAP;
	if (s->dyn_size)
		s->dyn = xmalloc(s->dyn_size);
}

void elf_scan_feed(struct elf_scan *s, const void *data, size_t len, uint64_t offset)
{
	const unsigned char *p = data;
	if (offset < ELF_HEAD_CAP) {
		size_t take = len;
		if (offset + take > ELF_HEAD_CAP)
			take = ELF_HEAD_CAP - (size_t)offset;
		if (offset == s->head_len) {
			if (s->head_len + take > s->head_cap) {
				/* doubling: the walker feeds 64 KiB blocks, a test one byte at a time */
				size_t cap = s->head_cap ? s->head_cap : 4096;
				while (cap < s->head_len + take)
					cap *= 2;
				s->head_cap = cap < ELF_HEAD_CAP ? cap : ELF_HEAD_CAP;
				s->head = xreallocarray(s->head, s->head_cap, 1);
			}
			memcpy(s->head + s->head_len, p, take);
			s->head_len += take;
		}
	}
	if (!s->parsed && s->head_len >= 64)
		try_parse(s);
	/* the part of [offset, offset+len) that falls into .dynamic */
	if (s->dyn && offset + len > s->dyn_off && offset < s->dyn_off + s->dyn_size) {
		uint64_t from = offset > s->dyn_off ? offset : s->dyn_off;
		uint64_t to = offset + len < s->dyn_off + s->dyn_size ? offset + len : s->dyn_off + s->dyn_size;
		memcpy(s->dyn + (from - s->dyn_off), p + (from - offset), (size_t)(to - from));
		if (to - s->dyn_off > s->dyn_len)
			s->dyn_len = (size_t)(to - s->dyn_off);
	}
}

/* Maps a virtual address to a file offset through the PT_LOAD segments. */
static bool vaddr_to_off(const struct phdrs *ph, uint64_t addr, uint64_t *off)
{
	for (size_t i = 0; i < ph->n_load; i++) {
		if (addr >= ph->load[i].vaddr && addr - ph->load[i].vaddr < ph->load[i].filesz) {
			*off = ph->load[i].off + (addr - ph->load[i].vaddr);
			return true;
		}
	}
	return false;
}

/* glibc's functions with a _FORTIFY_SOURCE checked variant (__NAME_chk) that a program is
 * likely to call with a buffer size the compiler knows (glibc 2.36 debug/Versions) */
static const char *const fortifiable[] = {
	"memcpy", "memmove", "mempcpy", "memset", "stpcpy", "stpncpy", "strcat", "strcpy", "strncat",
	"strncpy", "sprintf", "snprintf", "vsprintf", "vsnprintf", "gets", "fgets", "fread", "read",
	"pread", "pread64", "recv", "recvfrom", "readlink", "readlinkat", "getcwd", "realpath",
	"wcscpy", "wcsncpy", "wmemcpy", "wmemset", "mbstowcs", "wcstombs", "confstr", "getgroups",
	"ttyname_r", "gethostname", "getlogin_r", "poll", "ppoll", NULL,
};

static bool is_fortifiable(const char *name, size_t n)
{
	for (size_t i = 0; fortifiable[i]; i++)
		if (strlen(fortifiable[i]) == n && memcmp(fortifiable[i], name, n) == 0)
			return true;
	return false;
}

static void judge(struct elf_scan *s)
{
	struct view v;
	struct phdrs ph;
	if (!view_of(&v, s->head, s->head_len))
		return;
	s->info.is_elf = true;
	if (!read_phdrs(&v, &ph))
		return;
	s->info.executable = ph.interp;
	s->info.relro = ph.relro ? ELF_YES : ELF_NO;
	bool dyn_flag_pie = false, now = false;
	uint64_t strtab = 0, strsz = 0;
	if (s->dyn && s->dyn_len == s->dyn_size) {
		struct view dv = { s->dyn, s->dyn_len, v.be, v.wide };
		unsigned w = v.wide ? 8 : 4;
		bool ok = true;
		for (uint64_t o = 0; o + 2 * w <= dv.len; o += 2 * w) {
			uint64_t tag = rd(&dv, o, w, &ok), val = rd(&dv, o + w, w, &ok);
			if (tag == DT_NULL)
				break;
			if (tag == DT_BIND_NOW || (tag == DT_FLAGS && (val & DF_BIND_NOW)) ||
			    (tag == DT_FLAGS_1 && (val & DF_1_NOW)))
				now = true;
			if (tag == DT_FLAGS_1 && (val & DF_1_PIE))
				dyn_flag_pie = true;
			if (tag == DT_STRTAB)
				strtab = val;
			if (tag == DT_STRSZ)
				strsz = val;
		}
		s->info.bind_now = now ? ELF_YES : ELF_NO;
	} else if (!ph.dyn_size) {
		s->info.bind_now = ELF_NO; /* static: nothing is bound lazily, but nothing is relocated read-only either */
	}
	s->info.pie = ph.type == ET_DYN && (ph.interp || dyn_flag_pie) ? ELF_YES : ph.type == ET_EXEC ? ELF_NO : ELF_UNKNOWN;
	/* the dynamic string table names the imported functions: __stack_chk_fail for the stack
	 * protector, __*_chk for FORTIFY_SOURCE's checked variants. A binary without any checked
	 * variant lacks FORTIFY only if it imports a function glibc would have checked; one that
	 * imports none (dovecot's small mains, which call into libdovecot) cannot show it. */
	uint64_t stroff;
	if (strtab && strsz && vaddr_to_off(&ph, strtab, &stroff) && stroff < s->head_len &&
	    strsz <= s->head_len - stroff) {
		const char *str = (const char *)s->head + stroff;
		bool ssp = false, fortify = false, unchecked = false;
		for (uint64_t i = 0; i < strsz;) {
			const char *name = str + i;
			size_t n = strnlen(name, (size_t)(strsz - i));
			if (n == strlen("__stack_chk_fail") && memcmp(name, "__stack_chk_fail", n) == 0)
				ssp = true;
			else if (n > 6 && memcmp(name, "__", 2) == 0 && memcmp(name + n - 4, "_chk", 4) == 0)
				fortify = true;
			else if (is_fortifiable(name, n))
				unchecked = true;
			i += n + 1;
		}
		s->info.stack_protector = ssp ? ELF_YES : ELF_NO;
		s->info.fortify = fortify ? ELF_YES : unchecked ? ELF_NO : ELF_UNKNOWN;
	}
}

struct elf_info elf_scan_finish(struct elf_scan *s)
{
	judge(s);
	free(s->head);
	free(s->dyn);
	struct elf_info info = s->info;
	elf_scan_init(s);
	return info;
}
