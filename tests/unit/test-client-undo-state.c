/* The cleanup-state file: render/parse round trip of every kind of change,
 * and every refusal of a damaged or hostile file with its message. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "undo-state.h"

static struct ip_prefix pfx(const char *s)
{
	struct ip_prefix p;
	ck_assert(addr_prefix_parse(s, &p));
	return p;
}

static void fill(struct undo_state *s)
{
	undo_state_init(s);
	s->pid = 4242;
	s->netns = 4026531840ul;
	snprintf(s->tun, sizeof(s->tun), "tlsvpn0");
	struct undo_change a = {.kind = UNDO_ADDR, .dev = "tlsvpn0", .prefix = pfx("10.8.0.10/24")};
	struct undo_change r = {.kind = UNDO_ROUTE,
				.dev = "eth0",
				.prefix = pfx("198.18.1.1/32"),
				.has_gw = true,
				.metric = 5};
	ck_assert(addr_parse("198.18.1.254", &r.gw));
	struct undo_change r6 = {.kind = UNDO_ROUTE, .dev = "tlsvpn0", .prefix = pfx("8000::/1")};
	struct undo_change n = {.kind = UNDO_NFT, .table = "tlsvpn_client_tlsvpn0"};
	struct undo_change d = {.kind = UNDO_RESOLV,
				.path = "/etc/resolv.conf",
				.original = "nameserver 192.0.2.1\n# \"quoted\" \\ \xc3\xa9\n",
				.written = "nameserver 10.8.0.1\n"};
	ck_assert_int_eq(undo_state_push(s, &a), 0);
	ck_assert_int_eq(undo_state_push(s, &r), 0);
	ck_assert_int_eq(undo_state_push(s, &r6), 0);
	ck_assert_int_eq(undo_state_push(s, &n), 0);
	ck_assert_int_eq(undo_state_push(s, &d), 0);
}

START_TEST(round_trip)
{
	struct undo_state s, t;
	fill(&s);
	char *text = undo_state_render(&s);
	ck_assert_ptr_nonnull(text);
	char err[512];
	ck_assert_int_eq(undo_state_parse("x.json", text, strlen(text), &t, err, sizeof(err)), 0);
	ck_assert_int_eq(t.pid, 4242);
	ck_assert_uint_eq(t.netns, 4026531840ul);
	ck_assert_str_eq(t.tun, "tlsvpn0");
	ck_assert_uint_eq(t.n, 5);
	for (size_t i = 0; i < t.n; i++) {
		char a[128], b[128];
		ck_assert_str_eq(undo_change_describe(&s.changes[i], a, sizeof(a)),
				 undo_change_describe(&t.changes[i], b, sizeof(b)));
		ck_assert_ptr_null(undo_change_invalid(&t.changes[i]));
	}
	ck_assert_int_eq(t.changes[1].metric, 5);
	ck_assert(t.changes[1].has_gw);
	ck_assert(!t.changes[2].has_gw);
	ck_assert_str_eq(t.changes[4].original, s.changes[4].original);
	ck_assert_str_eq(t.changes[4].written, "nameserver 10.8.0.1\n");
	char d[128];
	ck_assert_str_eq(undo_change_describe(&t.changes[1], d, sizeof(d)),
			 "route 198.18.1.1/32 via 198.18.1.254 dev eth0");
	ck_assert_str_eq(undo_change_describe(&t.changes[0], d, sizeof(d)),
			 "address 10.8.0.10/24 dev tlsvpn0");
	free(text);
	undo_state_clear(&t);

	/* pop forgets the last change, clear is safe twice */
	undo_state_pop(&s);
	ck_assert_uint_eq(s.n, 4);
	undo_state_clear(&s);
	undo_state_clear(&s);
	undo_state_pop(&s);
}
END_TEST

START_TEST(empty_journal)
{
	const char *text = "{\"version\":1,\"pid\":1,\"netns\":0,\"tun\":\"tun0\",\"changes\":[]}";
	struct undo_state t;
	char err[256];
	ck_assert_int_eq(undo_state_parse("x.json", text, strlen(text), &t, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.n, 0);
	undo_state_clear(&t);
}
END_TEST

#define HEAD "{\"version\":1,\"pid\":7,\"netns\":1,\"tun\":\"tlsvpn0\",\"changes\":["
struct bad {
	const char *text, *err;
};
static const struct bad bads[] = {
    {"{", "x.json:1:1: string or '}' expected near end of file"},
    {"{\"version\":2,\"pid\":7,\"netns\":1,\"tun\":\"t\",\"changes\":[]}",
     "x.json: version: expected 1, got 2"},
    {"{\"version\":1,\"pid\":0,\"netns\":1,\"tun\":\"t\",\"changes\":[]}",
     "x.json: pid: expected an integer 1..2147483647, got 0"},
    {"{\"version\":1,\"pid\":7,\"netns\":-1,\"tun\":\"t\",\"changes\":[]}",
     "x.json: netns: expected an integer 0..18446744073709551615, got -1"},
    {"{\"version\":1,\"pid\":7,\"netns\":1,\"tun\":\"../../x\",\"changes\":[]}",
     "x.json: tun: expected an interface name"},
    {"{\"version\":1,\"pid\":7,\"netns\":1,\"tun\":\"abcdefghijklmnop\",\"changes\":[]}",
     "x.json: tun: expected an interface name"},
    {"{\"version\":1,\"pid\":7,\"netns\":1,\"tun\":\"t\"}",
     "x.json: changes: required key is missing"},
    {HEAD "5]}", "x.json: changes[0]: expected an object"},
    {HEAD "{\"kind\":\"reboot\"}]}",
     "x.json: changes[0].kind: expected addr, route, nft or resolv"},
    {HEAD "{\"kind\":\"addr\",\"dev\":\"eth 0\",\"prefix\":\"10.0.0.1/24\"}]}",
     "x.json: changes[0].dev: expected an interface name"},
    {HEAD "{\"kind\":\"addr\",\"dev\":\"eth0\",\"prefix\":\"10.0.0.300/24\"}]}",
     "x.json: changes[0].prefix: expected a prefix like 10.8.0.0/24, got \"10.0.0.300/24\""},
    {HEAD "{\"kind\":\"route\",\"dev\":\"eth0\",\"dst\":\"10.0.0.1/24\"}]}",
     "x.json: changes[0].dst: expected a network prefix with no host bits set, like "
     "10.8.0.0/24, got \"10.0.0.1/24\""},
    {HEAD "{\"kind\":\"route\",\"dev\":\"eth0\",\"dst\":\"10.0.0.0/24\",\"gw\":\"fd00::1\"}]}",
     "x.json: changes[0].gw: address family differs from dst"},
    {HEAD "{\"kind\":\"route\",\"dev\":\"eth0\",\"dst\":\"10.0.0.0/24\",\"metric\":-1}]}",
     "x.json: changes[0].metric: expected an integer 0..4294967295, got -1"},
    {HEAD "{\"kind\":\"nft\",\"table\":\"x; flush ruleset\"}]}",
     "x.json: changes[0].table: expected an nftables table name"},
    {HEAD "{\"kind\":\"resolv\",\"path\":\"etc/resolv.conf\",\"original\":\"\",\"written\":\"\"}]}",
     "x.json: changes[0].path: expected an absolute path"},
    {HEAD "{\"kind\":\"resolv\",\"path\":\"/etc/../root/x\",\"original\":\"\",\"written\":\"\"}]}",
     "x.json: changes[0].path: expected an absolute path"},
    {HEAD "{\"kind\":\"resolv\",\"path\":\"/etc/resolv.conf\",\"original\":1,\"written\":\"\"}]}",
     "x.json: changes[0].original: expected a string"},
    {HEAD "{\"kind\":\"resolv\",\"path\":\"/etc/resolv.conf\",\"original\":\"a\\u0000b\","
	  "\"written\":\"\"}]}",
     "x.json:1:122: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"a\\u0000b\"'"},
    {HEAD "{\"kind\":\"resolv\",\"path\":\"/etc/resolv.conf\",\"original\":\"\"}]}",
     "x.json: changes[0].written: expected a string"},
};

START_TEST(refusals)
{
	struct undo_state t;
	char err[512] = "";
	const char *text = bads[_i].text;
	ck_assert_int_eq(undo_state_parse("x.json", text, strlen(text), &t, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, bads[_i].err);
	ck_assert_uint_eq(t.n, 0);
	ck_assert_ptr_null(t.changes);
}
END_TEST

START_TEST(too_many_changes)
{
	size_t cap = 64 * (UNDO_MAX_CHANGES + 2);
	char *text = malloc(cap);
	ck_assert_ptr_nonnull(text);
	size_t n = (size_t)snprintf(text, cap, HEAD);
	for (int i = 0; i <= UNDO_MAX_CHANGES; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s{\"kind\":\"nft\",\"table\":\"t\"}",
				      i ? "," : "");
	snprintf(text + n, cap - n, "]}");
	struct undo_state t;
	char err[256];
	ck_assert_int_eq(undo_state_parse("x.json", text, strlen(text), &t, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "x.json: changes: more than 512 changes");
	free(text);

	struct undo_state s;
	undo_state_init(&s);
	struct undo_change c = {.kind = UNDO_NFT, .table = "t"};
	for (int i = 0; i < UNDO_MAX_CHANGES; i++)
		ck_assert_int_eq(undo_state_push(&s, &c), 0);
	ck_assert_int_eq(undo_state_push(&s, &c), -E2BIG);
	undo_state_clear(&s);
}
END_TEST

START_TEST(invalid_changes_named)
{
	struct undo_change c = {.kind = UNDO_ADDR, .dev = ""};
	ck_assert_str_eq(undo_change_invalid(&c), "bad interface name");
	snprintf(c.dev, sizeof(c.dev), "tun0");
	ck_assert_str_eq(undo_change_invalid(&c), "no address");
	c.kind = UNDO_RESOLV;
	snprintf(c.path, sizeof(c.path), "/etc/resolv.conf");
	ck_assert_str_eq(undo_change_invalid(&c), "missing resolver contents");
	c.kind = UNDO_NFT;
	ck_assert_str_eq(undo_change_invalid(&c), "bad nftables table name");
	snprintf(c.table, sizeof(c.table), "9abc");
	ck_assert_str_eq(undo_change_invalid(&c), "bad nftables table name");
}
END_TEST

static Suite *undo_state_suite(void)
{
	Suite *s = suite_create("client-undo-state");
	TCase *tc = tcase_create("state");
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, empty_journal);
	tcase_add_loop_test(tc, refusals, 0, (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_test(tc, too_many_changes);
	tcase_add_test(tc, invalid_changes_named);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(undo_state_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
