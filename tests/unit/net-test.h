/* Helpers shared by the net area's unit tests (test-tun, test-netlink,
 * test-nftables). Header-only so that each test program stays one file.
 *
 * Each program moves itself into a private, empty network namespace before
 * its suite runs: check forks every test from that process, so all tests
 * share the namespace and nothing reaches the host's. The namespace vanishes
 * with the process. */
#ifndef TLSVPN_NET_TEST_H
#define TLSVPN_NET_TEST_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"

/* 0 when the process now lives in a fresh namespace with lo up; otherwise
 * prints a TAP skip plan and returns -1 (main should then return 0). */
static inline int net_test_enter_netns(void)
{
	struct netlink *nl;
	int r = -1;

	if (unshare(CLONE_NEWNET) != 0) {
		printf("1..0 # SKIP needs root for a private network namespace\n");
		return -1;
	}
	nl = netlink_open(NULL, 0);
	if (nl) {
		int lo = netlink_link_index("lo");

		if (lo > 0)
			r = netlink_link_up(nl, lo, true);
		netlink_close(nl);
	}
	if (r != 0) {
		printf("1..0 # SKIP cannot bring up lo in the private namespace\n");
		return -1;
	}
	return 0;
}

/* Runs a verification command (only ever a fixed string from the test
 * itself) and captures its stdout. 0 when it ran and exited 0. */
static inline int net_test_capture(const char *cmd, char *out, size_t len)
{
	FILE *f;
	size_t n = 0;
	int st;

	out[0] = '\0';
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (n + 1 < len) {
		size_t got = fread(out + n, 1, len - 1 - n, f);

		if (got == 0)
			break;
		n += got;
	}
	out[n] = '\0';
	st = pclose(f);
	return st == 0 ? 0 : -1;
}

/* Like net_test_capture but for commands whose output does not matter. */
static inline int net_test_run(const char *cmd)
{
	char full[512];

	snprintf(full, sizeof(full), "%s >/dev/null 2>&1", cmd);
	return system(full) == 0 ? 0 : -1;
}

#endif
