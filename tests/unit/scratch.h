/*
 * One scratch directory per unit-test program, $TMPDIR (or /tmp) /tlsvpn-unit.XXXXXX.
 * main makes it before the suite runs and removes it, with everything the
 * tests left in it, after. Tests make their files and directories inside it.
 *
 * Why not per-test fixtures alone: check skips a checked fixture's teardown
 * when its test fails in the forked child, so a failing test used to leave
 * its files in /tmp for good.
 */
#ifndef TLSVPN_TEST_SCRATCH_H
#define TLSVPN_TEST_SCRATCH_H

#include <check.h>
#include <stddef.h>

/* Makes the directory; 0, or -errno (main then skips the program). */
int scratch_begin(void);
/* Removes it and all in it; prints a line on stderr if it cannot. */
void scratch_end(void);
/* The directory itself (empty before scratch_begin). */
const char *scratch_root(void);

/* The whole main of most test programs: scratch_begin (or a TAP skip), the
 * suite run with check's environment settings, scratch_end. Returns 0. */
int scratch_run_suite(Suite *suite);

/* buf = ROOT/NAME-XXXXXX, made by mkdtemp. Fails the current test if it cannot. */
void scratch_mkdtemp(char *buf, size_t len, const char *name);
/* buf = ROOT/NAME-XXXXXX, made by mkstemp; returns the open fd. Fails the
 * current test if it cannot. */
int scratch_mkstemp(char *buf, size_t len, const char *name);

#endif
