/* testhook: the points where the tests stop or crash a firstboot run. Inert unless
 * HK_FIRSTBOOT_TEST_PAUSE or HK_FIRSTBOOT_TEST_KILL_AT is set; neither ever carries a secret. */
#ifndef HK_TESTHOOK_H
#define HK_TESTHOOK_H

/* Reads the variables once and removes them from the environment, so no child inherits them.
 *   HK_FIRSTBOOT_TEST_KILL_AT=N      the Nth point reached raises SIGKILL (a crash, for the
 *                                    crash-safety tests, that can land between any two steps)
 *   HK_FIRSTBOOT_TEST_PAUSE=POINT:FIFO  at POINT (or every point, for "*") the run opens FIFO
 *                                    and reads it to the end: it waits until a test writes */
void testhook_init(void);

/* A point between two steps that matter for crash safety or leaks; NAME says which. */
void testhook_point(const char *name);

#endif
