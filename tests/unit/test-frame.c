/* Unit tests of common/frame: encoding, classification, and the incremental
 * decoder under every split of a multi-frame stream and hostile lengths. */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

/* ---- a reference stream of mixed frames ---- */

#define MAX_FRAMES 16

struct stream {
	uint8_t bytes[4096];
	size_t len;
	size_t nframes;
	size_t off[MAX_FRAMES]; /* payload offsets in bytes */
	size_t plen[MAX_FRAMES];
	enum frame_kind kind[MAX_FRAMES];
};

static void add_frame(struct stream *s, uint8_t first, size_t plen, enum frame_kind kind)
{
	uint8_t payload[2048];
	ck_assert_uint_le(plen, sizeof(payload));
	payload[0] = first;
	for (size_t i = 1; i < plen; i++)
		payload[i] = (uint8_t)(i * 7 + s->nframes);
	int n = frame_encode(s->bytes + s->len, sizeof(s->bytes) - s->len, payload, plen);
	ck_assert_int_eq(n, (int)plen + FRAME_HEADER_LEN);
	s->off[s->nframes] = s->len + FRAME_HEADER_LEN;
	s->plen[s->nframes] = plen;
	s->kind[s->nframes] = kind;
	s->nframes++;
	s->len += (size_t)n;
}

static void build_stream(struct stream *s)
{
	memset(s, 0, sizeof(*s));
	add_frame(s, 0x01, 17, FRAME_CONTROL);
	add_frame(s, 0x45, 20, FRAME_IPV4);
	add_frame(s, 0x60, 40, FRAME_IPV6);
	add_frame(s, 0x45, 1, FRAME_IPV4); /* shortest */
	add_frame(s, 0x01, 2, FRAME_CONTROL);
	add_frame(s, 0x6f, 300, FRAME_IPV6);
	add_frame(s, 0x4f, 3, FRAME_IPV4);
}

/* Decodes s fed in chunks ending at the given cut points; checks every frame
 * against the reference and returns how many frames were zero-copy. */
static size_t feed(const struct stream *s, size_t max_payload, const size_t *cuts, size_t ncuts)
{
	struct frame_decoder d;
	size_t got = 0, zero_copy = 0, start = 0;

	ck_assert_int_eq(frame_decoder_init(&d, max_payload), 0);
	for (size_t c = 0; c <= ncuts; c++) {
		size_t end = c < ncuts ? cuts[c] : s->len;
		const uint8_t *data = s->bytes + start;
		size_t len = end - start;
		struct frame f;
		int r;
		while ((r = frame_decoder_next(&d, &data, &len, &f)) == 1) {
			ck_assert_uint_lt(got, s->nframes);
			ck_assert_int_eq(f.kind, s->kind[got]);
			ck_assert_uint_eq(f.len, s->plen[got]);
			ck_assert_mem_eq(f.payload, s->bytes + s->off[got], f.len);
			if (f.payload == s->bytes + s->off[got])
				zero_copy++;
			got++;
		}
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(len, 0);
		ck_assert_ptr_eq(data, s->bytes + end);
		start = end;
	}
	ck_assert_uint_eq(got, s->nframes);
	ck_assert_uint_eq(frame_decoder_pending(&d), 0);
	ck_assert_str_eq(frame_decoder_error(&d), "");
	frame_decoder_free(&d);
	return zero_copy;
}

START_TEST(test_decode_whole)
{
	struct stream s;
	build_stream(&s);
	/* One chunk: every frame comes straight from the input. */
	ck_assert_uint_eq(feed(&s, 1600, NULL, 0), s.nframes);
}
END_TEST

START_TEST(test_decode_split_every_offset)
{
	struct stream s;
	build_stream(&s);
	for (size_t cut = 0; cut <= s.len; cut++)
		feed(&s, 1600, &cut, 1);
}
END_TEST

START_TEST(test_decode_split_every_pair)
{
	struct stream s;
	build_stream(&s);
	/* Three chunks, both cuts at every position: covers a frame split
	 * into three pieces, including a header split from its payload. */
	size_t small = s.off[5] - FRAME_HEADER_LEN; /* the first five frames */
	s.len = small;
	s.nframes = 5;
	for (size_t a = 0; a <= s.len; a++)
		for (size_t b = a; b <= s.len; b++) {
			size_t cuts[2] = {a, b};
			feed(&s, 1600, cuts, 2);
		}
}
END_TEST

START_TEST(test_decode_byte_at_a_time)
{
	struct stream s;
	size_t cuts[4096];
	build_stream(&s);
	for (size_t i = 0; i < s.len; i++)
		cuts[i] = i + 1;
	feed(&s, 1600, cuts, s.len);
}
END_TEST

START_TEST(test_decode_many_in_one_chunk)
{
	/* 1000 small frames in one read. */
	static uint8_t bytes[1000 * 5];
	size_t len = 0;
	for (unsigned i = 0; i < 1000; i++) {
		uint8_t p[3] = {0x45, (uint8_t)(i >> 8), (uint8_t)i};
		len += (size_t)frame_encode(bytes + len, sizeof(bytes) - len, p, 3);
	}
	ck_assert_uint_eq(len, sizeof(bytes));

	struct frame_decoder d;
	struct frame f;
	const uint8_t *data = bytes;
	unsigned n = 0;
	ck_assert_int_eq(frame_decoder_init(&d, 1600), 0);
	while (frame_decoder_next(&d, &data, &len, &f) == 1) {
		ck_assert_uint_eq(f.len, 3);
		ck_assert_uint_eq((unsigned)f.payload[1] << 8 | f.payload[2], n);
		n++;
	}
	ck_assert_uint_eq(n, 1000);
	ck_assert_uint_eq(len, 0);
	ck_assert_ptr_null(d.part); /* never split: nothing allocated */
	frame_decoder_free(&d);
}
END_TEST

START_TEST(test_decode_lazy_buffer)
{
	struct frame_decoder d;
	struct frame f;
	const uint8_t hdr_split[] = {0x00, 0x03, 0x45, 0x01, 0x02};
	const uint8_t *data;
	size_t len;

	ck_assert_int_eq(frame_decoder_init(&d, 1600), 0);
	/* A split inside the header alone needs no buffer: the payload still
	 * comes from the input. */
	data = hdr_split;
	len = 1;
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 0);
	ck_assert_uint_eq(frame_decoder_pending(&d), 1);
	len = 4;
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 1);
	ck_assert_ptr_eq(f.payload, hdr_split + 2);
	ck_assert_ptr_null(d.part);

	/* A split payload does allocate, once. */
	data = hdr_split;
	len = 4;
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 0);
	ck_assert_uint_eq(frame_decoder_pending(&d), 4);
	ck_assert_ptr_nonnull(d.part);
	len = 1;
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 1);
	ck_assert_ptr_eq(f.payload, d.part);
	ck_assert_mem_eq(f.payload, "\x45\x01\x02", 3);
	ck_assert_uint_eq(frame_decoder_pending(&d), 0);

	frame_decoder_trim(&d);
	ck_assert_ptr_null(d.part);
	/* trim keeps a frame in progress. */
	data = hdr_split;
	len = 3;
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 0);
	frame_decoder_trim(&d);
	ck_assert_ptr_nonnull(d.part);
	len = 2;
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 1);
	ck_assert_mem_eq(f.payload, "\x45\x01\x02", 3);
	frame_decoder_free(&d);
	frame_decoder_free(&d); /* twice is harmless */
	ck_assert_ptr_null(d.part);
}
END_TEST

/* Feeds in to a fresh decoder split at cut and expects error err. */
static void expect_error(const uint8_t *in, size_t n, size_t cut, size_t max, int err,
			 const char *msg, unsigned frames_before)
{
	struct frame_decoder d;
	struct frame f;
	const uint8_t *data = in;
	size_t len = cut;
	unsigned frames = 0;
	int r;

	ck_assert_int_eq(frame_decoder_init(&d, max), 0);
	while ((r = frame_decoder_next(&d, &data, &len, &f)) == 1)
		frames++;
	if (r == 0) {
		len = n - cut;
		while ((r = frame_decoder_next(&d, &data, &len, &f)) == 1)
			frames++;
	}
	ck_assert_int_eq(r, err);
	ck_assert_uint_eq(frames, frames_before);
	ck_assert_str_eq(frame_decoder_error(&d), msg);
	/* The stream stays dead, whatever comes next. */
	const uint8_t good[] = {0x00, 0x01, 0x45};
	data = good;
	len = sizeof(good);
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), err);
	frame_decoder_free(&d);
}

START_TEST(test_decode_length_zero)
{
	const uint8_t in[] = {0x00, 0x01, 0x45, 0x00, 0x00, 0x45};
	for (size_t cut = 0; cut <= sizeof(in); cut++)
		expect_error(in, sizeof(in), cut, 1600, -EPROTO, "frame length 0", 1);
}
END_TEST

START_TEST(test_decode_length_limits)
{
	static uint8_t in[FRAME_HEADER_LEN + FRAME_MAX_PAYLOAD];
	struct frame_decoder d;
	struct frame f;
	const uint8_t *data;
	size_t len;

	/* Exactly the maximum passes, whole and split. */
	memset(in, 0x60, sizeof(in));
	in[0] = 0xff;
	in[1] = 0xff;
	for (size_t cut = 0; cut <= sizeof(in); cut += 16381) {
		ck_assert_int_eq(frame_decoder_init(&d, FRAME_MAX_PAYLOAD), 0);
		data = in;
		len = cut;
		int r = frame_decoder_next(&d, &data, &len, &f);
		if (r == 0) {
			len = sizeof(in) - cut;
			r = frame_decoder_next(&d, &data, &len, &f);
		}
		ck_assert_int_eq(r, 1);
		ck_assert_uint_eq(f.len, FRAME_MAX_PAYLOAD);
		ck_assert_int_eq(f.kind, FRAME_IPV6);
		frame_decoder_free(&d);
	}

	/* A configured maximum: max passes, max + 1 is refused from the
	 * header alone. */
	const uint8_t at_max[] = {0x06, 0x40, 0x45};
	ck_assert_int_eq(frame_decoder_init(&d, 1600), 0);
	data = at_max;
	len = sizeof(at_max);
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 0);
	ck_assert_uint_eq(frame_decoder_pending(&d), 3);
	frame_decoder_free(&d);

	const uint8_t over[] = {0x06, 0x41, 0x45, 0x00};
	for (size_t cut = 0; cut <= sizeof(over); cut++)
		expect_error(over, sizeof(over), cut, 1600, -EMSGSIZE,
			     "frame length 1601 exceeds maximum 1600", 0);
	const uint8_t big[] = {0x23, 0x28};
	expect_error(big, sizeof(big), 1, 1600, -EMSGSIZE, "frame length 9000 exceeds maximum 1600",
		     0);
	const uint8_t two[] = {0x00, 0x02, 0x45, 0x00};
	expect_error(two, sizeof(two), 0, 1, -EMSGSIZE, "frame length 2 exceeds maximum 1", 0);
}
END_TEST

START_TEST(test_decode_unknown_kind)
{
	const uint8_t in[] = {0x00, 0x01, 0x45, 0x00, 0x04, 0x57, 0x00, 0x00, 0x00};
	for (size_t cut = 0; cut <= sizeof(in); cut++)
		expect_error(in, sizeof(in), cut, 1600, -EPROTO, "unknown frame kind 0x57", 1);

	/* Garbage is refused at its first byte, before the length it claims
	 * has arrived. */
	struct frame_decoder d;
	struct frame f;
	const uint8_t head[] = {0x05, 0xdc, 0x00};
	const uint8_t *data = head;
	size_t len = sizeof(head);
	ck_assert_int_eq(frame_decoder_init(&d, 1600), 0);
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), -EPROTO);
	ck_assert_str_eq(frame_decoder_error(&d), "unknown frame kind 0x00");
	ck_assert_ptr_null(d.part);
	frame_decoder_free(&d);

	/* An HTTP request on the port: "GE" is length 0x4745 = 18245. */
	const char *http = "GET / HTTP/1.1\r\n";
	expect_error((const uint8_t *)http, strlen(http), 5, 16384, -EMSGSIZE,
		     "frame length 18245 exceeds maximum 16384", 0);
	expect_error((const uint8_t *)http, strlen(http), 5, FRAME_MAX_PAYLOAD, -EPROTO,
		     "unknown frame kind 0x54", 0);
}
END_TEST

START_TEST(test_decode_empty_input)
{
	struct frame_decoder d;
	struct frame f;
	const uint8_t *data = NULL;
	size_t len = 0;
	ck_assert_int_eq(frame_decoder_init(&d, 1600), 0);
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 0);
	ck_assert_uint_eq(frame_decoder_pending(&d), 0);
	frame_decoder_free(&d);
}
END_TEST

START_TEST(test_decoder_init)
{
	struct frame_decoder d;
	ck_assert_int_eq(frame_decoder_init(&d, 0), -EINVAL);
	ck_assert_int_eq(frame_decoder_init(&d, FRAME_MAX_PAYLOAD + 1), -EINVAL);
	ck_assert_int_eq(frame_decoder_init(&d, 1), 0);
	ck_assert_int_eq(frame_decoder_init(&d, FRAME_MAX_PAYLOAD), 0);
	frame_decoder_free(&d);
	frame_decoder_free(NULL);
}
END_TEST

START_TEST(test_encode)
{
	static uint8_t big[FRAME_MAX_PAYLOAD + 1];
	static uint8_t out[FRAME_MAX_PAYLOAD + 3];
	const uint8_t p[] = {0x45, 1, 2};

	ck_assert_int_eq(frame_encode(out, sizeof(out), p, 3), 5);
	ck_assert_mem_eq(out, "\x00\x03\x45\x01\x02", 5);
	ck_assert_int_eq(frame_encode(out, 5, p, 3), 5);
	memset(out, 0xee, 8);
	ck_assert_int_eq(frame_encode(out, 4, p, 3), -ENOSPC);
	ck_assert_int_eq(frame_encode(out, 1, p, 3), -ENOSPC);
	ck_assert_int_eq(frame_encode(out, 0, p, 3), -ENOSPC);
	ck_assert_uint_eq(out[0], 0xee); /* nothing written */
	ck_assert_int_eq(frame_encode(out, sizeof(out), p, 0), -EMSGSIZE);
	big[0] = 0x60;
	ck_assert_int_eq(frame_encode(out, sizeof(out), big, FRAME_MAX_PAYLOAD),
			 FRAME_MAX_PAYLOAD + 2);
	ck_assert_mem_eq(out, "\xff\xff\x60", 3);
	ck_assert_int_eq(frame_encode(out, sizeof(out), big, FRAME_MAX_PAYLOAD + 1), -EMSGSIZE);

	uint8_t h[FRAME_HEADER_LEN] = {0xee, 0xee};
	ck_assert_int_eq(frame_put_header(h, 0), -EMSGSIZE);
	ck_assert_int_eq(frame_put_header(h, 65536), -EMSGSIZE);
	ck_assert_int_eq(frame_put_header(h, SIZE_MAX), -EMSGSIZE);
	ck_assert_uint_eq(h[0], 0xee);
	ck_assert_int_eq(frame_put_header(h, 1500), 0);
	ck_assert_mem_eq(h, "\x05\xdc", 2);
}
END_TEST

START_TEST(test_set_max)
{
	struct frame_decoder d;
	struct frame f;
	ck_assert_int_eq(frame_decoder_init(&d, 100), 0);
	ck_assert_int_eq(frame_decoder_set_max(&d, 0), -EINVAL);
	ck_assert_int_eq(frame_decoder_set_max(&d, FRAME_MAX_PAYLOAD + 1), -EINVAL);
	/* half of a 90-byte frame buffered, then the limit goes up: the frame
	 * completes and a longer one is accepted */
	uint8_t in[2 + 90];
	memset(in, 0x45, sizeof in);
	in[0] = 0;
	in[1] = 90;
	const uint8_t *data = in;
	size_t len = 50;
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 0);
	ck_assert_int_eq(frame_decoder_set_max(&d, 80), -EBUSY);
	ck_assert_int_eq(frame_decoder_set_max(&d, 5000), 0);
	len = sizeof in - 50;
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 1);
	ck_assert_uint_eq(f.len, 90);
	static uint8_t big[2 + 4000];
	memset(big, 0x45, sizeof big);
	big[0] = 4000 >> 8;
	big[1] = 4000 & 0xff;
	data = big;
	len = 1000;
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 0);
	len = sizeof big - 1000;
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), 1);
	ck_assert_uint_eq(f.len, 4000);
	/* lowering with nothing in progress is fine, and enforced */
	ck_assert_int_eq(frame_decoder_set_max(&d, 1000), 0);
	data = big;
	len = sizeof big;
	ck_assert_int_eq(frame_decoder_next(&d, &data, &len, &f), -EMSGSIZE);
	frame_decoder_free(&d);
}
END_TEST

START_TEST(test_classify)
{
	enum frame_kind k = 0;
	struct {
		uint8_t first;
		int r;
		enum frame_kind kind;
	} cases[] = {
	    {0x01, 0, FRAME_CONTROL}, {0x45, 0, FRAME_IPV4}, {0x40, 0, FRAME_IPV4},
	    {0x4f, 0, FRAME_IPV4},    {0x60, 0, FRAME_IPV6}, {0x6f, 0, FRAME_IPV6},
	    {0x00, -EPROTO, 0},	      {0x02, 0, FRAME_GSO},  {0x03, -EPROTO, 0},
	    {0x11, -EPROTO, 0},	      {0x3f, -EPROTO, 0},    {0x50, -EPROTO, 0},
	    {0x7b, -EPROTO, 0},	      {0xff, -EPROTO, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		k = 0;
		ck_assert_int_eq(frame_classify(&cases[i].first, 1, &k), cases[i].r);
		if (cases[i].r == 0)
			ck_assert_int_eq(k, cases[i].kind);
	}
	ck_assert_int_eq(frame_classify((const uint8_t *)"\x45", 0, &k), -EPROTO);
	ck_assert_str_eq(frame_kind_name(FRAME_CONTROL), "control");
	ck_assert_str_eq(frame_kind_name(FRAME_IPV4), "ipv4");
	ck_assert_str_eq(frame_kind_name(FRAME_IPV6), "ipv6");
	ck_assert_str_eq(frame_kind_name(FRAME_GSO), "gso");
	ck_assert_str_eq(frame_kind_name((enum frame_kind)9), "unknown");
}
END_TEST

static Suite *frame_suite(void)
{
	Suite *s = suite_create("frame");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_set_max);
	tcase_add_test(tc, test_encode);
	tcase_add_test(tc, test_decoder_init);
	tcase_add_test(tc, test_decode_empty_input);
	tcase_add_test(tc, test_decode_whole);
	tcase_add_test(tc, test_decode_split_every_offset);
	tcase_add_test(tc, test_decode_split_every_pair);
	tcase_add_test(tc, test_decode_byte_at_a_time);
	tcase_add_test(tc, test_decode_many_in_one_chunk);
	tcase_add_test(tc, test_decode_lazy_buffer);
	tcase_add_test(tc, test_decode_length_zero);
	tcase_add_test(tc, test_decode_length_limits);
	tcase_add_test(tc, test_decode_unknown_kind);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(frame_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
