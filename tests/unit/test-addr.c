/* Unit tests of common/addr: parsing and formatting of addresses, prefixes
 * and host:port strings, prefix arithmetic, sockaddr conversion, hashing. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "addr.h"

static struct ip_addr A(const char *s) {
	struct ip_addr a;
	ck_assert_msg(addr_parse(s, &a), "addr_parse(%s)", s);
	return a;
}

static struct ip_prefix
P(const char *s) {
	struct ip_prefix p;
	ck_assert_msg(addr_prefix_parse(s, &p), "addr_prefix_parse(%s)", s);
	return p;
}

START_TEST(test_addr_parse)
{
	const char *good[] = {"0.0.0.0",   "10.8.0.1",	"255.255.255.255",	"::",
			      "::1",	   "fd00:8::1", "2001:db8:0:0:0:0:0:1", "::ffff:1.2.3.4",
			      "FD00::ABCD"};
	const char *bad[] = {"",
			     " 10.0.0.1",
			     "10.0.0.1 ",
			     "10.0.0",
			     "10.1",
			     "10.0.0.256",
			     "010.0.0.1",
			     "1.2.3.4.5",
			     "0x0a.0.0.1",
			     "10.0.0.1/24",
			     ":::",
			     "fd00::1::2",
			     "fe80::1%eth0",
			     "[::1]",
			     "localhost",
			     "1.2.3.-1",
			     "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255.1"};
	struct ip_addr a;
	char s[ADDR_STRLEN];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(addr_parse(good[i], &a), "%s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!addr_parse(bad[i], &a), "%s", bad[i]);
	ck_assert(!addr_parse(NULL, &a));

	a = A("10.8.0.1");
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_str_eq(addr_format(&a, s, sizeof(s)), "10.8.0.1");
	a = A("2001:db8:0:0:0:0:0:1");
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_str_eq(addr_format(&a, s, sizeof(s)), "2001:db8::1");
}
END_TEST

START_TEST(test_format_small_buffers)
{
	struct ip_addr a = A("fd00:8::1234");
	struct ip_prefix p = P("fd00:8::/64");
	char s[PREFIX_STRLEN];

	ck_assert_str_eq(addr_format(&a, s, 13), "fd00:8::1234");
	ck_assert_str_eq(addr_format(&a, s, 12), "?");
	ck_assert_str_eq(addr_format(&a, s, 1), "");
	ck_assert_ptr_eq(addr_format(&a, s, 0), s);
	ck_assert_str_eq(addr_prefix_format(&p, s, sizeof(s)), "fd00:8::/64");
	ck_assert_str_eq(addr_prefix_format(&p, s, 5), "?");
	struct ip_addr bad = {.family = AF_UNIX};
	ck_assert_str_eq(addr_format(&bad, s, sizeof(s)), "?");
	/* The longest forms fit the advertised sizes. */
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255");
	ck_assert_str_ne(addr_format(&a, s, ADDR_STRLEN), "?");
	p.addr = A("1111:2222:3333:4444:5555:6666:7777:8888");
	p.len = 128;
	ck_assert_str_eq(addr_prefix_format(&p, s, PREFIX_STRLEN),
			 "1111:2222:3333:4444:5555:6666:7777:8888/128");
}
END_TEST

START_TEST(test_prefix_parse)
{
	const char *good[] = {"10.8.0.0/24", "0.0.0.0/0", "10.8.0.1/32", "fd00:8::/64",
			      "::/0",	     "::1/128",	  "10.8.0.5/24"};
	const char *bad[] = {"10.8.0.300/24",
			     "1.2.3.4/33",
			     "10.8.0.0",
			     "10.8.0.0/",
			     "/24",
			     "10.8.0.0/024",
			     "10.8.0.0/-1",
			     "10.8.0.0/+24",
			     "10.8.0.0/24/1",
			     "10.8.0.0/ 24",
			     "10.8.0.0 /24",
			     "fd00::/129",
			     "fd00::/1280",
			     "10.8.0.0/99999999999999999999",
			     "fd00::/64x",
			     "",
			     "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128xxxxxxxxxxxx"};
	struct ip_prefix p;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(addr_prefix_parse(good[i], &p), "%s", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!addr_prefix_parse(bad[i], &p), "%s", bad[i]);
	ck_assert(!addr_prefix_parse(NULL, &p));

	p = P("fd00:8::/64");
	ck_assert_int_eq(p.addr.family, AF_INET6);
	ck_assert_uint_eq(p.len, 64);
	ck_assert(addr_prefix_is_network(&p));
	ck_assert(addr_prefix_is_network(&(struct ip_prefix){A("0.0.0.0"), 0}));
	ck_assert(addr_prefix_is_network(&(struct ip_prefix){A("10.8.0.1"), 32}));
	ck_assert(addr_prefix_is_network(&(struct ip_prefix){A("10.8.0.128"), 25}));
	ck_assert(!addr_prefix_is_network(&(struct ip_prefix){A("10.8.0.128"), 24}));
	ck_assert(!addr_prefix_is_network(&(struct ip_prefix){A("10.8.0.1"), 31}));
	ck_assert(!addr_prefix_is_network(&(struct ip_prefix){A("fd00::1"), 127}));
	ck_assert(!addr_prefix_is_network(&(struct ip_prefix){A("fd00::"), 129}));

	p = P("10.8.0.77/26");
	addr_prefix_mask(&p);
	char s[PREFIX_STRLEN];
	ck_assert_str_eq(addr_prefix_format(&p, s, sizeof(s)), "10.8.0.64/26");
	p = P("fd00:8:1:2:3::/33");
	addr_prefix_mask(&p);
	ck_assert_str_eq(addr_prefix_format(&p, s, sizeof(s)), "fd00:8::/33");
}
END_TEST

START_TEST(test_contains_overlaps)
{
	struct ip_prefix p24 = P("10.8.0.0/24"), p0 = P("0.0.0.0/0"), v6 = P("fd00:8::/64");

	ck_assert(addr_prefix_contains(&p24, &(struct ip_addr){0}) == false);
	struct ip_addr in = A("10.8.0.255"), out = A("10.8.1.0"), six = A("fd00:8::ffff");
	ck_assert(addr_prefix_contains(&p24, &in));
	ck_assert(!addr_prefix_contains(&p24, &out));
	ck_assert(addr_prefix_contains(&p0, &out));
	ck_assert(!addr_prefix_contains(&p0, &six)); /* family differs */
	ck_assert(addr_prefix_contains(&v6, &six));
	struct ip_addr six_out = A("fd00:8:0:1::");
	ck_assert(!addr_prefix_contains(&v6, &six_out));
	struct ip_prefix p25 = P("10.8.0.5/25"); /* host bits set: still a /25 */
	ck_assert(addr_prefix_contains(&p25, &(struct ip_addr){0}) == false);
	struct ip_addr a127 = A("10.8.0.127"), a128 = A("10.8.0.128");
	ck_assert(addr_prefix_contains(&p25, &a127));
	ck_assert(!addr_prefix_contains(&p25, &a128));

	struct ip_prefix q = P("10.8.0.128/25"), r = P("10.8.1.0/24"), s16 = P("10.8.0.0/16");
	ck_assert(addr_prefix_overlaps(&p24, &q));
	ck_assert(addr_prefix_overlaps(&q, &p24));
	ck_assert(!addr_prefix_overlaps(&p24, &r));
	ck_assert(addr_prefix_overlaps(&s16, &r));
	ck_assert(addr_prefix_overlaps(&p0, &r));
	ck_assert(!addr_prefix_overlaps(&p0, &v6));
	ck_assert(addr_prefix_overlaps(&v6, &v6));
	struct ip_prefix v6b = P("fd00:8:0:1::/64"), v6c = P("fd00::/16");
	ck_assert(!addr_prefix_overlaps(&v6, &v6b));
	ck_assert(addr_prefix_overlaps(&v6c, &v6b));
}
END_TEST

START_TEST(test_equal_hash)
{
	struct ip_addr a = A("10.8.0.2"), b, c = A("10.8.0.3"), d = A("::a08:2");
	/* Garbage in the unused union bytes must not matter. */
	memset(&b, 0xa5, sizeof(b));
	b.family = AF_INET;
	inet_pton(AF_INET, "10.8.0.2", &b.u.v4);
	ck_assert(addr_equal(&a, &b));
	ck_assert_uint_eq(addr_hash(&a), addr_hash(&b));
	ck_assert(!addr_equal(&a, &c));
	ck_assert(!addr_equal(&a, &d));
	ck_assert_uint_ne(addr_hash(&a), addr_hash(&c));

	/* A /24 pool spreads over the low bits of a 256-bucket table. */
	unsigned used[256] = {0}, distinct = 0;
	struct ip_prefix p = P("10.8.0.0/24");
	for (uint64_t i = 0; i < 256; i++) {
		struct ip_addr x;
		ck_assert_int_eq(addr_prefix_nth(&p, i, &x), 0);
		if (used[addr_hash(&x) & 255]++ == 0)
			distinct++;
	}
	ck_assert_uint_gt(distinct, 140); /* random would give ~162 */
}
END_TEST

START_TEST(test_pool_arithmetic)
{
	struct ip_prefix p = P("10.8.0.0/24");
	struct ip_addr a;
	char s[ADDR_STRLEN];

	ck_assert_int_eq(addr_prefix_nth(&p, 0, &a), 0);
	ck_assert_str_eq(addr_format(&a, s, sizeof(s)), "10.8.0.0");
	ck_assert_int_eq(addr_prefix_nth(&p, 255, &a), 0);
	ck_assert_str_eq(addr_format(&a, s, sizeof(s)), "10.8.0.255");
	ck_assert_int_eq(addr_prefix_nth(&p, 256, &a), -ERANGE);
	ck_assert_int_eq(addr_prefix_nth(&p, UINT64_MAX, &a), -ERANGE);
	ck_assert_uint_eq(addr_prefix_count(&p), 256);
	for (uint64_t i = 0; i < 256; i++) {
		ck_assert_int_eq(addr_prefix_nth(&p, i, &a), 0);
		ck_assert(addr_prefix_contains(&p, &a));
		ck_assert_uint_eq(addr_prefix_offset(&p, &a), i);
	}
	struct ip_addr outside = A("10.8.1.0"), six = A("::1");
	ck_assert_uint_eq(addr_prefix_offset(&p, &outside), UINT64_MAX);
	ck_assert_uint_eq(addr_prefix_offset(&p, &six), UINT64_MAX);

	/* Host bits in the prefix are ignored: nth counts from the network. */
	p = P("10.8.0.77/16");
	ck_assert_int_eq(addr_prefix_nth(&p, 258, &a), 0);
	ck_assert_str_eq(addr_format(&a, s, sizeof(s)), "10.8.1.2");
	ck_assert_uint_eq(addr_prefix_offset(&p, &a), 258);

	p = P("10.8.0.9/32");
	ck_assert_uint_eq(addr_prefix_count(&p), 1);
	ck_assert_int_eq(addr_prefix_nth(&p, 0, &a), 0);
	ck_assert_str_eq(addr_format(&a, s, sizeof(s)), "10.8.0.9");
	ck_assert_int_eq(addr_prefix_nth(&p, 1, &a), -ERANGE);
	p = P("0.0.0.0/0");
	ck_assert_uint_eq(addr_prefix_count(&p), 1ull << 32);
	ck_assert_int_eq(addr_prefix_nth(&p, 0xffffffff, &a), 0);
	ck_assert_str_eq(addr_format(&a, s, sizeof(s)), "255.255.255.255");
	ck_assert_int_eq(addr_prefix_nth(&p, 1ull << 32, &a), -ERANGE);

	/* IPv6 /64: n uses all 64 bits. */
	p = P("fd00:8::/64");
	ck_assert_uint_eq(addr_prefix_count(&p), UINT64_MAX);
	ck_assert_int_eq(addr_prefix_nth(&p, 0x1234, &a), 0);
	ck_assert_str_eq(addr_format(&a, s, sizeof(s)), "fd00:8::1234");
	ck_assert_int_eq(addr_prefix_nth(&p, UINT64_MAX, &a), 0);
	ck_assert_str_eq(addr_format(&a, s, sizeof(s)), "fd00:8::ffff:ffff:ffff:ffff");
	ck_assert_uint_eq(addr_prefix_offset(&p, &a), UINT64_MAX);
	struct ip_addr b = A("fd00:8::1:0:0:5");
	ck_assert_uint_eq(addr_prefix_offset(&p, &b), 0x0001000000000005ull);
	/* /120 and /128 */
	p = P("fd00:8::100/120");
	ck_assert_uint_eq(addr_prefix_count(&p), 256);
	ck_assert_int_eq(addr_prefix_nth(&p, 255, &a), 0);
	ck_assert_str_eq(addr_format(&a, s, sizeof(s)), "fd00:8::1ff");
	ck_assert_int_eq(addr_prefix_nth(&p, 256, &a), -ERANGE);
	ck_assert_uint_eq(addr_prefix_offset(&p, &a), 255);
	p = P("fd00:8::7/128");
	ck_assert_int_eq(addr_prefix_nth(&p, 1, &a), -ERANGE);
	ck_assert_int_eq(addr_prefix_nth(&p, 0, &a), 0);
	ck_assert_uint_eq(addr_prefix_offset(&p, &a), 0);
	/* Shorter than /64: the offset may not fit. */
	p = P("fd00::/48");
	ck_assert_uint_eq(addr_prefix_count(&p), UINT64_MAX);
	ck_assert_int_eq(addr_prefix_nth(&p, 7, &a), 0);
	ck_assert_str_eq(addr_format(&a, s, sizeof(s)), "fd00::7");
	ck_assert_uint_eq(addr_prefix_offset(&p, &a), 7); /* fits: found by fuzz-addr */
	b = A("fd00:0:0:1::7");
	ck_assert_uint_eq(addr_prefix_offset(&p, &b), UINT64_MAX);
	p = P("::/0");
	b = A("::");
	ck_assert_uint_eq(addr_prefix_offset(&p, &b), 0);
	b = A("::1:0:0:5");
	ck_assert_uint_eq(addr_prefix_offset(&p, &b), 0x0001000000000005ull);
	b = A("::1:0:0:0:5");
	ck_assert_uint_eq(addr_prefix_offset(&p, &b), UINT64_MAX);
	b = A("1::5");
	ck_assert_uint_eq(addr_prefix_offset(&p, &b), UINT64_MAX);
}
END_TEST

static void hp_ok(const char *s, const char *host, uint16_t port)
{
	char h[ADDR_HOSTLEN];
	uint16_t pt = 0;
	ck_assert_msg(addr_hostport_parse(s, 443, h, sizeof(h), &pt) == 0, "%s", s);
	ck_assert_str_eq(h, host);
	ck_assert_uint_eq(pt, port);
}

static void hp_bad(const char *s)
{
	char h[ADDR_HOSTLEN];
	uint16_t pt = 0;
	ck_assert_msg(addr_hostport_parse(s, 443, h, sizeof(h), &pt) == -EINVAL, "%s", s);
}

START_TEST(test_hostport)
{
	hp_ok("vpn.example.com", "vpn.example.com", 443);
	hp_ok("vpn.example.com:8443", "vpn.example.com", 8443);
	hp_ok("vpn.example.com.", "vpn.example.com.", 443);
	hp_ok("198.18.1.1:443", "198.18.1.1", 443);
	hp_ok("198.18.1.1:1", "198.18.1.1", 1);
	hp_ok("198.18.1.1:65535", "198.18.1.1", 65535);
	hp_ok("[fd00::1]:443", "fd00::1", 443);
	hp_ok("[fd00::1]:80", "fd00::1", 80);
	hp_ok("[fd00::1]", "fd00::1", 443);
	hp_ok("fd00::1", "fd00::1", 443);
	hp_ok("::1", "::1", 443);
	hp_ok("localhost", "localhost", 443);
	hp_ok("a-b.c1.de:0443", "a-b.c1.de", 443);
	hp_ok("3com.com", "3com.com", 443);

	const char *bad[] = {"",
			     ":443",
			     "[::1",
			     "[::1]:",
			     "[::1]443",
			     "[::1]:x",
			     "[1.2.3.4]:443",
			     "[]:443",
			     "[vpn.example.com]:443",
			     "host:99999",
			     "host:65536",
			     "host:0",
			     "host:",
			     "host:-1",
			     "host:+443",
			     "host:44 3",
			     "host:443x",
			     "host: 443",
			     "ho st",
			     "host_name",
			     "vpn.example.com/",
			     "-host",
			     "host-",
			     "a..b",
			     ".a",
			     "..",
			     ".",
			     "10.8.0.300",
			     "10.1",
			     "1.2.3.4.5",
			     "999",
			     "fe80::1%eth0",
			     "[fe80::1%eth0]:443",
			     "vpn:443:1",
			     "h\xc3\xa9.com",
			     "1.2.3.4:443:5"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		hp_bad(bad[i]);

	/* Label and name lengths. */
	char name[300];
	memset(name, 'a', 63);
	name[63] = '\0';
	hp_ok(name, name, 443);
	memset(name, 'a', 64);
	name[64] = '\0';
	hp_bad(name);
	/* 253 characters in 4 labels of 63 plus dots. */
	for (size_t i = 0; i < 253; i++)
		name[i] = (i % 64 == 63) ? '.' : 'a';
	name[253] = '\0';
	hp_ok(name, name, 443);
	name[253] = 'a';
	name[254] = '\0';
	hp_bad(name);

	/* The host must fit the caller's buffer. */
	char small[8];
	uint16_t pt;
	ck_assert_int_eq(addr_hostport_parse("abcdefg:1", 443, small, sizeof(small), &pt), 0);
	ck_assert_int_eq(addr_hostport_parse("abcdefgh:1", 443, small, sizeof(small), &pt),
			 -EINVAL);
	ck_assert_int_eq(addr_hostport_parse(NULL, 443, small, sizeof(small), &pt), -EINVAL);
}
END_TEST

START_TEST(test_sockaddr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct ip_addr a = A("198.18.1.1"), b;
	uint16_t port;
	char s[ADDR_SOCKSTRLEN];

	ck_assert_int_eq(addr_to_sockaddr(&a, 443, &ss, &len), 0);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&ss)->sin_port), 443);
	ck_assert_str_eq(addr_sockaddr_format((struct sockaddr *)&ss, s, sizeof(s)),
			 "198.18.1.1:443");
	ck_assert_int_eq(addr_from_sockaddr((struct sockaddr *)&ss, &b, &port), 0);
	ck_assert(addr_equal(&a, &b));
	ck_assert_uint_eq(port, 443);

	a = A("fd00:18::1");
	ck_assert_int_eq(addr_to_sockaddr(&a, 65535, &ss, &len), 0);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	ck_assert_str_eq(addr_sockaddr_format((struct sockaddr *)&ss, s, sizeof(s)),
			 "[fd00:18::1]:65535");
	ck_assert_int_eq(addr_from_sockaddr((struct sockaddr *)&ss, &b, NULL), 0);
	ck_assert(addr_equal(&a, &b));

	/* A dual-stack socket's view of an IPv4 peer. */
	a = A("::ffff:198.18.1.2");
	ck_assert_int_eq(addr_to_sockaddr(&a, 5, &ss, &len), 0);
	ck_assert_int_eq(addr_from_sockaddr((struct sockaddr *)&ss, &b, &port), 0);
	ck_assert_int_eq(b.family, AF_INET);
	ck_assert_str_eq(addr_format(&b, s, sizeof(s)), "198.18.1.2");
	ck_assert_str_eq(addr_sockaddr_format((struct sockaddr *)&ss, s, sizeof(s)),
			 "198.18.1.2:5");

	/* Longest form fits ADDR_SOCKSTRLEN. */
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	addr_to_sockaddr(&a, 65535, &ss, &len);
	ck_assert_str_eq(addr_sockaddr_format((struct sockaddr *)&ss, s, sizeof(s)),
			 "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	ck_assert_str_eq(addr_sockaddr_format((struct sockaddr *)&ss, s, 10), "?");

	struct ip_addr bad = {.family = AF_UNIX};
	ck_assert_int_eq(addr_to_sockaddr(&bad, 1, &ss, &len), -EAFNOSUPPORT);
	ss.ss_family = AF_UNIX;
	ck_assert_int_eq(addr_from_sockaddr((struct sockaddr *)&ss, &b, &port), -EAFNOSUPPORT);
	ck_assert_str_eq(addr_sockaddr_format((struct sockaddr *)&ss, s, sizeof(s)), "?");
}
END_TEST

static Suite *addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_addr_parse);
	tcase_add_test(tc, test_format_small_buffers);
	tcase_add_test(tc, test_prefix_parse);
	tcase_add_test(tc, test_contains_overlaps);
	tcase_add_test(tc, test_equal_hash);
	tcase_add_test(tc, test_pool_arithmetic);
	tcase_add_test(tc, test_hostport);
	tcase_add_test(tc, test_sockaddr);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(addr_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
