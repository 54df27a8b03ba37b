/* tap: a header-only Test Anything Protocol producer for the C tests, read by prove.
 * ok()/is_str()/is_int() print one test line each; done_testing() prints the plan and exits. */
#ifndef HK_TAP_H
#define HK_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned tap_count, tap_failed;

__attribute__((format(printf, 2, 3))) static int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	printf("%sok %u - ", cond ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

__attribute__((format(printf, 1, 2))) static void diag(const char *fmt, ...)
{
	va_list ap;
	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

#define is_str(got, want, ...)                                                                   \
	do {                                                                                     \
		const char *got_ = (got), *want_ = (want);                                       \
		if (!ok(got_ && want_ ? strcmp(got_, want_) == 0 : got_ == want_, __VA_ARGS__)) \
			diag("got: '%s'\n#     expected: '%s'", got_ ? got_ : "(null)",             \
			     want_ ? want_ : "(null)");                                                 \
	} while (0)

#define is_int(got, want, ...)                                                        \
	do {                                                                          \
		long long got_ = (got), want_ = (want);                               \
		if (!ok(got_ == want_, __VA_ARGS__))                                  \
			diag("got: %lld\n#     expected: %lld", got_, want_);         \
	} while (0)

static int done_testing(void)
{
	printf("1..%u\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
