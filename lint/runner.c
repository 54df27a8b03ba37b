/* runner: a bounded window over the input, workers taking its largest waiting package, the
 * calling thread emitting results in order; see runner.h. */
#include "runner.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../core/util.h"

enum slot_state { SLOT_WAITING, SLOT_RUNNING, SLOT_DONE };

struct slot {
	enum slot_state state;
	long long size;
	struct lint_result r;
};

struct run {
	const struct runner_ops *ops;
	void *ctx;
	struct slot *slots;
	size_t head, tail; /* sequence numbers: emitted up to head, filled up to tail */
	bool eof;
	pthread_mutex_t lock;
	pthread_cond_t work, done;
};

static long long size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) ? (long long)st.st_size : 0;
}

/* The largest waiting package in the window (the earliest among equals), or NULL. */
static struct slot *pick(struct run *x)
{
	struct slot *best = NULL;
	for (size_t s = x->head; s < x->tail; s++) {
		struct slot *sl = &x->slots[s % RUNNER_WINDOW];
		if (sl->state == SLOT_WAITING && (!best || sl->size > best->size))
			best = sl;
	}
	return best;
}

static void *worker(void *arg)
{
	struct run *x = arg;
	pthread_mutex_lock(&x->lock);
	for (;;) {
		struct slot *sl = pick(x);
		if (!sl) {
			if (x->eof)
				break;
			pthread_cond_wait(&x->work, &x->lock);
			continue;
		}
		sl->state = SLOT_RUNNING;
		pthread_mutex_unlock(&x->lock);
		x->ops->judge(x->ctx, sl->r.path, &sl->r);
		pthread_mutex_lock(&x->lock);
		sl->state = SLOT_DONE;
		pthread_cond_broadcast(&x->done);
	}
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

void runner_run(const struct runner_ops *ops, void *ctx, size_t jobs)
{
	struct run x = { .ops = ops, .ctx = ctx };
	x.slots = xcalloc(RUNNER_WINDOW, sizeof *x.slots);
	pthread_mutex_init(&x.lock, NULL);
	pthread_cond_init(&x.work, NULL);
	pthread_cond_init(&x.done, NULL);
	pthread_t *tids = xcalloc(jobs, sizeof *tids);
	size_t started = 0;
	for (size_t i = 0; i < jobs; i++)
		if (pthread_create(&tids[started], NULL, worker, &x) == 0)
			started++;
	if (!started)
		abort(); /* not one thread: nothing can be read */
	for (;;) {
		/* fill the window: the path is read (and its size taken) outside the lock */
		while (!x.eof && x.tail - x.head < RUNNER_WINDOW) {
			long long index = -1;
			char *path = ops->next(ctx, &index);
			pthread_mutex_lock(&x.lock);
			if (!path) {
				x.eof = true;
			} else {
				struct slot *sl = &x.slots[x.tail % RUNNER_WINDOW];
				memset(sl, 0, sizeof *sl);
				sl->state = SLOT_WAITING;
				sl->size = size_of(path);
				sl->r.path = path;
				sl->r.index = index;
				sl->r.essential = -1;
				x.tail++;
			}
			pthread_cond_broadcast(&x.work);
			pthread_mutex_unlock(&x.lock);
		}
		pthread_mutex_lock(&x.lock);
		if (x.head == x.tail && x.eof) {
			pthread_mutex_unlock(&x.lock);
			break;
		}
		struct slot *sl = &x.slots[x.head % RUNNER_WINDOW];
		while (sl->state != SLOT_DONE)
			pthread_cond_wait(&x.done, &x.lock);
		pthread_mutex_unlock(&x.lock);
		ops->emit(ctx, &sl->r);
		pthread_mutex_lock(&x.lock);
		x.head++;
		pthread_mutex_unlock(&x.lock);
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	free(tids);
	free(x.slots);
	pthread_mutex_destroy(&x.lock);
	pthread_cond_destroy(&x.work);
	pthread_cond_destroy(&x.done);
}
