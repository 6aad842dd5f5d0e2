/*
 * The session lookup tables, checked against a deliberately naive reference
 * (a flat array scanned linearly), as WireGuard checks its allowedips.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sessions.h"

#define N 64 /* max sessions in the table under test */

struct ref {
	struct ip_addr a;
	struct session *s;
	bool used;
};

static struct session *fake(size_t i)
{
	return (struct session *)(uintptr_t)(0x1000 + i * 16);
}

static struct ip_addr v4(uint32_t host)
{
	struct ip_addr a = {.family = AF_INET};
	a.u.v4.s_addr = htonl(0x0a080000u | host);
	return a;
}

static struct ip_addr v6(uint32_t host)
{
	struct ip_addr a = {.family = AF_INET6};
	a.u.v6.s6_addr[0] = 0xfd;
	a.u.v6.s6_addr[12] = (uint8_t)(host >> 24);
	a.u.v6.s6_addr[13] = (uint8_t)(host >> 16);
	a.u.v6.s6_addr[14] = (uint8_t)(host >> 8);
	a.u.v6.s6_addr[15] = (uint8_t)host;
	return a;
}

START_TEST(test_addr_random_against_reference)
{
	struct sessions *t = sessions_new(N);
	ck_assert_ptr_nonnull(t);
	/* few distinct keys so that inserts, hits and deletes all collide often */
	enum { KEYS = 200 };
	struct ref ref[KEYS];
	memset(ref, 0, sizeof ref);
	for (size_t k = 0; k < KEYS; k++)
		ref[k].a = (k & 1) ? v6((uint32_t)k * 7919u) : v4((uint32_t)k * 131u);
	srand(12345);
	size_t used = 0;
	for (int step = 0; step < 200000; step++) {
		size_t k = (size_t)rand() % KEYS;
		int op = rand() % 3;
		if (op == 0 && !ref[k].used && used < 2 * N) {
			ck_assert_int_eq(sessions_add_addr(t, &ref[k].a, fake(k)), 0);
			ref[k].used = true;
			ref[k].s = fake(k);
			used++;
		} else if (op == 0 && ref[k].used) {
			ck_assert_int_eq(sessions_add_addr(t, &ref[k].a, fake(k + 1)), -EEXIST);
		} else if (op == 1 && ref[k].used) {
			/* a stale delete by another session is a no-op */
			sessions_del_addr(t, &ref[k].a, fake(k + 1));
			ck_assert_ptr_eq(sessions_find_addr(t, &ref[k].a), ref[k].s);
			sessions_del_addr(t, &ref[k].a, ref[k].s);
			ref[k].used = false;
			used--;
		}
		size_t probe = (size_t)rand() % KEYS;
		ck_assert_ptr_eq(sessions_find_addr(t, &ref[probe].a),
				 ref[probe].used ? ref[probe].s : NULL);
	}
	for (size_t k = 0; k < KEYS; k++)
		ck_assert_ptr_eq(sessions_find_addr(t, &ref[k].a), ref[k].used ? ref[k].s : NULL);
	sessions_free(t);
}
END_TEST

START_TEST(test_cn)
{
	struct sessions *t = sessions_new(32);
	char names[40][16];
	for (size_t i = 0; i < 40; i++) {
		snprintf(names[i], sizeof names[i], "client-%zu", i);
		ck_assert_int_eq(sessions_add_cn(t, names[i], fake(i)), 0);
	}
	ck_assert_int_eq(sessions_add_cn(t, "client-3", fake(99)), -EEXIST);
	for (size_t i = 0; i < 40; i += 2)
		sessions_del_cn(t, names[i], fake(i));
	for (size_t i = 0; i < 40; i++)
		ck_assert_ptr_eq(sessions_find_cn(t, names[i]), (i % 2) ? fake(i) : NULL);
	sessions_del_cn(t, "client-1", fake(2)); /* wrong owner: no-op */
	ck_assert_ptr_eq(sessions_find_cn(t, "client-1"), fake(1));
	ck_assert_ptr_null(sessions_find_cn(t, "nobody"));
	sessions_free(t);
}
END_TEST

START_TEST(test_full_and_family)
{
	struct sessions *t = sessions_new(1); /* 16 slots, half may fill */
	int rc = 0;
	uint32_t i;
	for (i = 1; i < 100 && rc == 0; i++) {
		struct ip_addr a = v4(i);
		rc = sessions_add_addr(t, &a, fake(i));
	}
	ck_assert_int_eq(rc, -ENOSPC);
	struct ip_addr bad = {.family = AF_UNIX};
	ck_assert_int_eq(sessions_add_addr(t, &bad, fake(1)), -EINVAL);
	sessions_free(t);
	sessions_free(NULL);
}
END_TEST

static Suite *sessions_suite(void)
{
	Suite *s = suite_create("sessions");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_addr_random_against_reference);
	tcase_add_test(tc, test_cn);
	tcase_add_test(tc, test_full_and_family);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(sessions_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
