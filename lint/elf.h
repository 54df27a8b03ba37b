/* elf: the hardening flags of an ELF binary (PIE, RELRO, BIND_NOW, stack protector, FORTIFY),
 * read from a stream of its bytes in one pass: the head is kept, the dynamic section caught. */
#ifndef HK_LINT_ELF_H
#define HK_LINT_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of the head kept (the ELF header, program headers and, in most binaries, .dynstr);
 * .dynamic, wherever it lies, is caught up to ELF_DYNAMIC_CAP. Both are freed at the end. */
#define ELF_HEAD_CAP (1u << 20)
#define ELF_DYNAMIC_CAP (64u << 10)

enum elf_tri { ELF_NO, ELF_YES, ELF_UNKNOWN };

struct elf_info {
	bool is_elf;
	bool executable; /* has a program interpreter: a program, not a library */
	enum elf_tri pie, relro, bind_now, stack_protector, fortify;
};

struct elf_scan {
	unsigned char *head;
	size_t head_len, head_cap;
	bool parsed, bad;
	uint64_t dyn_off, dyn_size;
	unsigned char *dyn;
	size_t dyn_len;
	struct elf_info info;
};

void elf_scan_init(struct elf_scan *s);
/* Feeds the bytes at OFFSET (consecutive calls, increasing offsets). */
void elf_scan_feed(struct elf_scan *s, const void *data, size_t len, uint64_t offset);
/* Judges what was fed and frees the buffers. */
struct elf_info elf_scan_finish(struct elf_scan *s);
/* Whether the first bytes of a file are an ELF header. */
bool elf_magic(const void *data, size_t len);

#endif
