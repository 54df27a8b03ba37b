/* util: allocation that cannot fail silently, growable strings and lists, small string and I/O
 * helpers. Out-of-memory is the one error that aborts: nothing sensible can be reported without memory. */
#ifndef HK_UTIL_H
#define HK_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

struct strlist {
	char **v;
	size_t n;
};
void strlist_push(struct strlist *l, const char *s);
bool strlist_contains(const struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

/* A growable byte buffer, always NUL-terminated. */
struct buf {
	char *data;
	size_t len, cap;
};
void buf_append(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(struct buf *b);

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
/* Whether S is non-empty, starts with a character of FIRST and goes on with those of REST. */
bool str_in_charset(const char *s, const char *first, const char *rest);
/* The next line of the NUL-terminated text at *CURSOR, as a new string without its newline,
 * with *CURSOR moved past it; NULL at the end of the text. Caller frees. */
char *str_line_dup(const char **cursor);
/* write(2) until LEN bytes are out, retrying on EINTR; false (errno set) on any other failure. */
bool write_all(int fd, const char *data, size_t len);
/* Basename without directory and without the given suffix (when present); caller frees. */
char *path_stem(const char *path, const char *suffix);

#endif
