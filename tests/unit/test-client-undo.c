/* The undo journal against the real kernel, in a private network namespace
 * (skipped without root): records survive a simulated kill -9, the stale
 * cleanup undoes routes and the resolver, live journals and foreign changes
 * are left alone, and a state directory others could write is refused. */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns.h"
#include "netlink.h"
#include "scratch.h"
#include "undo.h"

static char dir[128], resolv[160];

static void setup(void)
{
	scratch_mkdtemp(dir, sizeof(dir), "undo");
	snprintf(resolv, sizeof(resolv), "%s/resolv.conf", dir);
	char err[256];
	ck_assert_int_eq(dns_write_in_place(resolv, "nameserver 192.0.2.53\n", err, sizeof(err)),
			 0);
}

static char *state_dir(void)
{
	static char d[160];
	snprintf(d, sizeof(d), "%s/run", dir);
	return d;
}

static void record_resolv(struct undo *u)
{
	char err[256];
	struct undo_change c = {.kind = UNDO_RESOLV,
				.original = "nameserver 192.0.2.53\n",
				.written = "nameserver 10.8.0.1\n"};
	snprintf(c.path, sizeof(c.path), "%s", resolv);
	ck_assert_int_eq(undo_record(u, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(dns_write_in_place(resolv, c.written, err, sizeof(err)), 0);
}

static void record_route(struct undo *u, struct netlink *nl, const char *dst)
{
	char err[256];
	struct undo_change c = {.kind = UNDO_ROUTE, .dev = "lo"};
	ck_assert(addr_prefix_parse(dst, &c.prefix));
	ck_assert_int_eq(undo_record(u, &c, err, sizeof(err)), 0);
	ck_assert_int_eq(netlink_route_add(nl, &c.prefix, NULL, netlink_link_index("lo"), 0), 0);
}

static int route_to(struct netlink *nl, const char *a)
{
	struct ip_addr ip;
	ck_assert(addr_parse(a, &ip));
	return netlink_route_get(nl, &ip, NULL, NULL, NULL);
}

static char *read_file(const char *path)
{
	char *text = NULL, err[256];
	ck_assert_int_eq(dns_read(path, &text, err, sizeof(err)), 0);
	return text;
}

START_TEST(finish_undoes_everything)
{
	char err[256];
	struct netlink *nl = netlink_open(err, sizeof(err));
	ck_assert_ptr_nonnull(nl);
	struct undo *u = undo_new(state_dir(), "tvgone0", err, sizeof(err));
	ck_assert_msg(u != NULL, "%s", err);
	record_route(u, nl, "192.0.2.0/24");
	record_resolv(u);
	ck_assert_uint_eq(undo_count(u), 2);
	ck_assert_int_eq(route_to(nl, "192.0.2.1"), 0);
	ck_assert_uint_eq(undo_finish(u, nl), 0);
	ck_assert_int_lt(route_to(nl, "192.0.2.1"), 0);
	char *text = read_file(resolv);
	ck_assert_str_eq(text, "nameserver 192.0.2.53\n");
	free(text);
	undo_free(u);
	/* The journal is gone: nothing stale to clean. */
	size_t failures = 9;
	ck_assert_int_eq(undo_cleanup_stale(state_dir(), nl, &failures), 0);
	ck_assert_uint_eq(failures, 0);
	netlink_close(nl);
}
END_TEST

START_TEST(stale_journal_after_kill)
{
	char err[256];
	struct netlink *nl = netlink_open(err, sizeof(err));
	ck_assert_ptr_nonnull(nl);
	struct undo *u = undo_new(state_dir(), "tvgone0", err, sizeof(err));
	ck_assert_ptr_nonnull(u);
	record_route(u, nl, "198.51.100.0/24");
	record_resolv(u);
	/* A change recorded but never made (killed in between) must not stop
	 * the others from being undone. */
	struct undo_change never = {.kind = UNDO_ROUTE, .dev = "lo"};
	ck_assert(addr_prefix_parse("203.0.113.0/24", &never.prefix));
	ck_assert_int_eq(undo_record(u, &never, err, sizeof(err)), 0);
	undo_free(u); /* kill -9: the journal stays */

	size_t failures = 9;
	ck_assert_int_eq(undo_cleanup_stale(state_dir(), nl, &failures), 1);
	ck_assert_uint_eq(failures, 0);
	ck_assert_int_lt(route_to(nl, "198.51.100.1"), 0);
	char *text = read_file(resolv);
	ck_assert_str_eq(text, "nameserver 192.0.2.53\n");
	free(text);
	ck_assert_int_eq(undo_cleanup_stale(state_dir(), nl, &failures), 0);
	netlink_close(nl);
}
END_TEST

START_TEST(live_journal_left_alone)
{
	char err[256];
	struct netlink *nl = netlink_open(err, sizeof(err));
	ck_assert_ptr_nonnull(nl);
	/* "lo" exists: the journal's owner counts as alive. */
	struct undo *u = undo_new(state_dir(), "lo", err, sizeof(err));
	ck_assert_ptr_nonnull(u);
	record_resolv(u);
	size_t failures = 9;
	ck_assert_int_eq(undo_cleanup_stale(state_dir(), nl, &failures), 0);
	char *text = read_file(resolv);
	ck_assert_str_eq(text, "nameserver 10.8.0.1\n");
	free(text);
	undo_finish(u, nl);
	undo_free(u);
	netlink_close(nl);
}
END_TEST

START_TEST(resolver_changed_since_is_kept)
{
	char err[256];
	struct netlink *nl = netlink_open(err, sizeof(err));
	struct undo *u = undo_new(state_dir(), "tvgone0", err, sizeof(err));
	ck_assert_ptr_nonnull(u);
	record_resolv(u);
	ck_assert_int_eq(dns_write_in_place(resolv, "nameserver 192.0.2.99\n", err, sizeof(err)),
			 0);
	ck_assert_uint_eq(undo_finish(u, nl), 0);
	char *text = read_file(resolv);
	ck_assert_str_eq(text, "nameserver 192.0.2.99\n");
	free(text);
	undo_free(u);
	netlink_close(nl);
}
END_TEST

/* kill -9 in the middle of rewriting resolv.conf: our text before its cut
 * (newlines after it), the original before its cut, or what a client that
 * truncated first left (empty or half-written). The original comes back. */
START_TEST(resolver_cut_short_by_kill_is_restored)
{
	static const char *partial[] = {"nameserver 10.8.0.1\n\n\n", "nameserver 192.0.2.53\n\n",
					"", "nameserver 10.8"};
	for (size_t i = 0; i < 4; i++) {
		char err[256];
		struct netlink *nl = netlink_open(err, sizeof(err));
		struct undo *u = undo_new(state_dir(), "tvgone0", err, sizeof(err));
		ck_assert_ptr_nonnull(u);
		record_resolv(u);
		ck_assert_int_eq(dns_write_in_place(resolv, partial[i], err, sizeof(err)), 0);
		undo_free(u); /* kill -9: the journal stays */
		size_t failures = 9;
		ck_assert_int_eq(undo_cleanup_stale(state_dir(), nl, &failures), 1);
		char *text = read_file(resolv);
		ck_assert_str_eq(text, "nameserver 192.0.2.53\n");
		free(text);
		netlink_close(nl);
	}
}
END_TEST

START_TEST(open_state_dir_refused)
{
	char err[256];
	ck_assert_int_eq(mkdir(state_dir(), 0700), 0);
	ck_assert_int_eq(chmod(state_dir(), 0777), 0);
	ck_assert_ptr_null(undo_new(state_dir(), "tvgone0", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "mode 0777"));
	size_t failures = 0;
	ck_assert_int_eq(undo_cleanup_stale(state_dir(), NULL, &failures), -EPERM);
	struct undo_change bad = {.kind = UNDO_NFT, .table = "x; flush ruleset"};
	ck_assert_int_eq(chmod(state_dir(), 0700), 0);
	struct undo *u = undo_new(state_dir(), "tvgone0", err, sizeof(err));
	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq(undo_record(u, &bad, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "bad nftables table name"));
	ck_assert_uint_eq(undo_count(u), 0);
	undo_finish(u, NULL);
	undo_free(u);
	undo_free(NULL);
}
END_TEST

static Suite *undo_suite(void)
{
	Suite *s = suite_create("client-undo");
	TCase *tc = tcase_create("journal");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, finish_undoes_everything);
	tcase_add_test(tc, stale_journal_after_kill);
	tcase_add_test(tc, live_journal_left_alone);
	tcase_add_test(tc, resolver_changed_since_is_kept);
	tcase_add_test(tc, resolver_cut_short_by_kill_is_restored);
	tcase_add_test(tc, open_state_dir_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* Routes go into a private namespace that vanishes with this process. */
	if (unshare(CLONE_NEWNET) != 0) {
		printf("1..0 # SKIP needs root for a private network namespace\n");
		return 0;
	}
	char err[256];
	struct netlink *nl = netlink_open(err, sizeof(err));
	if (nl == NULL || netlink_link_up(nl, netlink_link_index("lo"), true) != 0) {
		printf("1..0 # SKIP cannot bring up lo: %s\n", err);
		return 0;
	}
	netlink_close(nl);
	return scratch_run_suite(undo_suite());
}
