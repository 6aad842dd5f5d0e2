/* The reconnect schedule: 1 s doubling to 60 s, each delay jittered within
 * [3/4, 5/4] of nominal and never above the cap; reset starts over. */
#include <check.h>
#include <stdint.h>

#include "backoff.h"

START_TEST(schedule_doubles_to_cap)
{
	static const uint32_t nominal[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
	struct backoff b;
	backoff_init(&b, BACKOFF_BASE_MS, BACKOFF_MAX_MS, 42);
	for (size_t i = 0; i < sizeof(nominal) / sizeof(nominal[0]); i++) {
		ck_assert_uint_eq(backoff_nominal_ms(&b), nominal[i]);
		uint32_t d = backoff_next_ms(&b);
		ck_assert_uint_ge(d, nominal[i] - nominal[i] / 4);
		ck_assert_uint_le(d, nominal[i] + nominal[i] / 4);
		ck_assert_uint_le(d, BACKOFF_MAX_MS);
	}
}
END_TEST

START_TEST(stays_capped_forever)
{
	struct backoff b;
	backoff_init(&b, BACKOFF_BASE_MS, BACKOFF_MAX_MS, 7);
	for (int i = 0; i < 10000; i++) {
		uint32_t d = backoff_next_ms(&b);
		ck_assert_uint_le(d, BACKOFF_MAX_MS);
		ck_assert_uint_ge(d, 750);
	}
	ck_assert_uint_eq(backoff_nominal_ms(&b), BACKOFF_MAX_MS);
	ck_assert_uint_ge(backoff_next_ms(&b), 45000);
}
END_TEST

START_TEST(reset_starts_over)
{
	struct backoff b;
	backoff_init(&b, BACKOFF_BASE_MS, BACKOFF_MAX_MS, 1);
	for (int i = 0; i < 5; i++)
		backoff_next_ms(&b);
	backoff_reset(&b);
	ck_assert_uint_eq(backoff_nominal_ms(&b), 1000);
	uint32_t d = backoff_next_ms(&b);
	ck_assert_uint_ge(d, 750);
	ck_assert_uint_le(d, 1250);
}
END_TEST

START_TEST(jitter_spreads)
{
	/* Two clients seeded differently do not retry in lockstep, and one client's
	 * delays at the cap are not all equal. */
	struct backoff a, b;
	backoff_init(&a, 1000, 60000, 1);
	backoff_init(&b, 1000, 60000, 2);
	int same = 0;
	for (int i = 0; i < 20; i++)
		same += backoff_next_ms(&a) == backoff_next_ms(&b);
	ck_assert_int_lt(same, 3);
	uint32_t lo = UINT32_MAX, hi = 0;
	for (int i = 0; i < 200; i++) {
		uint32_t d = backoff_next_ms(&a);
		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	ck_assert_uint_lt(lo, 50000);
	ck_assert_uint_eq(hi <= 60000, 1);
}
END_TEST

START_TEST(degenerate_parameters)
{
	struct backoff b;
	backoff_init(&b, 0, 0, 0); /* seed 0 would stall xorshift */
	ck_assert_uint_eq(backoff_nominal_ms(&b), 1);
	for (int i = 0; i < 100; i++)
		ck_assert_uint_le(backoff_next_ms(&b), 1);
	backoff_init(&b, 5000, 1000, 3); /* max below base: base wins */
	ck_assert_uint_eq(backoff_nominal_ms(&b), 5000);
	ck_assert_uint_le(backoff_next_ms(&b), 5000);
}
END_TEST

START_TEST(after_loss_of_stable_session_at_once)
{
	struct backoff b;
	backoff_init(&b, BACKOFF_BASE_MS, BACKOFF_MAX_MS, 42);
	/* a session that flaps (up for a moment, then lost) waits longer each time */
	uint32_t first = backoff_after_loss_ms(&b, 100);
	ck_assert_uint_ge(first, BACKOFF_BASE_MS * 3 / 4);
	uint32_t second = backoff_after_loss_ms(&b, BACKOFF_STABLE_MS - 1);
	ck_assert_uint_ge(second, BACKOFF_BASE_MS * 2 * 3 / 4);
	/* a healthy one that drops is retried at once, and the schedule starts over */
	ck_assert_uint_eq(backoff_after_loss_ms(&b, BACKOFF_STABLE_MS), 0);
	ck_assert_uint_eq(backoff_nominal_ms(&b), BACKOFF_BASE_MS);
	ck_assert_uint_eq(backoff_after_loss_ms(&b, 3600u * 1000u), 0);
}
END_TEST

static Suite *backoff_suite(void)
{
	Suite *s = suite_create("client-backoff");
	TCase *tc = tcase_create("backoff");
	tcase_add_test(tc, schedule_doubles_to_cap);
	tcase_add_test(tc, stays_capped_forever);
	tcase_add_test(tc, reset_starts_over);
	tcase_add_test(tc, jitter_spreads);
	tcase_add_test(tc, degenerate_parameters);
	tcase_add_test(tc, after_loss_of_stable_session_at_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(backoff_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
