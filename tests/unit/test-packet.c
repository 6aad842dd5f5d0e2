/* Unit tests of common/packet: valid IPv4/IPv6 packets, extension header
 * chains, and truncated or lying headers. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "packet.h"

/* An IPv4 packet: 20-byte header (or ihl words), total length total. */
static size_t v4(uint8_t *p, size_t cap, unsigned ihl, size_t total, uint8_t proto)
{
	memset(p, 0, cap);
	p[0] = (uint8_t)(0x40 | ihl);
	p[2] = (uint8_t)(total >> 8);
	p[3] = (uint8_t)total;
	p[8] = 64;
	p[9] = proto;
	const uint8_t src[4] = {10, 8, 0, 2}, dst[4] = {198, 18, 2, 2};
	memcpy(p + 12, src, 4);
	memcpy(p + 16, dst, 4);
	return total;
}

/* An IPv6 header with payload length plen and first next header nh. */
static void v6(uint8_t *p, size_t cap, size_t plen, uint8_t nh)
{
	memset(p, 0, cap);
	p[0] = 0x60;
	p[4] = (uint8_t)(plen >> 8);
	p[5] = (uint8_t)plen;
	p[6] = nh;
	p[7] = 64;
	inet_pton(AF_INET6, "fd00:8::2", p + 8);
	inet_pton(AF_INET6, "2001:db8::1", p + 24);
}

/* An extension header at p: next header, length in 8-byte units minus 1. */
static void ext(uint8_t *p, uint8_t next, uint8_t len8)
{
	p[0] = next;
	p[1] = len8;
}

static void expect_bad(const uint8_t *p, size_t len, const char *why_want)
{
	struct packet_info info;
	const char *why = NULL;
	ck_assert_int_eq(packet_parse(p, len, &info, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
	if (why_want != NULL)
		ck_assert_str_eq(why, why_want);
}

START_TEST(test_v4_basic)
{
	uint8_t p[64];
	struct packet_info info;
	const char *why = "unset";
	char s[ADDR_STRLEN];

	v4(p, sizeof(p), 5, 28, 17);
	ck_assert_int_eq(packet_parse(p, 28, &info, &why), 0);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(info.family, AF_INET);
	ck_assert_str_eq(addr_format(&info.src, s, sizeof(s)), "10.8.0.2");
	ck_assert_str_eq(addr_format(&info.dst, s, sizeof(s)), "198.18.2.2");
	ck_assert_uint_eq(info.proto, 17);
	ck_assert_uint_eq(info.header_len, 20);
	ck_assert_uint_eq(info.total_len, 28);
	ck_assert(!info.fragment);
	ck_assert(info.first_fragment);

	/* Options: IHL 15 = 60 bytes. */
	v4(p, sizeof(p), 15, 64, 6);
	ck_assert_int_eq(packet_parse(p, 64, &info, NULL), 0);
	ck_assert_uint_eq(info.header_len, 60);

	/* Header only, no payload. */
	v4(p, sizeof(p), 5, 20, 1);
	ck_assert_int_eq(packet_parse(p, 20, &info, NULL), 0);

	/* Trailing bytes past the total length are accepted and reported. */
	v4(p, sizeof(p), 5, 30, 6);
	ck_assert_int_eq(packet_parse(p, 64, &info, NULL), 0);
	ck_assert_uint_eq(info.total_len, 30);
}
END_TEST

START_TEST(test_v4_fragments)
{
	uint8_t p[64];
	struct packet_info info;

	v4(p, sizeof(p), 5, 40, 6);
	p[6] = 0x20; /* MF, offset 0 */
	ck_assert_int_eq(packet_parse(p, 40, &info, NULL), 0);
	ck_assert(info.fragment);
	ck_assert(info.first_fragment);
	p[6] = 0x00;
	p[7] = 0x03; /* last fragment, offset 24 */
	ck_assert_int_eq(packet_parse(p, 40, &info, NULL), 0);
	ck_assert(info.fragment);
	ck_assert(!info.first_fragment);
	p[6] = 0x40; /* DF only */
	p[7] = 0;
	ck_assert_int_eq(packet_parse(p, 40, &info, NULL), 0);
	ck_assert(!info.fragment);
}
END_TEST

START_TEST(test_v4_hostile)
{
	uint8_t p[64] = {0};

	expect_bad(p, 0, "empty packet");
	v4(p, sizeof(p), 5, 20, 6);
	for (size_t len = 1; len < 20; len++)
		expect_bad(p, len, "IPv4 packet shorter than 20 bytes");
	v4(p, sizeof(p), 3, 20, 6);
	expect_bad(p, 20, "IPv4 header length 12 below 20");
	v4(p, sizeof(p), 0, 20, 6);
	expect_bad(p, 20, "IPv4 header length 0 below 20");
	v4(p, sizeof(p), 4, 20, 6);
	expect_bad(p, 20, "IPv4 header length 16 below 20");
	v4(p, sizeof(p), 6, 24, 6);
	expect_bad(p, 23, "IPv4 header length exceeds packet");
	v4(p, sizeof(p), 15, 60, 6);
	expect_bad(p, 59, "IPv4 header length exceeds packet");
	/* Total length shorter than the header. */
	v4(p, sizeof(p), 6, 20, 6);
	expect_bad(p, 24, "IPv4 total length below header length");
	v4(p, sizeof(p), 5, 0, 6);
	expect_bad(p, 20, "IPv4 total length below header length");
	/* Total length longer than the frame: refused. */
	v4(p, sizeof(p), 5, 29, 6);
	expect_bad(p, 28, "IPv4 total length exceeds packet");
	v4(p, sizeof(p), 5, 0xffff, 6);
	expect_bad(p, 64, "IPv4 total length exceeds packet");
	/* Versions other than 4 and 6. */
	p[0] = 0x55;
	expect_bad(p, 20, "IP version neither 4 nor 6");
	p[0] = 0x01;
	expect_bad(p, 20, "IP version neither 4 nor 6");
}
END_TEST

START_TEST(test_v6_basic)
{
	uint8_t p[128];
	struct packet_info info;
	char s[ADDR_STRLEN];

	v6(p, sizeof(p), 8, 17);
	ck_assert_int_eq(packet_parse(p, 48, &info, NULL), 0);
	ck_assert_int_eq(info.family, AF_INET6);
	ck_assert_str_eq(addr_format(&info.src, s, sizeof(s)), "fd00:8::2");
	ck_assert_str_eq(addr_format(&info.dst, s, sizeof(s)), "2001:db8::1");
	ck_assert_uint_eq(info.proto, 17);
	ck_assert_uint_eq(info.header_len, 40);
	ck_assert_uint_eq(info.total_len, 48);
	ck_assert(!info.fragment);

	/* No payload at all. */
	v6(p, sizeof(p), 0, 59);
	ck_assert_int_eq(packet_parse(p, 40, &info, NULL), 0);
	ck_assert_uint_eq(info.proto, 59);
	ck_assert_uint_eq(info.total_len, 40);

	/* Longer frame than packet: accepted, total_len tells. */
	v6(p, sizeof(p), 8, 58);
	ck_assert_int_eq(packet_parse(p, 100, &info, NULL), 0);
	ck_assert_uint_eq(info.total_len, 48);
}
END_TEST

START_TEST(test_v6_ext_chain)
{
	uint8_t p[256];
	struct packet_info info;

	/* hop-by-hop (8) -> routing (24) -> dstopts (16) -> TCP */
	v6(p, sizeof(p), 8 + 24 + 16 + 20, 0);
	ext(p + 40, 43, 0);
	ext(p + 48, 60, 2);
	ext(p + 72, 6, 1);
	ck_assert_int_eq(packet_parse(p, 40 + 68, &info, NULL), 0);
	ck_assert_uint_eq(info.proto, 6);
	ck_assert_uint_eq(info.header_len, 40 + 48);
	ck_assert(!info.fragment);
	ck_assert(info.routing_header);

	/* The same without the routing header: hop-by-hop -> dstopts -> TCP. */
	v6(p, sizeof(p), 8 + 8 + 20, 0);
	ext(p + 40, 60, 0);
	ext(p + 48, 6, 0);
	ck_assert_int_eq(packet_parse(p, 40 + 36, &info, NULL), 0);
	ck_assert_uint_eq(info.header_len, 40 + 16);
	ck_assert(!info.routing_header);

	/* First fragment: the chain goes on behind the fragment header. */
	v6(p, sizeof(p), 8 + 8 + 8, 44);
	ext(p + 40, 60, 0);
	p[43] = 0x01; /* offset 0, M */
	ext(p + 48, 17, 0);
	ck_assert_int_eq(packet_parse(p, 64, &info, NULL), 0);
	ck_assert(info.fragment);
	ck_assert(info.first_fragment);
	ck_assert_uint_eq(info.proto, 17);
	ck_assert_uint_eq(info.header_len, 56);

	/* A later fragment: stop at the fragment header, whatever follows. */
	v6(p, sizeof(p), 8 + 8, 44);
	ext(p + 40, 60, 0);
	p[42] = 0x00;
	p[43] = 0x08; /* offset 1 */
	memset(p + 48, 0xff, 8);
	ck_assert_int_eq(packet_parse(p, 56, &info, NULL), 0);
	ck_assert(info.fragment);
	ck_assert(!info.first_fragment);
	ck_assert_uint_eq(info.proto, 60);
	ck_assert_uint_eq(info.header_len, 48);

	/* The longest chain allowed. */
	v6(p, sizeof(p), 8 * PACKET_MAX_EXT_HEADERS, 60);
	for (unsigned i = 0; i < PACKET_MAX_EXT_HEADERS; i++)
		ext(p + 40 + 8 * i, i + 1 < PACKET_MAX_EXT_HEADERS ? 60 : 58, 0);
	ck_assert_int_eq(packet_parse(p, 40 + 8 * PACKET_MAX_EXT_HEADERS, &info, NULL), 0);
	ck_assert_uint_eq(info.proto, 58);
}
END_TEST

START_TEST(test_v6_hostile)
{
	uint8_t p[256];

	v6(p, sizeof(p), 0, 59);
	for (size_t len = 1; len < 40; len++)
		expect_bad(p, len, "IPv6 packet shorter than 40 bytes");
	/* Payload length beyond the frame. */
	v6(p, sizeof(p), 9, 17);
	expect_bad(p, 48, "IPv6 payload length exceeds packet");
	v6(p, sizeof(p), 0xffff, 17);
	expect_bad(p, sizeof(p), "IPv6 payload length exceeds packet");

	/* Extension header with no room for itself. */
	v6(p, sizeof(p), 0, 0);
	expect_bad(p, 40, "IPv6 extension header truncated");
	v6(p, sizeof(p), 7, 60);
	expect_bad(p, 47, "IPv6 extension header truncated");
	/* Its length field claims more than the payload holds. */
	v6(p, sizeof(p), 16, 43);
	ext(p + 40, 6, 2);
	expect_bad(p, 56, "IPv6 extension header length exceeds payload");
	v6(p, sizeof(p), 16, 60);
	ext(p + 40, 6, 255);
	expect_bad(p, sizeof(p), "IPv6 extension header length exceeds payload");
	/* Truncated in the middle of a chain: the payload length says less
	 * than the frame holds, and the walk must obey the payload length. */
	v6(p, sizeof(p), 12, 60);
	ext(p + 40, 43, 0);
	ext(p + 48, 6, 0);
	expect_bad(p, sizeof(p), "IPv6 extension header truncated");
	/* Fragment header truncated. */
	v6(p, sizeof(p), 4, 44);
	expect_bad(p, 44, "IPv6 extension header truncated");

	/* Hop-by-hop not first. */
	v6(p, sizeof(p), 16, 60);
	ext(p + 40, 0, 0);
	ext(p + 48, 6, 0);
	expect_bad(p, 56, "IPv6 hop-by-hop options not first");
	/* Two fragment headers. */
	v6(p, sizeof(p), 16, 44);
	ext(p + 40, 44, 0);
	ext(p + 48, 6, 0);
	expect_bad(p, 56, "IPv6 fragment header repeated");
	/* A chain one too long. */
	v6(p, sizeof(p), 8 * (PACKET_MAX_EXT_HEADERS + 1), 60);
	for (unsigned i = 0; i <= PACKET_MAX_EXT_HEADERS; i++)
		ext(p + 40 + 8 * i, i < PACKET_MAX_EXT_HEADERS ? 60 : 6, 0);
	expect_bad(p, 40 + 8 * (PACKET_MAX_EXT_HEADERS + 1),
		   "IPv6 extension header chain too long");
}
END_TEST

START_TEST(test_every_truncation)
{
	/* Every prefix of a valid packet is refused, first with its honest
	 * payload length (which then exceeds the frame), then with a payload
	 * length shrunk to match, so the walk itself meets the cut. None may
	 * read out of bounds: each prefix is copied to a buffer of exactly its
	 * size, so ASan sees any overrun. */
	uint8_t p[80];
	v6(p, sizeof(p), 8 + 24 + 8, 0);
	ext(p + 40, 43, 0);
	ext(p + 48, 44, 2);
	ext(p + 72, 17, 0);
	for (size_t len = 0; len <= sizeof(p); len++) {
		for (int shrink = 0; shrink < 2; shrink++) {
			uint8_t *copy = malloc(len ? len : 1);
			memcpy(copy, p, len);
			if (shrink && len >= 40) {
				copy[4] = 0;
				copy[5] = (uint8_t)(len - 40);
			}
			struct packet_info info;
			const char *why = NULL;
			int r = packet_parse(copy, len, &info, &why);
			ck_assert_int_eq(r, len < sizeof(p) ? -EINVAL : 0);
			free(copy);
		}
	}
}
END_TEST

static Suite *packet_suite(void)
{
	Suite *s = suite_create("packet");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_v4_basic);
	tcase_add_test(tc, test_v4_fragments);
	tcase_add_test(tc, test_v4_hostile);
	tcase_add_test(tc, test_v6_basic);
	tcase_add_test(tc, test_v6_ext_chain);
	tcase_add_test(tc, test_v6_hostile);
	tcase_add_test(tc, test_every_truncation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(packet_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
