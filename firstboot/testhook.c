/* testhook: crash and pause points for the tests; see testhook.h. */
#include "testhook.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long kill_at, reached;
static char *pause_point, *pause_fifo;

void testhook_init(void)
{
	const char *k = getenv("HK_FIRSTBOOT_TEST_KILL_AT");
	if (k && *k)
		kill_at = strtoul(k, NULL, 10);
	const char *p = getenv("HK_FIRSTBOOT_TEST_PAUSE");
	const char *colon = p ? strchr(p, ':') : NULL;
	if (colon && colon[1]) {
		/* static for the life of the process: a test hook, not worth an ownership protocol */
		static char point[64], fifo[4096];
		size_t n = (size_t)(colon - p) < sizeof point ? (size_t)(colon - p) : sizeof point - 1;
		memcpy(point, p, n);
		point[n] = '\0';
		strncpy(fifo, colon + 1, sizeof fifo - 1);
		pause_point = point;
		pause_fifo = fifo;
	}
	unsetenv("HK_FIRSTBOOT_TEST_KILL_AT");
	unsetenv("HK_FIRSTBOOT_TEST_PAUSE");
}

void testhook_point(const char *name)
{
	reached++;
	if (kill_at && reached == kill_at)
		raise(SIGKILL);
	if (pause_point && (strcmp(pause_point, "*") == 0 || strcmp(pause_point, name) == 0)) {
		int fd = open(pause_fifo, O_RDONLY | O_CLOEXEC);
		char buf[64];
		while (fd >= 0 && read(fd, buf, sizeof buf) > 0)
			;
		if (fd >= 0)
			close(fd);
	}
}
