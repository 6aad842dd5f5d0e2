/* index.json parsing and dumping, the states `list` shows, names, timestamps, and the
 * profile's --remote syntax. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crl.h"
#include "index.h"
#include "profile.h"
#include "timestamp.h"

static const char good[] =
    "{\"version\": 1,"
    " \"ca\": {\"name\": \"Test CA\", \"serial\": \"0a0b\", \"not_after\": \"20360101000000\"},"
    " \"crl\": {\"number\": 3, \"this_update\": \"20260101000000\","
    "          \"next_update\": \"20260701000000\"},"
    " \"certs\": ["
    "  {\"name\": \"vpn\", \"kind\": \"server\", \"serial\": \"00112233445566778899aabbccddeeff\","
    "   \"not_before\": \"20260101000000\", \"not_after\": \"20280101000000\", \"status\": "
    "\"valid\"},"
    "  {\"name\": \"alice\", \"kind\": \"client\", \"serial\": \"ff\","
    "   \"not_before\": \"20260101000000\", \"not_after\": \"20270101000000\","
    "   \"status\": \"revoked\", \"revoked_at\": \"20260301120000\", \"reason\": "
    "\"keyCompromise\"}]}";

static struct index *parse_ok(const char *text)
{
	struct index *idx = NULL;
	char err[256] = "";

	ck_assert_msg(index_parse(text, strlen(text), &idx, err, sizeof(err)) == 0, "%s", err);
	return idx;
}

START_TEST(parses_a_good_index)
{
	struct index *idx = parse_ok(good);
	time_t t;

	ck_assert_str_eq(idx->ca_name, "Test CA");
	ck_assert_int_eq(idx->ca_serial_len, 2);
	ck_assert_uint_eq(idx->crl_number, 3);
	ck_assert_int_eq(idx->n_entries, 2);
	ck_assert_str_eq(idx->entries[0].name, "vpn");
	ck_assert_int_eq(idx->entries[0].kind, INDEX_SERVER);
	ck_assert_int_eq(idx->entries[0].serial_len, 16);
	ck_assert(!idx->entries[0].revoked);
	ck_assert(idx->entries[1].revoked);
	ck_assert_int_eq(idx->entries[1].reason, CRL_REASON_KEY_COMPROMISE);
	ck_assert_int_eq(timestamp_parse("20260301120000", &t), 0);
	ck_assert_int_eq(idx->entries[1].revoked_at, t);
	index_free(idx);
}
END_TEST

START_TEST(dump_round_trips)
{
	struct index *idx = parse_ok(good), *again;
	char *text = index_dump(idx), *text2;

	ck_assert_ptr_nonnull(text);
	again = parse_ok(text);
	text2 = index_dump(again);
	ck_assert_str_eq(text, text2);
	ck_assert_int_eq(again->n_entries, 2);
	ck_assert_int_eq(memcmp(again->entries[0].serial, idx->entries[0].serial, 16), 0);
	free(text);
	free(text2);
	index_free(idx);
	index_free(again);
}
END_TEST

/* Each corruption must be refused with a reason naming what was wrong. */
static void refused(const char *from, const char *to, const char *expect_in_err)
{
	char text[sizeof(good) + 64], err[256] = "";
	const char *at = strstr(good, from);
	struct index *idx = NULL;
	size_t pre;

	ck_assert_ptr_nonnull(at);
	pre = (size_t)(at - good);
	memcpy(text, good, pre);
	snprintf(text + pre, sizeof(text) - pre, "%s%s", to, at + strlen(from));
	ck_assert_int_eq(index_parse(text, strlen(text), &idx, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(idx);
	ck_assert_msg(strstr(err, expect_in_err) != NULL, "err \"%s\" lacks \"%s\"", err,
		      expect_in_err);
}

START_TEST(refuses_corruption)
{
	refused("{\"version\": 1,", "{\"version\": 2,", "version");
	refused("\"serial\": \"ff\"", "\"serial\": \"xyz\"", "serial");
	refused("\"serial\": \"ff\"", "\"serial\": \"f\"", "serial");
	refused("\"not_after\": \"20270101000000\"", "\"not_after\": \"20271301000000\"",
		"not_after");
	refused("\"name\": \"alice\"", "\"name\": \"../etc\"", "name");
	refused("\"kind\": \"client\"", "\"kind\": \"router\"", "kind");
	refused("\"status\": \"revoked\"", "\"status\": \"gone\"", "status");
	refused("\"reason\": \"keyCompromise\"", "\"reason\": \"boredom\"", "reason");
	refused("\"number\": 3", "\"number\": -3", "number");
	refused("\"certs\": [", "\"certs\": 5, \"x\": [", "certs");
	refused("\"crl\": {\"number\": 3,", "\"crl\": {\"number\": 3, \"number\": 4,", "duplicate");
	refused("}]}", "}]", "line");
}
END_TEST

START_TEST(refuses_non_json)
{
	struct index *idx = NULL;
	char err[256] = "";

	ck_assert_int_eq(index_parse("", 0, &idx, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(index_parse("[]", 2, &idx, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(index_parse("\x01\x02garbage", 9, &idx, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(idx);
}
END_TEST

START_TEST(states_and_live_lookup)
{
	struct index *idx = parse_ok(good);
	time_t now;

	ck_assert_int_eq(timestamp_parse("20260601000000", &now), 0);
	ck_assert_int_eq(index_state(&idx->entries[0], now), INDEX_STATE_VALID);
	ck_assert_int_eq(index_state(&idx->entries[1], now), INDEX_STATE_REVOKED);
	ck_assert_ptr_eq(index_find_live(idx, "vpn", now), &idx->entries[0]);
	ck_assert_ptr_null(index_find_live(idx, "alice", now)); /* revoked */
	ck_assert_int_eq(timestamp_parse("20271215000000", &now), 0);
	ck_assert_int_eq(index_state(&idx->entries[0], now), INDEX_STATE_EXPIRING);
	ck_assert_int_eq(timestamp_parse("20280101000000", &now), 0);
	ck_assert_int_eq(index_state(&idx->entries[0], now), INDEX_STATE_EXPIRED);
	ck_assert_ptr_null(index_find_live(idx, "vpn", now)); /* expired */
	ck_assert_str_eq(index_state_name(INDEX_STATE_EXPIRING), "expiring");
	index_free(idx);
	index_free(NULL);
}
END_TEST

START_TEST(add_grows)
{
	struct index *idx = index_new();
	struct index_entry e = {.name = "n", .serial = {1}, .serial_len = 1};

	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(index_add(idx, &e), 0);
	ck_assert_int_eq(idx->n_entries, 100);
	index_free(idx);
}
END_TEST

START_TEST(names)
{
	ck_assert(index_name_valid("alice"));
	ck_assert(index_name_valid("vpn-1.example_com"));
	ck_assert(!index_name_valid(""));
	ck_assert(!index_name_valid(".hidden"));
	ck_assert(!index_name_valid("a/b"));
	ck_assert(!index_name_valid("a b"));
	ck_assert(!index_name_valid("ca"));
	ck_assert(!index_name_valid("index"));
	ck_assert(!index_name_valid("crl"));
	ck_assert(!index_name_valid("\xc3\xa9"));
	ck_assert(
	    index_name_valid("0123456789012345678901234567890123456789012345678901234567890123"));
	ck_assert(
	    !index_name_valid("01234567890123456789012345678901234567890123456789012345678901234"));
}
END_TEST

START_TEST(timestamps)
{
	time_t t;
	char s[TIMESTAMP_LEN + 1];

	ck_assert_int_eq(timestamp_parse("20240229235959", &t), 0);
	ck_assert_int_eq(timestamp_format(t, s), 0);
	ck_assert_str_eq(s, "20240229235959");
	ck_assert_int_lt(timestamp_parse("20230229000000", &t), 0);
	ck_assert_int_lt(timestamp_parse("2024022900000", &t), 0);
	ck_assert_int_lt(timestamp_parse("2024022900000x", &t), 0);
	ck_assert_int_lt(timestamp_parse("20240230240000", &t), 0);
	ck_assert_int_lt(timestamp_parse("19000101000000", &t), 0);
	ck_assert_int_eq(timestamp_format(0, s), 0);
	ck_assert_str_eq(s, "19700101000000");
}
END_TEST

START_TEST(remotes)
{
	struct profile_remote r[4];
	char err[256];

	ck_assert_int_eq(profile_parse_remotes("198.18.1.1", r, 4, err, sizeof(err)), 1);
	ck_assert_str_eq(r[0].host, "198.18.1.1");
	ck_assert_int_eq(r[0].port, 443);
	ck_assert_str_eq(r[0].name, "");
	ck_assert_int_eq(
	    profile_parse_remotes("de=vpn-de.example.com:8443,[fd00:18::1]:500,fd00::2", r, 4, err,
				  sizeof(err)),
	    3);
	ck_assert_str_eq(r[0].name, "de");
	ck_assert_str_eq(r[0].host, "vpn-de.example.com");
	ck_assert_int_eq(r[0].port, 8443);
	ck_assert_str_eq(r[1].host, "fd00:18::1");
	ck_assert_int_eq(r[1].port, 500);
	ck_assert_str_eq(r[2].host, "fd00::2");
	ck_assert_int_eq(r[2].port, 443);
	ck_assert_int_eq(profile_parse_remotes("a:0", r, 4, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "a:0"));
	ck_assert_int_eq(profile_parse_remotes("a:65536", r, 4, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(profile_parse_remotes("a,,b", r, 4, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(profile_parse_remotes("", r, 4, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(profile_parse_remotes("bad host", r, 4, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(profile_parse_remotes("x=a,x=b", r, 4, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(profile_parse_remotes("[fd00::1", r, 4, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(profile_parse_remotes("a,b,c,d,e", r, 4, err, sizeof(err)), -EINVAL);
}
END_TEST

static Suite *certs_index_suite(void)
{
	Suite *s = suite_create("certs-index");
	TCase *tc = tcase_create("index");

	tcase_add_test(tc, parses_a_good_index);
	tcase_add_test(tc, dump_round_trips);
	tcase_add_test(tc, refuses_corruption);
	tcase_add_test(tc, refuses_non_json);
	tcase_add_test(tc, states_and_live_lookup);
	tcase_add_test(tc, add_grows);
	tcase_add_test(tc, names);
	tcase_add_test(tc, timestamps);
	tcase_add_test(tc, remotes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(certs_index_suite());

	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
