/* Tests of lint/exposure's API: what it refuses to score and how rows and the score relate.
 * Whether the numbers are systemd's is tests/exposure.t's job (systemd-analyze as the oracle). */
#include "../lint/exposure.h"
#include "tap.h"

static struct unitfile *unit(const char *name, const char *text)
{
	struct diag d;
	diag_init(&d);
	struct unitfile *u = unitfile_new(name);
	unitfile_apply(u, name, text, strlen(text), &d);
	diag_free(&d);
	return u;
}

/* The score from the rows, as systemd sums them: badness × weight / range rounded up, over the
 * rows that apply, then × 100 / total weight rounded up. */
static unsigned tenths_from_rows(const struct exposure_row *rows, size_t n)
{
	unsigned long long bad = 0, weight = 0;
	for (size_t i = 0; i < n; i++)
		if (!rows[i].na) {
			bad += (rows[i].badness * rows[i].weight + rows[i].range - 1) / rows[i].range;
			weight += rows[i].weight;
		}
	return (unsigned)((bad * 100 + weight - 1) / weight);
}

int main(void)
{
	double score = -1;
	unsigned tenths;
	struct unitfile *u = unit("x.socket", "[Socket]\nListenStream=80\n");
	is_int(exposure_score(u, &score), -1, "a socket unit is not scored");
	unitfile_free(u);
	u = unit("x.service", "[Service]\nExecStart=/bin/true\n");
	u->masked = true;
	is_int(exposure_assess(u, NULL, &tenths), -1, "a masked unit is not scored");
	unitfile_free(u);

	size_t n = exposure_n_checks();
	struct exposure_row *rows = calloc(n, sizeof *rows);
	u = unit("plain.service", "[Service]\nExecStart=/bin/true\n");
	ok(exposure_assess(u, rows, &tenths) == 0 && exposure_score(u, &score) == 0, "a plain service is scored");
	ok(score * 10 > tenths - 0.01 && score * 10 < tenths + 0.01, "the score is the tenths / 10 (%.1f)", score);
	is_int(tenths, tenths_from_rows(rows, n), "the tenths are the rows summed as systemd sums them");
	size_t na = 0;
	for (size_t i = 0; i < n; i++)
		na += rows[i].na;
	is_int(na, 2, "running as root, SupplementaryGroups= and RemoveIPC= do not apply");
	unitfile_free(u);

	u = unit("early.service", "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/true\nUser=svc\n");
	exposure_assess(u, rows, &tenths);
	na = 0;
	for (size_t i = 0; i < n; i++)
		na += rows[i].na;
	is_int(na, 4, "without default dependencies PrivateTmp=, ProtectHome=, ProtectSystem=, RootDirectory= do not apply");
	is_int(tenths, tenths_from_rows(rows, n), "and the rows that do not apply weigh nothing");
	unitfile_free(u);

	u = unit("tight.service", "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\n");
	unsigned tight = 0;
	ok(exposure_assess(u, NULL, &tight) == 0, "a service with PrivateNetwork=yes is scored");
	unitfile_free(u);
	u = unit("loose.service", "[Service]\nExecStart=/bin/true\n");
	unsigned loose;
	exposure_assess(u, NULL, &loose);
	ok(tight < loose, "PrivateNetwork=yes lowers the exposure (%u < %u tenths)", tight, loose);
	unitfile_free(u);
	free(rows);
	return done_testing();
}
