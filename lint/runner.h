/* runner: reads packages N at a time from a stream of paths of any length and hands each
 * result back in the order given, holding at most a window of packages in flight. */
#ifndef HK_LINT_RUNNER_H
#define HK_LINT_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

/* Within the window the largest archive goes first (longest-processing-time-first), so no
 * worker is left alone with a big package at the end; the window bounds memory, whatever the
 * length of the input: RUNNER_WINDOW paths with their results, not the whole list. */
#define RUNNER_WINDOW 256

struct runner_ops {
	/* The next path (caller frees) and its position in the whole input, or NULL at the end. */
	char *(*next)(void *ctx, long long *index);
	/* In a worker thread: reads and judges PATH into R (R->path is set already). */
	void (*judge)(void *ctx, const char *path, struct lint_result *r);
	/* In the calling thread, in input order: takes R (and frees what it holds). */
	void (*emit)(void *ctx, struct lint_result *r);
};

void runner_run(const struct runner_ops *ops, void *ctx, size_t jobs);

#endif
