/* Unit tests of common/buf: bounds, byte order, compaction. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

START_TEST(test_put_get_roundtrip)
{
	uint8_t mem[16];
	struct buf b;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	char s[3];

	buf_init(&b, mem, sizeof(mem));
	ck_assert_uint_eq(buf_avail(&b), 0);
	ck_assert_uint_eq(buf_space(&b), 16);
	ck_assert_int_eq(buf_put_u8(&b, 0xab), 0);
	ck_assert_int_eq(buf_put_u16(&b, 0x1234), 0);
	ck_assert_int_eq(buf_put_u32(&b, 0xdeadbeef), 0);
	ck_assert_int_eq(buf_put_bytes(&b, "xyz", 3), 0);
	ck_assert_uint_eq(buf_avail(&b), 10);
	/* Big-endian on the wire. */
	const uint8_t want[] = {0xab, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 'x', 'y', 'z'};
	ck_assert_mem_eq(buf_rptr(&b), want, sizeof(want));

	ck_assert_int_eq(buf_get_u8(&b, &u8), 0);
	ck_assert_uint_eq(u8, 0xab);
	ck_assert_int_eq(buf_get_u16(&b, &u16), 0);
	ck_assert_uint_eq(u16, 0x1234);
	ck_assert_int_eq(buf_get_u32(&b, &u32), 0);
	ck_assert_uint_eq(u32, 0xdeadbeef);
	ck_assert_int_eq(buf_get_bytes(&b, s, 3), 0);
	ck_assert_mem_eq(s, "xyz", 3);
	ck_assert_uint_eq(buf_avail(&b), 0);
	/* Drained: the whole capacity is free again. */
	ck_assert_uint_eq(buf_space(&b), 16);
}
END_TEST

START_TEST(test_put_full)
{
	uint8_t mem[5];
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(buf_put_u32(&b, 1), 0);
	ck_assert_int_eq(buf_put_u16(&b, 1), -ENOSPC);
	ck_assert_int_eq(buf_put_u32(&b, 1), -ENOSPC);
	ck_assert_int_eq(buf_put_bytes(&b, "ab", 2), -ENOSPC);
	ck_assert_uint_eq(buf_avail(&b), 4); /* failures wrote nothing */
	ck_assert_int_eq(buf_put_u8(&b, 7), 0);
	ck_assert_int_eq(buf_put_u8(&b, 7), -ENOSPC);
	ck_assert_int_eq(buf_put_bytes(&b, "", 0), 0);
	ck_assert_uint_eq(buf_space(&b), 0);
}
END_TEST

START_TEST(test_get_short)
{
	uint8_t mem[8];
	struct buf b;
	uint16_t u16 = 0x5555;
	uint32_t u32 = 0x55555555;
	uint8_t u8 = 0x55, out[4];

	buf_init(&b, mem, sizeof(mem));
	ck_assert_int_eq(buf_get_u8(&b, &u8), -ENODATA);
	ck_assert_int_eq(buf_put_bytes(&b, "\x01\x02\x03", 3), 0);
	ck_assert_int_eq(buf_get_u32(&b, &u32), -ENODATA);
	ck_assert_uint_eq(u32, 0x55555555); /* untouched */
	ck_assert_int_eq(buf_get_bytes(&b, out, 4), -ENODATA);
	ck_assert_uint_eq(buf_avail(&b), 3); /* nothing consumed */
	ck_assert_int_eq(buf_get_u16(&b, &u16), 0);
	ck_assert_uint_eq(u16, 0x0102);
	ck_assert_int_eq(buf_get_u16(&b, &u16), -ENODATA);
	ck_assert_int_eq(buf_get_u8(&b, &u8), 0);
	ck_assert_uint_eq(u8, 3);
}
END_TEST

START_TEST(test_peek)
{
	uint8_t mem[4] = {0};
	struct buf b;
	uint8_t u8;
	uint16_t u16;

	buf_init(&b, mem, sizeof(mem));
	buf_put_bytes(&b, "\x0a\x0b\x0c", 3);
	ck_assert_int_eq(buf_peek_u8(&b, 2, &u8), 0);
	ck_assert_uint_eq(u8, 0x0c);
	ck_assert_int_eq(buf_peek_u8(&b, 3, &u8), -ENODATA);
	ck_assert_int_eq(buf_peek_u16(&b, 1, &u16), 0);
	ck_assert_uint_eq(u16, 0x0b0c);
	ck_assert_int_eq(buf_peek_u16(&b, 2, &u16), -ENODATA);
	ck_assert_int_eq(buf_peek_u16(&b, SIZE_MAX, &u16), -ENODATA);
	ck_assert_uint_eq(buf_avail(&b), 3);
}
END_TEST

START_TEST(test_consume_commit)
{
	uint8_t mem[8];
	struct buf b;

	buf_init(&b, mem, sizeof(mem));
	memcpy(buf_wptr(&b), "abcdef", 6);
	ck_assert_int_eq(buf_commit(&b, 6), 0);
	ck_assert_int_eq(buf_commit(&b, 3), -ENOSPC);
	ck_assert_int_eq(buf_commit(&b, SIZE_MAX), -ENOSPC);
	ck_assert_int_eq(buf_consume(&b, 2), 0);
	ck_assert_mem_eq(buf_rptr(&b), "cdef", 4);
	ck_assert_int_eq(buf_consume(&b, 5), -ENODATA);
	ck_assert_int_eq(buf_consume(&b, SIZE_MAX), -ENODATA);
	ck_assert_uint_eq(buf_avail(&b), 4);
	ck_assert_uint_eq(buf_space(&b), 2);

	buf_compact(&b);
	ck_assert_uint_eq(b.off, 0);
	ck_assert_uint_eq(buf_avail(&b), 4);
	ck_assert_uint_eq(buf_space(&b), 4);
	ck_assert_mem_eq(buf_rptr(&b), "cdef", 4);
	buf_compact(&b); /* idempotent */
	ck_assert_mem_eq(buf_rptr(&b), "cdef", 4);

	buf_reset(&b);
	ck_assert_uint_eq(buf_avail(&b), 0);
	ck_assert_uint_eq(buf_space(&b), 8);
}
END_TEST

START_TEST(test_readonly_and_empty)
{
	static const uint8_t pkt[] = {0x45, 0x00, 0x00, 0x14};
	struct buf b;
	uint32_t v;

	buf_init_ro(&b, pkt, sizeof(pkt));
	ck_assert_uint_eq(buf_avail(&b), 4);
	ck_assert_uint_eq(buf_space(&b), 0);
	ck_assert_int_eq(buf_put_u8(&b, 1), -ENOSPC);
	ck_assert_int_eq(buf_get_u32(&b, &v), 0);
	ck_assert_uint_eq(v, 0x45000014);

	buf_init(&b, NULL, 100); /* no memory: no capacity */
	ck_assert_uint_eq(buf_space(&b), 0);
	ck_assert_int_eq(buf_put_u8(&b, 1), -ENOSPC);
	ck_assert_int_eq(buf_put_bytes(&b, NULL, 0), 0);
}
END_TEST

START_TEST(test_be_helpers)
{
	uint8_t p[4];

	be16_store(p, 0xfe01);
	ck_assert_uint_eq(p[0], 0xfe);
	ck_assert_uint_eq(p[1], 0x01);
	ck_assert_uint_eq(be16_load(p), 0xfe01);
	be32_store(p, 0x80ff0102);
	ck_assert_uint_eq(be32_load(p), 0x80ff0102);
	ck_assert_uint_eq(p[0], 0x80);
	ck_assert_uint_eq(p[3], 0x02);
}
END_TEST

static Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_put_get_roundtrip);
	tcase_add_test(tc, test_put_full);
	tcase_add_test(tc, test_get_short);
	tcase_add_test(tc, test_peek);
	tcase_add_test(tc, test_consume_commit);
	tcase_add_test(tc, test_readonly_and_empty);
	tcase_add_test(tc, test_be_helpers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
