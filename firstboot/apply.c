/* apply: the one-time apply command; see apply.h. */
#include "apply.h"
#include "testhook.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* In the child: only async-signal-safe calls until execve. */
static void child_fail(const char *what)
{
	const char *why = strerror(errno);
	if (write(2, what, strlen(what)) < 0 || write(2, ": ", 2) < 0 || write(2, why, strlen(why)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(127);
	_exit(127);
}

static void child(const struct fbroot *r, char *const *argv, uid_t uid, gid_t gid, int in, int out)
{
	static char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", "HOME=/", NULL };
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(127);
	if (!r->is_slash && (fchdir(r->fd) < 0 || chroot(".") < 0))
		child_fail("hardenkit firstboot: cannot chroot into the root");
	/* nothing else of the parent's reaches the command: no lock, no directory, no secret file */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (chdir("/") < 0)
		child_fail("hardenkit firstboot: cannot change to /");
	if (getuid() == 0 && setgroups(0, NULL) < 0)
		child_fail("hardenkit firstboot: cannot drop supplementary groups");
	if (setgid(gid) < 0 || setuid(uid) < 0)
		child_fail("hardenkit firstboot: cannot switch to the apply user");
	execve(argv[0], argv, envp);
	child_fail(argv[0]);
}

bool apply_run(const struct fbroot *r, const struct spec_apply *a, uid_t uid, gid_t gid, const struct secret *input,
	       struct apply_result *res, struct diag *d)
{
	*res = (struct apply_result){ .status = -1 };
	/* allocated whole: the output may echo the input, and a growing buffer would leave copies */
	res->output.data = xmalloc(APPLY_MAX_OUTPUT + 1);
	res->output.cap = APPLY_MAX_OUTPUT + 1;
	res->output.data[0] = '\0';
	int in[2], out[2];
	if (pipe2(in, O_CLOEXEC) < 0) {
		buf_free(&res->output);
		diag_error(d, NULL, 0, "cannot make a pipe for %s: %s", a->command.v[0], strerror(errno));
		return false;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		diag_error(d, NULL, 0, "cannot make a pipe for %s: %s", a->command.v[0], strerror(errno));
		close(in[0]);
		close(in[1]);
		buf_free(&res->output);
		return false;
	}
	char **argv = xcalloc(a->command.n + 1, sizeof *argv);
	for (size_t i = 0; i < a->command.n; i++)
		argv[i] = a->command.v[i];
	pid_t pid = fork();
	if (pid == 0)
		child(r, argv, uid, gid, in[0], out[1]);
	int err = errno;
	free(argv);
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		diag_error(d, NULL, 0, "cannot start %s: %s", a->command.v[0], strerror(err));
		close(in[1]);
		close(out[0]);
		buf_free(&res->output);
		return false;
	}
	testhook_point("apply-started");

	/* the input is written while the output is read, so neither side can fill a pipe and stall */
	void (*old_pipe)(int) = signal(SIGPIPE, SIG_IGN);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	size_t sent = 0;
	int wfd = in[1], rfd = out[0];
	if (input->len == 0) {
		close(wfd);
		wfd = -1;
	}
	long long deadline = now_ms() + (long long)a->timeout * 1000;
	int status = 0;
	bool exited = false;
	while (!exited) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			res->timed_out = true;
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		struct pollfd p[2] = { { rfd, POLLIN, 0 }, { wfd, POLLOUT, 0 } };
		/* once the output is closed, the child is polled for its exit every 20 ms */
		int timeout = rfd < 0 ? 20 : (int)(left < 1000 ? left : 1000);
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
		if (wfd >= 0 && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = write(wfd, input->v + sent, input->len - sent);
			if (n > 0)
				sent += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || sent == input->len) {
				close(wfd);
				wfd = -1;
			}
		}
		if (rfd >= 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			char chunk[4096];
			ssize_t n = read(rfd, chunk, sizeof chunk);
			if (n > 0 && res->output.len < APPLY_MAX_OUTPUT)
				buf_append(&res->output, chunk,
					   (size_t)n < APPLY_MAX_OUTPUT - res->output.len ? (size_t)n
											: APPLY_MAX_OUTPUT - res->output.len);
			if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
				close(rfd);
				rfd = -1;
			}
		}
		if (rfd < 0 && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
	}
	if (!exited && !res->timed_out) { /* poll failed: do not leave the child behind */
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	signal(SIGPIPE, old_pipe);
	if (wfd >= 0)
		close(wfd);
	if (rfd >= 0)
		close(rfd);
	if (!res->timed_out && exited && WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	return true;
}

void apply_redact(struct buf *b, const struct secret_list *hide)
{
	for (size_t i = 0; i < hide->n; i++) {
		const struct secret *s = &hide->v[i];
		if (!s->len || !b->data)
			continue;
		struct buf clean = { 0 };
		const char *p = b->data, *hit;
		while ((hit = memmem(p, b->len - (size_t)(p - b->data), s->v, s->len))) {
			buf_append(&clean, p, (size_t)(hit - p));
			buf_puts(&clean, "(secret)");
			p = hit + s->len;
		}
		buf_append(&clean, p, b->len - (size_t)(p - b->data));
		/* the old text held the secret: clear it before it goes back to the allocator */
		explicit_bzero(b->data, b->len);
		buf_free(b);
		*b = clean;
	}
}
