/* Unit tests for the server's address pool and lease file (server/pool.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../server/pool.h"

static struct ip_prefix prefix(const char *s)
{
	struct ip_prefix p;
	ck_assert_msg(addr_prefix_parse(s, &p), "bad test prefix %s", s);
	return p;
}

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;
	ck_assert_msg(addr_parse(s, &a), "bad test address %s", s);
	return a;
}

static const char *fmt(const struct ip_addr *a)
{
	static char buf[4][ADDR_STRLEN];
	static int i;
	i = (i + 1) % 4;
	return addr_format(a, buf[i], sizeof(buf[i]));
}

static char tmpdir[64];
static char leases[128];

static void setup_dir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-pool-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(leases, sizeof(leases), "%s/leases.json", tmpdir);
}

static void teardown_dir(void)
{
	unlink(leases);
	rmdir(tmpdir);
}

START_TEST(gateway_and_first_lease)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct pool *p = pool_new(&v4, NULL, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(fmt(pool_gateway4(p)), "10.8.0.1");
	ck_assert_ptr_null(pool_gateway6(p));
	struct ip_addr a4, a6 = {0};
	ck_assert_int_eq(pool_lease(p, "alice", &a4, &a6), 0);
	ck_assert_str_eq(fmt(&a4), "10.8.0.2");
	ck_assert_int_eq(a6.family, 0);
	pool_free(p);
}
END_TEST

START_TEST(same_cn_same_address_distinct_otherwise)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24"), v6 = prefix("fd00:8::/64");
	struct pool *p = pool_new(&v4, &v6, NULL, NULL, 0);
	ck_assert_ptr_nonnull(p);
	struct ip_addr a, a6, b, b6, again, again6;
	ck_assert_int_eq(pool_lease(p, "alice", &a, &a6), 0);
	ck_assert_int_eq(pool_lease(p, "bob", &b, &b6), 0);
	ck_assert(!addr_equal(&a, &b));
	ck_assert(!addr_equal(&a6, &b6));
	ck_assert_str_eq(fmt(&a6), "fd00:8::2");
	ck_assert_str_eq(fmt(&b6), "fd00:8::3");
	pool_release(p, "alice");
	ck_assert_int_eq(pool_lease(p, "alice", &again, &again6), 0);
	ck_assert(addr_equal(&a, &again));
	ck_assert(addr_equal(&a6, &again6));
	pool_free(p);
}
END_TEST

START_TEST(exhaustion_and_reuse_of_disconnected)
{
	struct ip_prefix v4 = prefix("10.9.0.0/30"); /* offsets 1 (gateway) and 2 only */
	struct pool *p = pool_new(&v4, NULL, NULL, NULL, 0);
	ck_assert_ptr_nonnull(p);
	struct ip_addr a, b;
	ck_assert_int_eq(pool_lease(p, "alice", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.9.0.2");
	ck_assert_int_eq(pool_lease(p, "bob", &b, NULL), -ENOSPC);
	pool_release(p, "alice");
	ck_assert_int_eq(pool_lease(p, "bob", &b, NULL), 0);
	ck_assert_str_eq(fmt(&b), "10.9.0.2");
	ck_assert_int_eq(pool_lease_count(p), 1);
	pool_free(p);
}
END_TEST

START_TEST(pinned_address_is_reserved)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct pool *p = pool_new(&v4, NULL, NULL, err, sizeof(err));
	struct ip_addr pin = addr("10.8.0.2"), a, b;
	ck_assert_int_eq(pool_pin(p, "alice", &pin, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_lease(p, "bob", &b, NULL), 0);
	ck_assert_str_eq(fmt(&b), "10.8.0.3");
	ck_assert_int_eq(pool_lease(p, "alice", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.2");
	pool_free(p);
}
END_TEST

START_TEST(pin_refusals)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct pool *p = pool_new(&v4, NULL, NULL, err, sizeof(err));
	struct ip_addr outside = addr("10.9.0.5"), gw = addr("10.8.0.1"),
		       bcast = addr("10.8.0.255"), v6 = addr("fd00::5"), ok = addr("10.8.0.7");
	ck_assert_int_eq(pool_pin(p, "a", &outside, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "clients.a.ipv4: 10.9.0.5 is not a client address of pool.ipv4");
	ck_assert_int_eq(pool_pin(p, "a", &gw, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(pool_pin(p, "a", &bcast, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(pool_pin(p, "a", &v6, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(pool_pin(p, "a", &ok, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_pin(p, "b", &ok, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "clients.b.ipv4: 10.8.0.7 is already pinned to another client");
	ck_assert_int_eq(pool_pin(p, "", &ok, err, sizeof(err)), -EINVAL);
	pool_free(p);
}
END_TEST

START_TEST(prefix_refusals)
{
	char err[256];
	struct ip_prefix host = prefix("10.8.0.1/24"), tiny = prefix("10.8.0.0/31"),
			 v4 = prefix("10.8.0.0/16"), v6small = prefix("fd00:8::/120");
	ck_assert_ptr_null(pool_new(&host, NULL, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "pool.ipv4: expected a network prefix /8 to /30, got 10.8.0.1/24");
	ck_assert_ptr_null(pool_new(&tiny, NULL, NULL, err, sizeof(err)));
	ck_assert_ptr_null(pool_new(&v4, &v6small, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "pool.ipv6: fd00:8::/120 has fewer addresses than pool.ipv4");
	ck_assert_ptr_null(pool_new(&v4, &v4, NULL, err, sizeof(err)));
}
END_TEST

START_TEST(cn_limits)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	struct pool *p = pool_new(&v4, NULL, NULL, NULL, 0);
	char long_cn[POOL_MAX_CN + 2];
	memset(long_cn, 'x', sizeof(long_cn) - 1);
	long_cn[sizeof(long_cn) - 1] = '\0';
	struct ip_addr a;
	ck_assert_int_eq(pool_lease(p, long_cn, &a, NULL), -EINVAL);
	ck_assert_int_eq(pool_lease(p, "", &a, NULL), -EINVAL);
	long_cn[POOL_MAX_CN] = '\0';
	ck_assert_int_eq(pool_lease(p, long_cn, &a, NULL), 0);
	pool_free(p);
}
END_TEST

START_TEST(leases_survive_restart)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct ip_addr a, b, a2, b2;
	struct pool *p = pool_new(&v4, NULL, leases, err, sizeof(err));
	ck_assert_int_eq(pool_load(p, err, sizeof(err)), 0); /* absent file: fine */
	ck_assert_int_eq(pool_lease(p, "bob", &b, NULL), 0);
	ck_assert_int_eq(pool_lease(p, "alice", &a, NULL), 0);
	ck_assert_int_eq(pool_save(p, err, sizeof(err)), 0);
	pool_free(p);

	struct stat st;
	ck_assert_int_eq(stat(leases, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	p = pool_new(&v4, NULL, leases, err, sizeof(err));
	ck_assert_int_eq(pool_load(p, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_lease(p, "alice", &a2, NULL), 0); /* asks first this time */
	ck_assert_int_eq(pool_lease(p, "bob", &b2, NULL), 0);
	ck_assert(addr_equal(&a, &a2));
	ck_assert(addr_equal(&b, &b2));
	pool_free(p);
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(lease_file_hostile)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	static const char *bad[] = {
	    "{",
	    "[]",
	    "{\"version\": 2, \"leases\": []}",
	    "{\"version\": 1, \"leases\": {}}",
	    "{\"version\": 1, \"leases\": [1]}",
	    "{\"version\": 1, \"leases\": [{\"cn\": \"a\", \"ipv4\": \"10.8.0.300\"}]}",
	    "{\"version\": 1, \"leases\": [{\"cn\": \"\", \"ipv4\": \"10.8.0.3\"}]}",
	    "{\"version\": 1, \"leases\": [{\"cn\": 5, \"ipv4\": \"10.8.0.3\"}]}",
	    "{\"version\": 1, \"version\": 1, \"leases\": []}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(leases, bad[i]);
		struct pool *p = pool_new(&v4, NULL, leases, err, sizeof(err));
		err[0] = '\0';
		ck_assert_int_eq(pool_load(p, err, sizeof(err)), -EINVAL);
		ck_assert_msg(strncmp(err, leases, strlen(leases)) == 0,
			      "error does not name the file: %s", err);
		pool_free(p);
	}
}
END_TEST

START_TEST(lease_file_stale_entries_dropped)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	write_file(leases, "{\"version\": 1, \"leases\": ["
			   "{\"cn\": \"old\", \"ipv4\": \"10.7.0.9\"},"
			   "{\"cn\": \"taken\", \"ipv4\": \"10.8.0.5\"},"
			   "{\"cn\": \"twice\", \"ipv4\": \"10.8.0.6\"},"
			   "{\"cn\": \"twice\", \"ipv4\": \"10.8.0.7\"},"
			   "{\"cn\": \"dup\", \"ipv4\": \"10.8.0.6\"},"
			   "{\"cn\": \"gw\", \"ipv4\": \"10.8.0.1\"}]}");
	struct pool *p = pool_new(&v4, NULL, leases, err, sizeof(err));
	struct ip_addr pin = addr("10.8.0.5"), a;
	ck_assert_int_eq(pool_pin(p, "alice", &pin, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_load(p, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_lease_count(p), 2); /* alice's pin and twice@.6 */
	ck_assert_int_eq(pool_lease(p, "twice", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.6");
	ck_assert_int_eq(pool_lease(p, "taken", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.2");
	pool_free(p);
}
END_TEST

START_TEST(save_to_unwritable_place_reports)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct pool *p = pool_new(&v4, NULL, "/nonexistent-dir/leases.json", err, sizeof(err));
	struct ip_addr a;
	ck_assert_int_eq(pool_lease(p, "alice", &a, NULL), 0);
	ck_assert_int_lt(pool_save(p, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "/nonexistent-dir/leases.json: cannot write leases: No such file "
			      "or directory");
	pool_free(p);
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");
	tcase_add_checked_fixture(tc, setup_dir, teardown_dir);
	tcase_add_test(tc, gateway_and_first_lease);
	tcase_add_test(tc, same_cn_same_address_distinct_otherwise);
	tcase_add_test(tc, exhaustion_and_reuse_of_disconnected);
	tcase_add_test(tc, pinned_address_is_reserved);
	tcase_add_test(tc, pin_refusals);
	tcase_add_test(tc, prefix_refusals);
	tcase_add_test(tc, cn_limits);
	tcase_add_test(tc, leases_survive_restart);
	tcase_add_test(tc, lease_file_hostile);
	tcase_add_test(tc, lease_file_stale_entries_dropped);
	tcase_add_test(tc, save_to_unwritable_place_reports);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(pool_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
