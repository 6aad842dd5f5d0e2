/*
 * Unit tests of common/gso: the checksum helpers against a naive RFC 1071
 * reference, software segmentation of IPv4 and IPv6 super-packets built here,
 * the TUN header interpreter, and the GSO frame parser under hostile input.
 * Every packet handed to the module sits in its own allocation of exactly its
 * length, so ASan reports any read past it.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "gso.h"
#include "naive-csum.h"
#include "packet.h"
#include "xorshift.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

/* Linux 6.2 names it; Debian 12's kernel headers (6.1) do not. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void st32(uint8_t *p, uint32_t v)
{
	st16(p, (uint16_t)(v >> 16));
	st16(p + 2, (uint16_t)v);
}

/* A copy of p[0..n) in an allocation of exactly n bytes (1 if n is 0). */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(c);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* ---- packets built for the tests ---- */

struct spec {
	int family;
	size_t ip_opt;	  /* IPv4 option bytes, a multiple of 4, <= 40 */
	size_t ext_len;	  /* IPv6 extension header bytes, 0 or 8*k */
	uint8_t ext_type; /* that header: 0 hop-by-hop, 43 routing, 60 destination options */
	size_t tcp_hlen;  /* 20..60, a multiple of 4; 0 means 20 */
	size_t payload;	  /* L4 payload bytes */
	uint8_t flags;	  /* TCP flags */
	uint8_t proto;	  /* 0 means TCP */
	uint32_t seq;
	uint16_t id;
	uint16_t frag; /* IPv4 flags + fragment offset field; 0 means DF */
	int csum;      /* 0: valid L4 checksum, 1: pseudo-header sum (as the kernel leaves it) */
};

static size_t spec_l4_off(const struct spec *s)
{
	return s->family == AF_INET ? 20 + s->ip_opt : 40 + s->ext_len;
}

static size_t spec_l4_hlen(const struct spec *s)
{
	uint8_t proto = s->proto ? s->proto : IPPROTO_TCP;
	if (proto == IPPROTO_TCP)
		return s->tcp_hlen ? s->tcp_hlen : 20;
	return 8;
}

static size_t spec_len(const struct spec *s)
{
	return spec_l4_off(s) + spec_l4_hlen(s) + s->payload;
}

/* Builds the packet s describes in a new allocation of exactly its length. */
static uint8_t *build(const struct spec *s, size_t *len_out)
{
	size_t l4 = spec_l4_off(s), l4h = spec_l4_hlen(s), len = spec_len(s);
	uint8_t proto = s->proto ? s->proto : IPPROTO_TCP;
	uint8_t *p = calloc(1, len);
	ck_assert_ptr_nonnull(p);

	if (s->family == AF_INET) {
		ck_assert_uint_le(len, 65535);
		p[0] = (uint8_t)(0x40 | (l4 / 4));
		p[1] = 0x02; /* ECT(0): must be copied, not touched */
		st16(p + 2, (uint16_t)len);
		st16(p + 4, s->id);
		st16(p + 6, s->frag ? s->frag : 0x4000);
		p[8] = 64;
		p[9] = proto;
		const uint8_t src[4] = {10, 8, 0, 2}, dst[4] = {198, 18, 2, 2};
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
		/* Options: NOPs, then a record-route-like pattern that a
		 * segmenter must copy byte for byte. */
		for (size_t i = 20; i < l4; i++)
			p[i] = (uint8_t)(i < 24 ? 0x01 : 0xa0 + i);
		uint16_t c = (uint16_t)~naive_add(0, p, l4);
		st16(p + 10, c);
	} else {
		ck_assert_uint_le(len - 40, 65535);
		p[0] = 0x60;
		p[1] = 0x21; /* traffic class and flow label bits to keep */
		p[2] = 0x43;
		p[3] = 0x65;
		st16(p + 4, (uint16_t)(len - 40));
		p[6] = s->ext_len ? s->ext_type : proto;
		p[7] = 64;
		inet_pton(AF_INET6, "fd00:8::2", p + 8);
		inet_pton(AF_INET6, "fd00:18:2::2", p + 24);
		if (s->ext_len) {
			p[40] = proto;
			p[41] = (uint8_t)(s->ext_len / 8 - 1);
			if (s->ext_type == 43) {
				p[42] = 4; /* segment routing, nothing left to visit */
				p[43] = 0;
			} else {
				p[42] = 0x01; /* PadN covering the rest */
				p[43] = (uint8_t)(s->ext_len - 4);
			}
		}
	}

	uint8_t *t = p + l4;
	if (proto == IPPROTO_TCP) {
		st16(t, 40000);
		st16(t + 2, 443);
		st32(t + 4, s->seq);
		st32(t + 8, 0x01020304);
		t[12] = (uint8_t)((l4h / 4) << 4);
		t[13] = s->flags;
		st16(t + 14, 0xfaf0);
		st16(t + 18, 0x1234); /* urgent pointer: copied as is */
		for (size_t i = 20; i < l4h; i++)
			t[i] = 0x01;
		if (l4h >= 32) {
			const uint8_t ts[12] = {1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 7};
			memcpy(t + 20, ts, sizeof(ts));
		}
	} else {
		st16(t, 5353);
		st16(t + 2, 53);
		st16(t + 4, (uint16_t)(len - l4));
	}
	rng_fill(p + l4 + l4h, s->payload);

	size_t check_off = proto == IPPROTO_TCP ? 16 : proto == IPPROTO_UDP ? 6 : 2;
	int fam = s->family;
	uint32_t pseudo = naive_pseudo(p, fam, len - l4, proto);
	if (s->csum == 1) {
		st16(t + check_off, (uint16_t)pseudo);
	} else {
		uint32_t acc = naive_add(proto == IPPROTO_ICMP ? 0 : pseudo, t, len - l4);
		uint16_t c = (uint16_t)~acc;
		st16(t + check_off, c == 0 && proto == IPPROTO_UDP ? 0xffff : c);
	}
	*len_out = len;
	return p;
}

/* A GSO frame payload (0x02, gso_size, packet) in an exact allocation. */
static uint8_t *build_frame(const struct spec *s, uint16_t gso_size, size_t *len_out)
{
	size_t plen;
	uint8_t *p = build(s, &plen);
	uint8_t *f = malloc(plen + 3);
	ck_assert_ptr_nonnull(f);
	f[0] = FRAME_GSO_BYTE;
	st16(f + 1, gso_size);
	memcpy(f + 3, p, plen);
	free(p);
	*len_out = plen + 3;
	return f;
}

/* ---- a recording emit callback ---- */

#define MAX_SEGS 200

struct seglog {
	size_t n;
	uint8_t *seg[MAX_SEGS];
	size_t len[MAX_SEGS];
	size_t calls;
	size_t fail_at; /* 1-based call that fails, 0 for none */
	int fail_rc;
};

static int record(const uint8_t *seg, size_t len, void *arg)
{
	struct seglog *log = arg;
	log->calls++;
	if (log->fail_at != 0 && log->calls == log->fail_at)
		return log->fail_rc;
	ck_assert_uint_lt(log->n, MAX_SEGS);
	log->seg[log->n] = exact_copy(seg, len);
	log->len[log->n] = len;
	log->n++;
	return 0;
}

static void seglog_free(struct seglog *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->seg[i]);
	memset(log, 0, sizeof(*log));
}

/*
 * Checks the segments of super-packet orig (len bytes, l4 at l4_off, headers
 * hdr_len) cut at gso_size, as the kernel would cut it.
 */
static void check_segments(const struct seglog *log, const uint8_t *orig, size_t len, int family,
			   size_t l4_off, size_t hdr_len, size_t gso_size)
{
	size_t payload = len - hdr_len;
	size_t want = payload == 0 ? 1 : (payload + gso_size - 1) / gso_size;
	ck_assert_uint_eq(log->n, want);
	const uint8_t *tin = orig + l4_off;
	uint8_t flags0 = tin[13];
	size_t off = 0;
	for (size_t i = 0; i < log->n; i++) {
		const uint8_t *s = log->seg[i];
		size_t chunk = payload - off < gso_size ? payload - off : gso_size;
		bool last = i + 1 == log->n;
		ck_assert_uint_eq(log->len[i], hdr_len + chunk);
		if (!last)
			ck_assert_uint_eq(chunk, gso_size);

		/* The segment is an IP packet in its own right. */
		struct packet_info pi;
		ck_assert_int_eq(packet_parse(s, log->len[i], &pi, NULL), 0);
		ck_assert_uint_eq(pi.total_len, log->len[i]);

		if (family == AF_INET) {
			ck_assert_uint_eq(ld16(s + 2), log->len[i]);
			ck_assert_uint_eq(ld16(s + 4), (uint16_t)(ld16(orig + 4) + i));
			ck_assert_uint_eq(naive_add(0, s, l4_off), 0xffff);
			/* Everything else of the IPv4 header and options is copied. */
			ck_assert_mem_eq(s, orig, 2);
			ck_assert_mem_eq(s + 6, orig + 6, 4);
			ck_assert_mem_eq(s + 12, orig + 12, l4_off - 12);
		} else {
			ck_assert_uint_eq(ld16(s + 4), log->len[i] - 40);
			ck_assert_mem_eq(s, orig, 4);
			ck_assert_mem_eq(s + 6, orig + 6, l4_off - 6);
		}

		const uint8_t *t = s + l4_off;
		ck_assert_uint_eq(ld32(t + 4), ld32(tin + 4) + (uint32_t)(i * gso_size));
		uint8_t want_flags = flags0;
		if (i > 0)
			want_flags &= (uint8_t)~TCP_CWR;
		if (!last)
			want_flags &= (uint8_t) ~(TCP_FIN | TCP_PSH);
		ck_assert_uint_eq(t[13], want_flags);
		/* Ports, ack, data offset, window, urgent pointer, options. */
		ck_assert_mem_eq(t, tin, 4);
		ck_assert_mem_eq(t + 8, tin + 8, 5);
		ck_assert_mem_eq(t + 14, tin + 14, 2);
		ck_assert_mem_eq(t + 18, tin + 18, hdr_len - l4_off - 18);
		ck_assert_msg(l4_csum_ok(s, log->len[i], l4_off, family, IPPROTO_TCP),
			      "segment %zu: TCP checksum invalid", i);

		ck_assert_mem_eq(s + hdr_len, orig + hdr_len + off, chunk);
		off += chunk;
	}
	ck_assert_uint_eq(off, payload);
}

/* Parses a super-packet the test built as a GSO frame would carry it. */
static void as_gso(const uint8_t *pkt, size_t len, uint16_t gso_size, struct gso_packet *g)
{
	struct packet_info pi;
	ck_assert_int_eq(packet_parse(pkt, len, &pi, NULL), 0);
	memset(g, 0, sizeof(*g));
	g->pkt = pkt;
	g->len = len;
	g->l4_off = pi.header_len;
	g->hdr_len = pi.header_len + (size_t)(pkt[pi.header_len + 12] >> 4) * 4;
	g->gso_size = gso_size;
	g->family = pi.family;
	g->pi = pi;
}

/* Segments s cut at gso_size through a scratch buffer of exactly
 * hdr_len + gso_size bytes, and checks the result. */
static void segment_and_check(const struct spec *s, uint16_t gso_size)
{
	size_t len;
	uint8_t *pkt = build(s, &len);
	uint8_t *keep = exact_copy(pkt, len);
	struct gso_packet g;
	as_gso(pkt, len, gso_size, &g);
	size_t scratch_len = g.hdr_len + gso_size;
	uint8_t *scratch = malloc(scratch_len);
	ck_assert_ptr_nonnull(scratch);
	struct seglog *log = calloc(1, sizeof(*log));
	ck_assert_ptr_nonnull(log);

	ck_assert_int_eq(gso_segment(&g, scratch, scratch_len, record, log), 0);
	ck_assert_mem_eq(pkt, keep, len); /* the input is not touched */
	check_segments(log, pkt, len, s->family, g.l4_off, g.hdr_len, gso_size);

	seglog_free(log);
	free(log);
	free(scratch);
	free(keep);
	free(pkt);
}

/* ---- checksum helpers ---- */

START_TEST(test_csum_random)
{
	static uint8_t buf[2001];
	rng_seed(1);
	for (size_t n = 0; n <= 2000; n++) {
		rng_fill(buf, n + 1);
		/* Unaligned too: the helper must not assume alignment. */
		for (size_t a = 0; a < 2; a++) {
			const uint8_t *d = buf + a;
			uint16_t got = gso_csum_fold(gso_csum_add(0, d, n));
			uint32_t want = naive_add(0, d, n);
			ck_assert_msg(got == want, "len %zu align %zu: got %04x want %04x", n, a,
				      got, want);
		}
		/* A non-zero starting sum, as a pseudo-header would give. */
		uint32_t init = rng();
		uint32_t want = naive_word(naive_word(0, init >> 16), init);
		want = naive_add(want, buf, n);
		ck_assert_uint_eq(gso_csum_fold(gso_csum_add(init, buf, n)), want);
	}
}
END_TEST

START_TEST(test_csum_edges)
{
	static uint8_t ff[65535], zero[100];
	memset(ff, 0xff, sizeof(ff));
	/* All-zero data folds to 0, any other data never does. */
	ck_assert_uint_eq(gso_csum_fold(gso_csum_add(0, zero, sizeof(zero))), 0);
	ck_assert_uint_eq(gso_csum_fold(gso_csum_add(0, ff, sizeof(ff) - 1)), 0xffff);
	/* An odd length: 32767 words of 0xffff (negative zero) and 0xff00. */
	ck_assert_uint_eq(gso_csum_fold(gso_csum_add(0, ff, sizeof(ff))), 0xff00);
	ck_assert_uint_eq(gso_csum_fold(gso_csum_add(0, ff, 1)), 0xff00);
	const uint8_t one[3] = {0x12, 0x34, 0x56};
	ck_assert_uint_eq(gso_csum_fold(gso_csum_add(0, one, 3)), 0x1234 + 0x5600);
	ck_assert_uint_eq(gso_csum_fold(gso_csum_add(0, NULL, 0)), 0);
	ck_assert_uint_eq(gso_csum_fold(gso_csum_add(7, NULL, 0)), 7);
	/* Folding is modulo 0xffff with 0xffff (not 0) for a non-zero multiple. */
	ck_assert_uint_eq(gso_csum_fold(0xffff), 0xffff);
	ck_assert_uint_eq(gso_csum_fold(0x10000), 1);
	ck_assert_uint_eq(gso_csum_fold(0x1fffe), 0xffff);
	ck_assert_uint_eq(gso_csum_fold(UINT64_MAX), 0xffff);
	ck_assert_uint_eq(gso_csum_fold(0x123456789abcdef0ull), 0x123456789abcdef0ull % 0xffff);
	/* Summing 64 KiB of 0xff, then adding it again many times, does
	 * not lose carries. */
	uint64_t sum = 0;
	for (int i = 0; i < 1000; i++)
		sum = gso_csum_add(sum, ff, sizeof(ff) - 1);
	ck_assert_uint_eq(gso_csum_fold(sum), 0xffff);
}
END_TEST

/*
 * gso_csum_add pads an odd tail with a zero byte, so a sum chains only where
 * the first part has an even length: an odd split sums "part1 0x00" and then
 * part2 from its own even alignment, which is the promise, and is not the
 * checksum of the whole.
 */
START_TEST(test_csum_chain)
{
	static uint8_t buf[2000], padded[2001];
	rng_seed(2);
	for (size_t n = 0; n <= 2000; n += 1 + n / 16) {
		rng_fill(buf, n);
		uint16_t whole = (uint16_t)naive_add(0, buf, n);
		for (int k = 0; k < 6; k++) {
			size_t split = n ? rng() % (n + 1) : 0;
			if (k == 0)
				split = 0;
			if (k == 1)
				split = n;
			uint64_t s =
			    gso_csum_add(gso_csum_add(0, buf, split), buf + split, n - split);
			if (split % 2 == 0) {
				ck_assert_msg(gso_csum_fold(s) == whole,
					      "n %zu even split %zu does not chain", n, split);
				continue;
			}
			/* Odd split: part1 padded, then part2 realigned. */
			memcpy(padded, buf, split);
			padded[split] = 0;
			uint32_t want = naive_add(0, padded, split + 1);
			want = naive_add(want, buf + split, n - split);
			ck_assert_uint_eq(gso_csum_fold(s), want);
		}
	}
	/* A concrete odd split that differs from the whole: 01 | 02 03. */
	const uint8_t d[3] = {0x01, 0x02, 0x03};
	uint64_t odd = gso_csum_add(gso_csum_add(0, d, 1), d + 1, 2);
	ck_assert_uint_eq(gso_csum_fold(odd), 0x0100 + 0x0203);
	ck_assert_uint_eq(gso_csum_fold(gso_csum_add(0, d, 3)), 0x0102 + 0x0300);
	ck_assert_uint_ne(gso_csum_fold(odd), gso_csum_fold(gso_csum_add(0, d, 3)));
}
END_TEST

/* ---- gso_segment ---- */

START_TEST(test_segment_v4)
{
	rng_seed(3);
	/* Last segment shorter; FIN, PSH and CWR to move. */
	struct spec s = {.family = AF_INET,
			 .payload = 4000,
			 .flags = TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR | TCP_ECE,
			 .seq = 1000,
			 .id = 77};
	segment_and_check(&s, 1448);
	/* Checksum field holding the kernel's partial sum: redone anyway. */
	s.csum = 1;
	segment_and_check(&s, 1448);
}
END_TEST

START_TEST(test_segment_v4_options)
{
	rng_seed(4);
	/* 40 bytes of IP options, 32-byte TCP header, payload an exact
	 * multiple of gso_size. */
	struct spec s = {.family = AF_INET,
			 .ip_opt = 40,
			 .tcp_hlen = 32,
			 .payload = 3 * 1388,
			 .flags = TCP_ACK | TCP_PSH,
			 .seq = 0x7fffffff,
			 .id = 4000};
	segment_and_check(&s, 1388);
	/* The largest TCP header too, and a 4-byte option. */
	s.ip_opt = 4;
	s.tcp_hlen = 60;
	s.payload = 2 * 1000 + 1;
	s.flags = TCP_ACK | TCP_URG | TCP_FIN;
	segment_and_check(&s, 1000);
}
END_TEST

START_TEST(test_segment_v6)
{
	rng_seed(5);
	struct spec s = {.family = AF_INET6,
			 .tcp_hlen = 32,
			 .payload = 10000,
			 .flags = TCP_ACK | TCP_PSH | TCP_CWR,
			 .seq = 123456789};
	segment_and_check(&s, 1220);
	s.payload = 5 * 1428;
	s.tcp_hlen = 20;
	s.flags = TCP_ACK | TCP_FIN;
	segment_and_check(&s, 1428);
}
END_TEST

START_TEST(test_segment_single)
{
	rng_seed(6);
	/* Payload shorter than gso_size, and equal to it: one segment that
	 * keeps every flag. */
	struct spec s = {.family = AF_INET,
			 .payload = 700,
			 .flags = TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR,
			 .seq = 5,
			 .id = 9};
	segment_and_check(&s, 1448);
	s.payload = 1448;
	segment_and_check(&s, 1448);
	s.family = AF_INET6;
	s.payload = 1;
	segment_and_check(&s, 1448);
	/* No payload at all: the header alone, once. */
	s.payload = 0;
	segment_and_check(&s, 1448);
}
END_TEST

START_TEST(test_segment_wrap)
{
	rng_seed(7);
	/* IPv4 ID and TCP sequence number wrap around within one packet. */
	struct spec s = {
	    .family = AF_INET, .payload = 6000, .flags = TCP_ACK, .seq = 0xfffff800, .id = 0xfffe};
	segment_and_check(&s, 1000);
}
END_TEST

START_TEST(test_segment_max)
{
	rng_seed(8);
	/* The largest IPv4 packet, and the largest IPv6 one (payload length
	 * 65535, i.e. 65575 bytes), cut at the usual MSS. */
	struct spec s = {.family = AF_INET,
			 .payload = 65535 - 40,
			 .flags = TCP_ACK | TCP_PSH,
			 .seq = 42,
			 .id = 1};
	segment_and_check(&s, 1460);
	s.family = AF_INET6;
	s.payload = 65535 - 20;
	segment_and_check(&s, 1440);
	/* And the smallest gso_size a frame allows, across many segments. */
	s.payload = 20000;
	segment_and_check(&s, GSO_MIN_SIZE);
}
END_TEST

START_TEST(test_segment_emit_error)
{
	rng_seed(9);
	struct spec s = {.family = AF_INET, .payload = 5000, .flags = TCP_ACK | TCP_FIN};
	size_t len;
	uint8_t *pkt = build(&s, &len);
	struct gso_packet g;
	as_gso(pkt, len, 1000, &g);
	uint8_t scratch[1100];
	struct seglog *log = calloc(1, sizeof(*log));
	ck_assert_ptr_nonnull(log);
	for (size_t at = 1; at <= 5; at++) {
		log->fail_at = at;
		log->fail_rc = -EPIPE - (int)at;
		ck_assert_int_eq(gso_segment(&g, scratch, sizeof(scratch), record, log),
				 -EPIPE - (int)at);
		ck_assert_uint_eq(log->calls, at); /* nothing after the failure */
		ck_assert_uint_eq(log->n, at - 1);
		seglog_free(log);
	}
	free(log);
	free(pkt);
}
END_TEST

static int must_not_emit(const uint8_t *seg, size_t len, void *arg)
{
	(void)seg;
	(void)len;
	(void)arg;
	ck_abort_msg("emit called despite a scratch buffer too small");
	return -1;
}

START_TEST(test_segment_scratch)
{
	rng_seed(10);
	struct spec s = {.family = AF_INET6, .tcp_hlen = 32, .payload = 3000, .flags = TCP_ACK};
	size_t len;
	uint8_t *pkt = build(&s, &len);
	struct gso_packet g;
	as_gso(pkt, len, 1200, &g);
	size_t need = g.hdr_len + 1200;
	uint8_t *scratch = malloc(need);
	ck_assert_ptr_nonnull(scratch);
	ck_assert_int_eq(gso_segment(&g, scratch, need - 1, must_not_emit, NULL), -ENOSPC);
	ck_assert_int_eq(gso_segment(&g, scratch, 0, must_not_emit, NULL), -ENOSPC);
	ck_assert_int_eq(gso_segment(&g, scratch, g.hdr_len, must_not_emit, NULL), -ENOSPC);
	struct seglog *log = calloc(1, sizeof(*log));
	ck_assert_ptr_nonnull(log);
	ck_assert_int_eq(gso_segment(&g, scratch, need, record, log), 0);
	ck_assert_uint_eq(log->n, 3);
	seglog_free(log);
	free(log);
	free(scratch);
	free(pkt);
}
END_TEST

/* ---- gso_from_tun ---- */

static struct virtio_net_hdr vhdr(uint8_t flags, uint8_t type, uint16_t gso_size, uint16_t start,
				  uint16_t offset, uint16_t hdr_len)
{
	struct virtio_net_hdr h;
	memset(&h, 0, sizeof(h));
	h.flags = flags;
	h.gso_type = type;
	h.gso_size = gso_size;
	h.csum_start = start;
	h.csum_offset = offset;
	h.hdr_len = hdr_len;
	return h;
}

/* A plain NEEDS_CSUM packet comes out with a complete checksum. */
static void plain_csum(const struct spec *s, size_t check_off)
{
	size_t len;
	uint8_t *pkt = build(s, &len);
	size_t l4 = spec_l4_off(s);
	uint8_t proto = s->proto ? s->proto : IPPROTO_TCP;
	ck_assert(!l4_csum_ok(pkt, len, l4, s->family, proto));
	struct virtio_net_hdr h = vhdr(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE, 0,
				       (uint16_t)l4, (uint16_t)check_off, 0);
	struct gso_packet g;
	const char *why = NULL;
	ck_assert_int_eq(gso_from_tun(&h, pkt, len, &g, &why), 0);
	ck_assert(l4_csum_ok(pkt, len, l4, s->family, proto));
	free(pkt);
}

START_TEST(test_tun_plain_csum)
{
	rng_seed(11);
	struct spec s = {.family = AF_INET, .payload = 1000, .flags = TCP_ACK, .csum = 1};
	for (size_t n = 0; n < 40; n++) {
		s.payload = n * 37;
		s.family = n % 2 ? AF_INET6 : AF_INET;
		s.proto = 0;
		plain_csum(&s, 16);
		s.proto = IPPROTO_UDP;
		plain_csum(&s, 6);
	}
	/* Odd payload lengths end in a padded byte. */
	s.proto = 0;
	s.family = AF_INET;
	s.payload = 1;
	plain_csum(&s, 16);
	s.proto = IPPROTO_UDP;
	s.payload = 1471;
	plain_csum(&s, 6);

	/* Without NEEDS_CSUM nothing is touched. */
	size_t len;
	s.proto = 0;
	uint8_t *pkt = build(&s, &len);
	uint8_t *keep = exact_copy(pkt, len);
	struct virtio_net_hdr h = vhdr(0, VIRTIO_NET_HDR_GSO_NONE, 0, 20, 16, 0);
	struct gso_packet g;
	ck_assert_int_eq(gso_from_tun(&h, pkt, len, &g, NULL), 0);
	ck_assert_mem_eq(pkt, keep, len);
	free(keep);
	free(pkt);
}
END_TEST

/* UDP's checksum 0 means "none": a computed 0 is sent as 0xffff. */
START_TEST(test_tun_udp_zero)
{
	rng_seed(12);
	for (int fam = 0; fam < 2; fam++) {
		struct spec s = {.family = fam ? AF_INET6 : AF_INET,
				 .proto = IPPROTO_UDP,
				 .payload = 64,
				 .csum = 1};
		size_t len;
		uint8_t *pkt = build(&s, &len);
		size_t l4 = spec_l4_off(&s);
		/* Choose the last two payload bytes so that the sum the
		 * kernel leaves to us (over the UDP header, with the
		 * pseudo-header sum in the field, and payload) is 0xffff,
		 * i.e. the checksum comes out 0. */
		st16(pkt + len - 2, 0);
		uint32_t acc = naive_add(0, pkt + l4, len - l4);
		st16(pkt + len - 2, (uint16_t)(0xffff - acc));
		ck_assert_uint_eq(naive_add(0, pkt + l4, len - l4), 0xffff);

		struct virtio_net_hdr h = vhdr(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_NONE,
					       0, (uint16_t)l4, 6, 0);
		ck_assert_int_eq(gso_from_tun(&h, pkt, len, NULL, NULL), 0);
		ck_assert_uint_eq(ld16(pkt + l4 + 6), 0xffff);
		ck_assert(l4_csum_ok(pkt, len, l4, s.family, IPPROTO_UDP));
		free(pkt);
	}
}
END_TEST

static void expect_tun_refused(const struct virtio_net_hdr *h, uint8_t *pkt, size_t len)
{
	uint8_t *keep = exact_copy(pkt, len);
	struct gso_packet g;
	const char *why = NULL;
	ck_assert_int_eq(gso_from_tun(h, pkt, len, &g, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_mem_eq(pkt, keep, len);
	ck_assert_int_eq(gso_from_tun(h, pkt, len, &g, NULL), -EINVAL);
	free(keep);
}

START_TEST(test_tun_csum_offsets)
{
	rng_seed(13);
	struct spec s = {.family = AF_INET, .payload = 100, .flags = TCP_ACK, .csum = 1};
	size_t len;
	uint8_t *pkt = build(&s, &len);
	const uint8_t F = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	const uint16_t L = (uint16_t)len;
	const uint16_t bad[][2] = {
	    {L, 0},		    /* start == len */
	    {L + 1, 0},		    /* start past the end */
	    {0xffff, 0xffff},	    /* huge both */
	    {20, 0xffff},	    /* huge offset */
	    {0xffff, 16},	    /* huge start */
	    {20, L - 20},	    /* start + offset == len */
	    {20, L - 21},	    /* start + offset + 2 == len + 1 */
	    {L - 1, 0},		    /* one byte left for a 2-byte field */
	    {0, L - 1},		    /* the same from the start */
	    {(uint16_t)(L - 1), 1}, /* offset beyond an in-range start */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct virtio_net_hdr h =
		    vhdr(F, VIRTIO_NET_HDR_GSO_NONE, 0, bad[i][0], bad[i][1], 0);
		expect_tun_refused(&h, pkt, len);
		/* The same offsets on a GSO header. */
		h = vhdr(F, VIRTIO_NET_HDR_GSO_TCPV4, 1000, bad[i][0], bad[i][1], 40);
		expect_tun_refused(&h, pkt, len);
	}
	/* The last two bytes of the packet are still a valid place. */
	struct virtio_net_hdr h = vhdr(F, VIRTIO_NET_HDR_GSO_NONE, 0, 20, L - 22, 0);
	ck_assert_int_eq(gso_from_tun(&h, pkt, len, NULL, NULL), 0);
	h = vhdr(F, VIRTIO_NET_HDR_GSO_NONE, 0, L - 2, 0, 0);
	ck_assert_int_eq(gso_from_tun(&h, pkt, len, NULL, NULL), 0);
	free(pkt);
	/* And a one-byte packet has no place for a checksum at all. */
	uint8_t *one = exact_copy((const uint8_t *)"\x45", 1);
	h = vhdr(F, VIRTIO_NET_HDR_GSO_NONE, 0, 0, 0, 0);
	expect_tun_refused(&h, one, 1);
	free(one);
}
END_TEST

START_TEST(test_tun_types_refused)
{
	rng_seed(14);
	struct spec s4 = {.family = AF_INET, .payload = 3000, .flags = TCP_ACK, .csum = 1};
	struct spec s6 = {.family = AF_INET6, .payload = 3000, .flags = TCP_ACK, .csum = 1};
	size_t len4, len6;
	uint8_t *p4 = build(&s4, &len4), *p6 = build(&s6, &len6);
	const uint8_t F = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	struct virtio_net_hdr h;

	/* Version and GSO type disagree. */
	h = vhdr(F, VIRTIO_NET_HDR_GSO_TCPV4, 1440, 40, 16, 60);
	expect_tun_refused(&h, p6, len6);
	h = vhdr(F, VIRTIO_NET_HDR_GSO_TCPV6, 1440, 20, 16, 40);
	expect_tun_refused(&h, p4, len4);
	h = vhdr(F, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, 1440, 40, 16, 60);
	expect_tun_refused(&h, p6, len6);

	/* Types this code never enables, and unknown ones. */
	const uint8_t types[] = {VIRTIO_NET_HDR_GSO_UDP,
				 VIRTIO_NET_HDR_GSO_UDP_L4,
				 2,
				 6,
				 7,
				 0x7f,
				 VIRTIO_NET_HDR_GSO_UDP | VIRTIO_NET_HDR_GSO_ECN};
	for (size_t i = 0; i < sizeof(types); i++) {
		h = vhdr(F, types[i], 1440, 20, 16, 40);
		expect_tun_refused(&h, p4, len4);
		h = vhdr(0, types[i], 1440, 0, 0, 0);
		expect_tun_refused(&h, p4, len4);
		h = vhdr(F, types[i], 1440, 40, 16, 60);
		expect_tun_refused(&h, p6, len6);
		h = vhdr(0, types[i], 1440, 0, 0, 0);
		expect_tun_refused(&h, p6, len6);
	}

	/* gso_size 0. */
	h = vhdr(F, VIRTIO_NET_HDR_GSO_TCPV4, 0, 20, 16, 40);
	expect_tun_refused(&h, p4, len4);
	h = vhdr(F, VIRTIO_NET_HDR_GSO_TCPV6, 0, 40, 16, 60);
	expect_tun_refused(&h, p6, len6);
	free(p4);
	free(p6);

	/* A GSO header on what is not one whole TCP packet. */
	struct spec bad[] = {
	    {.family = AF_INET, .proto = IPPROTO_UDP, .payload = 3000},
	    {.family = AF_INET6, .proto = IPPROTO_UDP, .payload = 3000},
	    {.family = AF_INET, .payload = 3000, .frag = 0x2000},
	    {.family = AF_INET, .payload = 3000, .frag = 0x0010},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len;
		uint8_t *p = build(&bad[i], &len);
		uint8_t t =
		    bad[i].family == AF_INET ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
		h = vhdr(0, t, 1000, 0, 0, 0);
		expect_tun_refused(&h, p, len);
		free(p);
	}
}
END_TEST

static void tun_super(const struct spec *s, uint8_t type, uint16_t gso_size, uint16_t hdr_len)
{
	size_t len;
	uint8_t *pkt = build(s, &len);
	uint8_t *keep = exact_copy(pkt, len);
	size_t l4 = spec_l4_off(s), want_hdr = l4 + spec_l4_hlen(s);
	struct virtio_net_hdr h =
	    vhdr(VIRTIO_NET_HDR_F_NEEDS_CSUM, type, gso_size, (uint16_t)l4, 16, hdr_len);
	struct gso_packet g;
	const char *why = NULL;
	ck_assert_int_eq(gso_from_tun(&h, pkt, len, &g, &why), 1);
	ck_assert_ptr_eq(g.pkt, pkt);
	ck_assert_uint_eq(g.len, len);
	ck_assert_uint_eq(g.l4_off, l4);
	ck_assert_uint_eq(g.hdr_len, want_hdr);
	ck_assert_uint_eq(g.gso_size, gso_size);
	ck_assert_int_eq(g.family, s->family);
	ck_assert_uint_eq(g.pi.proto, IPPROTO_TCP);
	/* The partial checksum is left for the segmenter or the receiver. */
	ck_assert_mem_eq(pkt, keep, len);

	/* And cutting it in software gives valid segments. */
	uint8_t *scratch = malloc(g.hdr_len + gso_size);
	ck_assert_ptr_nonnull(scratch);
	struct seglog *log = calloc(1, sizeof(*log));
	ck_assert_ptr_nonnull(log);
	ck_assert_int_eq(gso_segment(&g, scratch, g.hdr_len + gso_size, record, log), 0);
	check_segments(log, pkt, len, s->family, l4, want_hdr, gso_size);
	seglog_free(log);
	free(log);
	free(scratch);
	free(keep);
	free(pkt);
}

START_TEST(test_tun_super)
{
	rng_seed(15);
	struct spec s = {.family = AF_INET,
			 .tcp_hlen = 32,
			 .payload = 20000,
			 .flags = TCP_ACK | TCP_PSH | TCP_CWR,
			 .seq = 99,
			 .id = 3,
			 .csum = 1};
	/* hdr_len as the TUN reports it (the linear part), or garbage: the
	 * module recomputes it from the TCP data offset. */
	tun_super(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 66);
	tun_super(&s, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, 1448, 0);
	tun_super(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 0xffff);
	s.ip_opt = 12;
	tun_super(&s, VIRTIO_NET_HDR_GSO_TCPV4, 1436, 1);
	s.family = AF_INET6;
	s.ip_opt = 0;
	tun_super(&s, VIRTIO_NET_HDR_GSO_TCPV6, 1428, 86);
	s.tcp_hlen = 20;
	tun_super(&s, VIRTIO_NET_HDR_GSO_TCPV6, 1440, 1234);
	/* The kernel may hand a gso_size below GSO_MIN_SIZE: the TUN side
	 * still takes it (it is the frame that refuses it). */
	s.payload = 3000;
	tun_super(&s, VIRTIO_NET_HDR_GSO_TCPV6, 100, 0);

	/* IPv6 super-packets with hop-by-hop or destination options are cut
	 * with the headers copied as they are, never sent as one GSO frame. */
	const uint8_t kept[] = {0, 60};
	for (size_t i = 0; i < sizeof(kept); i++) {
		struct spec o = {.family = AF_INET6,
				 .ext_len = 16,
				 .ext_type = kept[i],
				 .tcp_hlen = 32,
				 .payload = 5000,
				 .flags = TCP_ACK | TCP_PSH,
				 .seq = 7,
				 .csum = 1};
		tun_super(&o, VIRTIO_NET_HDR_GSO_TCPV6, 1400, 0);
		size_t olen;
		uint8_t *opkt = build(&o, &olen);
		struct virtio_net_hdr oh =
		    vhdr(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV6, 1400,
			 (uint16_t)spec_l4_off(&o), 16, 0);
		struct gso_packet og;
		ck_assert_int_eq(gso_from_tun(&oh, opkt, olen, &og, NULL), 1);
		ck_assert(!gso_frame_fits(&og, 1500));
		free(opkt);
	}

	/* A routing header is refused: it would change the pseudo-header the
	 * segmenter computes. */
	struct spec e = {
	    .family = AF_INET6, .ext_len = 8, .ext_type = 43, .payload = 3000, .csum = 1};
	size_t len;
	uint8_t *pkt = build(&e, &len);
	struct virtio_net_hdr h = vhdr(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV6, 1000,
				       (uint16_t)spec_l4_off(&e), 16, 0);
	struct gso_packet g;
	const char *why = NULL;
	ck_assert_int_eq(gso_from_tun(&h, pkt, len, &g, &why), -EINVAL);
	ck_assert_str_eq(why, "TUN IPv6 super-packet with a routing header");
	free(pkt);
}
END_TEST

/* A whole TUN read: header split off, then interpreted; short reads refused. */
START_TEST(test_tun_read)
{
	rng_seed(17);
	struct spec s = {.family = AF_INET, .payload = 3000, .csum = 1};
	size_t len;
	uint8_t *pkt = build(&s, &len);
	struct virtio_net_hdr h = vhdr(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 1000,
				       (uint16_t)spec_l4_off(&s), 16, 0);
	size_t n = GSO_VNET_HDR_LEN + len;
	uint8_t *buf = malloc(n);
	ck_assert_ptr_nonnull(buf);
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + GSO_VNET_HDR_LEN, pkt, len);
	uint8_t *got = NULL;
	size_t got_len = 0;
	struct gso_packet g;
	const char *why = NULL;
	ck_assert_int_eq(gso_from_tun_read(buf, n, &got, &got_len, &g, &why), 1);
	ck_assert_ptr_eq(got, buf + GSO_VNET_HDR_LEN);
	ck_assert_uint_eq(got_len, len);
	ck_assert_uint_eq(g.gso_size, 1000);
	for (size_t cut = 0; cut < GSO_VNET_HDR_LEN; cut++) {
		uint8_t *short_read = exact_copy(buf, cut);
		why = NULL;
		ck_assert_int_eq(gso_from_tun_read(short_read, cut, &got, &got_len, &g, &why),
				 -EINVAL);
		ck_assert_str_eq(why, "TUN read shorter than its offload header");
		free(short_read);
	}
	free(buf);
	free(pkt);
}
END_TEST

/* Every truncation of a TUN super-packet is refused without reading past it. */
START_TEST(test_tun_truncated)
{
	rng_seed(16);
	struct spec s = {.family = AF_INET, .tcp_hlen = 32, .payload = 1500, .csum = 1};
	for (int fam = 0; fam < 2; fam++) {
		s.family = fam ? AF_INET6 : AF_INET;
		size_t len;
		uint8_t *full = build(&s, &len);
		uint8_t type = fam ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4;
		for (size_t cut = 0; cut < len; cut++) {
			uint8_t *p = exact_copy(full, cut);
			struct virtio_net_hdr h = vhdr(0, type, 1000, 0, 0, 0);
			struct gso_packet g;
			ck_assert_int_eq(gso_from_tun(&h, p, cut, &g, NULL), -EINVAL);
			free(p);
		}
		free(full);
	}
}
END_TEST

/* ---- gso_frame_parse ---- */

static void expect_frame_refused(const uint8_t *f, size_t len, size_t mtu)
{
	uint8_t *c = exact_copy(f, len);
	struct gso_packet g;
	const char *why = NULL;
	ck_assert_int_eq(gso_frame_parse(c, len, mtu, &g, &why), -EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert(why[0] != '\0');
	ck_assert_int_eq(gso_frame_parse(c, len, mtu, &g, NULL), -EINVAL);
	free(c);
}

static void expect_frame_ok(const uint8_t *f, size_t len, size_t mtu, struct gso_packet *g)
{
	const char *why = NULL;
	int rc = gso_frame_parse(f, len, mtu, g, &why);
	ck_assert_msg(rc == 0, "refused: %s", why ? why : "(null)");
	ck_assert_ptr_eq(g->pkt, f + GSO_FRAME_HEADER);
	ck_assert_uint_eq(g->len, len - GSO_FRAME_HEADER);
	ck_assert(gso_frame_fits(g, mtu));
}

START_TEST(test_frame_valid)
{
	rng_seed(17);
	struct spec s = {.family = AF_INET, .tcp_hlen = 32, .payload = 4000, .flags = TCP_ACK};
	size_t len;
	uint8_t *f = build_frame(&s, 1448, &len);
	struct gso_packet g;
	expect_frame_ok(f, len, 1500, &g);
	ck_assert_uint_eq(g.l4_off, 20);
	ck_assert_uint_eq(g.hdr_len, 52);
	ck_assert_uint_eq(g.gso_size, 1448);
	ck_assert_int_eq(g.family, AF_INET);
	free(f);

	s.family = AF_INET6;
	f = build_frame(&s, 1428, &len);
	expect_frame_ok(f, len, 1500, &g);
	ck_assert_uint_eq(g.l4_off, 40);
	ck_assert_uint_eq(g.hdr_len, 72);
	ck_assert_int_eq(g.family, AF_INET6);
	free(f);

	/* IPv4 options count in hdr_len. */
	s.family = AF_INET;
	s.ip_opt = 40;
	s.tcp_hlen = 60;
	f = build_frame(&s, 1380, &len);
	expect_frame_ok(f, len, 1500, &g);
	ck_assert_uint_eq(g.l4_off, 60);
	ck_assert_uint_eq(g.hdr_len, 120);
	free(f);
}
END_TEST

START_TEST(test_frame_truncated)
{
	rng_seed(18);
	for (int fam = 0; fam < 2; fam++) {
		struct spec s = {.family = fam ? AF_INET6 : AF_INET,
				 .ip_opt = fam ? 0 : 8,
				 .tcp_hlen = 40,
				 .payload = 1200,
				 .flags = TCP_ACK};
		size_t len;
		uint8_t *f = build_frame(&s, 600, &len);
		struct gso_packet g;
		expect_frame_ok(f, len, 1500, &g);
		for (size_t cut = 0; cut < len; cut++)
			expect_frame_refused(f, cut, 1500);
		free(f);
	}
}
END_TEST

START_TEST(test_frame_first_byte)
{
	rng_seed(19);
	struct spec s = {.family = AF_INET, .payload = 2000, .flags = TCP_ACK};
	size_t len;
	uint8_t *f = build_frame(&s, 1000, &len);
	const uint8_t firsts[] = {0x00, FRAME_CONTROL_BYTE, 0x03, 0x45, 0x60, 0x82, 0xff};
	for (size_t i = 0; i < sizeof(firsts); i++) {
		f[0] = firsts[i];
		expect_frame_refused(f, len, 1500);
	}
	free(f);
}
END_TEST

START_TEST(test_frame_gso_size)
{
	rng_seed(20);
	struct spec s = {.family = AF_INET, .payload = 1200, .flags = TCP_ACK};
	size_t len;
	uint8_t *f = build_frame(&s, GSO_MIN_SIZE - 1, &len);
	expect_frame_refused(f, len, 1500);
	st16(f + 1, 0);
	expect_frame_refused(f, len, 1500);
	st16(f + 1, 1);
	expect_frame_refused(f, len, 1500);
	st16(f + 1, GSO_MIN_SIZE);
	struct gso_packet g;
	expect_frame_ok(f, len, 1500, &g);
	ck_assert_uint_eq(g.gso_size, GSO_MIN_SIZE);
	/* A gso_size past the MTU, and the largest value. */
	st16(f + 1, 0xffff);
	expect_frame_refused(f, len, 1500);
	free(f);
}
END_TEST

START_TEST(test_frame_not_tcp)
{
	rng_seed(21);
	struct spec bad[] = {
	    {.family = AF_INET, .proto = IPPROTO_UDP, .payload = 2000},
	    {.family = AF_INET, .proto = IPPROTO_ICMP, .payload = 2000},
	    {.family = AF_INET6, .proto = IPPROTO_UDP, .payload = 2000},
	    {.family = AF_INET6, .proto = IPPROTO_ICMPV6, .payload = 2000},
	    {.family = AF_INET, .proto = IPPROTO_GRE, .payload = 2000},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len;
		uint8_t *f = build_frame(&bad[i], 1000, &len);
		expect_frame_refused(f, len, 1500);
		free(f);
	}
}
END_TEST

START_TEST(test_frame_fragment)
{
	rng_seed(22);
	const uint16_t frags[] = {0x2000, 0x6000, 0x0001, 0x4001, 0x1fff, 0x3fff};
	for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		struct spec s = {.family = AF_INET, .payload = 2000, .frag = frags[i]};
		size_t len;
		uint8_t *f = build_frame(&s, 1000, &len);
		expect_frame_refused(f, len, 1500);
		free(f);
	}
	/* DF alone, or no flag at all (0x8000 is the reserved bit, which
	 * the parser does not judge), is a whole packet. */
	struct spec s = {.family = AF_INET, .payload = 2000, .frag = 0x4000};
	size_t len;
	uint8_t *f = build_frame(&s, 1000, &len);
	struct gso_packet g;
	expect_frame_ok(f, len, 1500, &g);
	st16(f + 3 + 6, 0);
	expect_frame_ok(f, len, 1500, &g);
	free(f);

	/* An IPv6 fragment header. */
	s = (struct spec){.family = AF_INET6, .ext_len = 8, .payload = 2000};
	f = build_frame(&s, 1000, &len);
	f[3 + 6] = 44;
	f[3 + 40] = IPPROTO_TCP;
	f[3 + 41] = 0;
	memset(f + 3 + 42, 0, 6);
	expect_frame_refused(f, len, 1500);
	free(f);
}
END_TEST

START_TEST(test_frame_v6_ext)
{
	rng_seed(23);
	/* Hop-by-hop, then TCP: refused, whatever its length. */
	for (size_t ext = 8; ext <= 64; ext += 8) {
		struct spec s = {.family = AF_INET6, .ext_len = ext, .payload = 2000};
		size_t len;
		uint8_t *f = build_frame(&s, 1000, &len);
		expect_frame_refused(f, len, 1500);
		/* Destination options and routing headers too. */
		f[3 + 6] = 60;
		expect_frame_refused(f, len, 1500);
		f[3 + 6] = 43;
		expect_frame_refused(f, len, 1500);
		free(f);
	}
}
END_TEST

START_TEST(test_frame_tcp_offset)
{
	rng_seed(24);
	struct spec s = {.family = AF_INET, .payload = 2000, .flags = TCP_ACK};
	size_t len;
	uint8_t *f = build_frame(&s, 1000, &len);
	uint8_t *doff = f + 3 + 20 + 12;
	for (unsigned d = 0; d < 5; d++) {
		*doff = (uint8_t)(d << 4);
		expect_frame_refused(f, len, 1500);
	}
	free(f);

	/* A data offset past the packet: 40 bytes after the IP header, one
	 * of them claiming 60. */
	for (int fam = 0; fam < 2; fam++) {
		struct spec t = {.family = fam ? AF_INET6 : AF_INET, .payload = 20};
		f = build_frame(&t, 1000, &len);
		size_t l4 = fam ? 40 : 20;
		f[3 + l4 + 12] = 0xf0;
		expect_frame_refused(f, len, 1500);
		/* 11 words = 44 > 40, just past. */
		f[3 + l4 + 12] = 0xb0;
		expect_frame_refused(f, len, 1500);
		free(f);
		/* And a TCP header cut short: 19 bytes after the IP header. */
		uint8_t *p = build_frame(&t, 1000, &len);
		size_t short_len = 3 + l4 + 19;
		if (fam)
			st16(p + 3 + 4, 19);
		else
			st16(p + 3 + 2, (uint16_t)(l4 + 19));
		expect_frame_refused(p, short_len, 1500);
		free(p);
	}
}
END_TEST

START_TEST(test_frame_ip_length)
{
	rng_seed(25);
	for (int fam = 0; fam < 2; fam++) {
		struct spec s = {.family = fam ? AF_INET6 : AF_INET, .payload = 2000};
		size_t len;
		uint8_t *f = build_frame(&s, 1000, &len);
		uint8_t *lf = f + 3 + (fam ? 4 : 2);
		uint16_t real = ld16(lf);
		const int deltas[] = {-1, +1, -2000, +100, -(int)real};
		for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
			st16(lf, (uint16_t)(real + deltas[i]));
			expect_frame_refused(f, len, 1500);
		}
		st16(lf, 0xffff);
		expect_frame_refused(f, len, 1500);
		st16(lf, real);
		struct gso_packet g;
		expect_frame_ok(f, len, 1500, &g);
		/* A frame with one byte of trailing padding. */
		uint8_t *longer = malloc(len + 1);
		ck_assert_ptr_nonnull(longer);
		memcpy(longer, f, len);
		longer[len] = 0;
		expect_frame_refused(longer, len + 1, 1500);
		free(longer);
		free(f);
	}
}
END_TEST

START_TEST(test_frame_mtu)
{
	rng_seed(26);
	struct spec s = {.family = AF_INET6, .tcp_hlen = 32, .payload = 5000};
	size_t len;
	uint8_t *f = build_frame(&s, 1428, &len);
	struct gso_packet g;
	expect_frame_ok(f, len, 72 + 1428, &g);
	expect_frame_refused(f, len, 72 + 1427);
	expect_frame_refused(f, len, 0);
	expect_frame_refused(f, len, 1280);
	expect_frame_ok(f, len, SIZE_MAX, &g);
	free(f);
}
END_TEST

START_TEST(test_frame_single_segment)
{
	rng_seed(27);
	struct spec s = {.family = AF_INET, .payload = 1000};
	size_t len;
	uint8_t *f = build_frame(&s, 1000, &len);
	expect_frame_refused(f, len, 1500);
	st16(f + 1, 1001);
	expect_frame_refused(f, len, 1500);
	st16(f + 1, 999);
	struct gso_packet g;
	expect_frame_ok(f, len, 1500, &g);
	free(f);
	/* Headers only. */
	s.payload = 0;
	f = build_frame(&s, 512, &len);
	expect_frame_refused(f, len, 1500);
	free(f);
}
END_TEST

/*
 * gso.h: gso_frame_parse checks "the size rules of gso_frame_fits", which
 * include len <= GSO_MAX_PACKET. An IPv6 packet may be 65575 bytes long
 * (payload length 65535): as a frame payload that is 65578 bytes, more than
 * a frame holds, and gso_frame_fits() says no to what parse said yes to.
 */
START_TEST(test_frame_too_long)
{
	rng_seed(28);
	struct spec s = {.family = AF_INET6, .payload = 65535 - 20, .flags = TCP_ACK};
	size_t len;
	uint8_t *f = build_frame(&s, 1440, &len);
	ck_assert_uint_eq(len, 3 + 65575);
	expect_frame_refused(f, len, 1500);
	free(f);
	/* The largest that fits: a 65532-byte packet. */
	s.payload = GSO_MAX_PACKET - 60;
	f = build_frame(&s, 1440, &len);
	struct gso_packet g;
	expect_frame_ok(f, len, 1500, &g);
	ck_assert_uint_eq(g.len, GSO_MAX_PACKET);
	free(f);
}
END_TEST

/* ---- gso_frame_fits, gso_frame_header, gso_tun_header ---- */

START_TEST(test_frame_fits)
{
	struct gso_packet g;
	memset(&g, 0, sizeof(g));
	g.family = AF_INET;
	g.l4_off = 20;
	g.hdr_len = 52;
	g.gso_size = 1448;
	g.len = 52 + 1448 * 3;
	ck_assert(gso_frame_fits(&g, 1500));
	ck_assert(!gso_frame_fits(&g, 1499));
	ck_assert(gso_frame_fits(&g, 65535));
	g.gso_size = GSO_MIN_SIZE;
	ck_assert(gso_frame_fits(&g, 1500));
	g.gso_size = GSO_MIN_SIZE - 1;
	ck_assert(!gso_frame_fits(&g, 1500));
	g.gso_size = 1000;
	g.len = GSO_MAX_PACKET;
	ck_assert(gso_frame_fits(&g, 1500));
	g.len = GSO_MAX_PACKET + 1;
	ck_assert(!gso_frame_fits(&g, 1500));
	/* One segment's worth: nothing to gain. */
	g.len = 52 + 1000;
	ck_assert(!gso_frame_fits(&g, 1500));
	g.len = 52 + 1001;
	ck_assert(gso_frame_fits(&g, 1500));
	/* IPv6 with extension headers (from the TUN) stays local. */
	g.family = AF_INET6;
	g.l4_off = 40;
	g.hdr_len = 60;
	g.len = 60 + 3000;
	ck_assert(gso_frame_fits(&g, 1500));
	g.l4_off = 48;
	g.hdr_len = 68;
	ck_assert(!gso_frame_fits(&g, 1500));
}
END_TEST

START_TEST(test_frame_header)
{
	struct gso_packet g;
	memset(&g, 0, sizeof(g));
	uint8_t out[GSO_FRAME_HEADER + 1] = {0xaa, 0xaa, 0xaa, 0xaa};
	g.gso_size = 1448;
	gso_frame_header(&g, out);
	const uint8_t want[] = {FRAME_GSO_BYTE, 0x05, 0xa8, 0xaa};
	ck_assert_mem_eq(out, want, sizeof(want));
	g.gso_size = 0xff01;
	gso_frame_header(&g, out);
	const uint8_t want2[] = {FRAME_GSO_BYTE, 0xff, 0x01, 0xaa};
	ck_assert_mem_eq(out, want2, sizeof(want2));
	ck_assert_int_eq(GSO_FRAME_HEADER, 3);
}
END_TEST

/* A frame built with gso_frame_header over a TUN super-packet parses back
 * to the same description. */
START_TEST(test_frame_roundtrip)
{
	rng_seed(29);
	struct spec s = {
	    .family = AF_INET, .ip_opt = 8, .tcp_hlen = 32, .payload = 9000, .csum = 1};
	for (int fam = 0; fam < 2; fam++) {
		s.family = fam ? AF_INET6 : AF_INET;
		size_t len;
		uint8_t *pkt = build(&s, &len);
		size_t l4 = spec_l4_off(&s);
		struct virtio_net_hdr h =
		    vhdr(VIRTIO_NET_HDR_F_NEEDS_CSUM,
			 fam ? VIRTIO_NET_HDR_GSO_TCPV6 : VIRTIO_NET_HDR_GSO_TCPV4, 1400,
			 (uint16_t)l4, 16, 0);
		struct gso_packet g, back;
		ck_assert_int_eq(gso_from_tun(&h, pkt, len, &g, NULL), 1);
		ck_assert(gso_frame_fits(&g, 1500));
		uint8_t *f = malloc(GSO_FRAME_HEADER + len);
		ck_assert_ptr_nonnull(f);
		gso_frame_header(&g, f);
		memcpy(f + GSO_FRAME_HEADER, pkt, len);
		expect_frame_ok(f, GSO_FRAME_HEADER + len, 1500, &back);
		ck_assert_uint_eq(back.l4_off, g.l4_off);
		ck_assert_uint_eq(back.hdr_len, g.hdr_len);
		ck_assert_uint_eq(back.gso_size, g.gso_size);
		ck_assert_int_eq(back.family, g.family);
		free(f);
		free(pkt);
	}
}
END_TEST

static void check_tun_header(const struct spec *s, uint16_t gso_size)
{
	size_t len;
	uint8_t *pkt = build(s, &len);
	uint8_t *keep = exact_copy(pkt, len);
	struct gso_packet g;
	as_gso(pkt, len, gso_size, &g);
	struct virtio_net_hdr h;
	memset(&h, 0x5a, sizeof(h));
	uint8_t check[2] = {0xaa, 0xaa};
	gso_tun_header(&g, &h, check);
	ck_assert_mem_eq(pkt, keep, len);

	ck_assert_uint_eq(h.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	uint8_t type = s->family == AF_INET ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	if (s->flags & TCP_CWR)
		type |= VIRTIO_NET_HDR_GSO_ECN;
	ck_assert_uint_eq(h.gso_type, type);
	ck_assert_uint_eq(h.hdr_len, g.hdr_len);
	ck_assert_uint_eq(h.gso_size, gso_size);
	ck_assert_uint_eq(h.csum_start, g.l4_off);
	ck_assert_uint_eq(h.csum_offset, 16);

	/* The folded, not inverted, pseudo-header sum over the whole TCP length. */
	size_t l4_len = len - g.l4_off;
	uint16_t pseudo = (uint16_t)naive_pseudo(pkt, s->family, l4_len, IPPROTO_TCP);
	ck_assert_uint_eq(ld16(check), pseudo);

	/* Completing it as the kernel would gives a valid checksum. */
	st16(pkt + h.csum_start + h.csum_offset, ld16(check));
	uint16_t c = (uint16_t)~naive_add(0, pkt + h.csum_start, len - h.csum_start);
	st16(pkt + h.csum_start + h.csum_offset, c);
	ck_assert(l4_csum_ok(pkt, len, g.l4_off, s->family, IPPROTO_TCP));
	free(keep);
	free(pkt);
}

START_TEST(test_tun_header)
{
	rng_seed(30);
	struct spec s = {.family = AF_INET, .payload = 3000, .flags = TCP_ACK, .seq = 1};
	check_tun_header(&s, 1448);
	s.flags = TCP_ACK | TCP_CWR | TCP_ECE;
	check_tun_header(&s, 1448);
	/* ECE alone is not CWR. */
	s.flags = TCP_ACK | TCP_ECE;
	check_tun_header(&s, 1448);
	s.ip_opt = 40;
	s.tcp_hlen = 60;
	s.payload = 65535 - 120;
	check_tun_header(&s, 1380);
	s = (struct spec){.family = AF_INET6, .tcp_hlen = 32, .payload = 7777, .flags = TCP_CWR};
	check_tun_header(&s, 1428);
	s.flags = TCP_ACK | TCP_FIN;
	s.payload = 65535 - 32;
	check_tun_header(&s, 1428);
}
END_TEST

static Suite *gso_suite(void)
{
	Suite *s = suite_create("gso");
	TCase *tc = tcase_create("gso");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_csum_random);
	tcase_add_test(tc, test_csum_edges);
	tcase_add_test(tc, test_csum_chain);
	tcase_add_test(tc, test_segment_v4);
	tcase_add_test(tc, test_segment_v4_options);
	tcase_add_test(tc, test_segment_v6);
	tcase_add_test(tc, test_segment_single);
	tcase_add_test(tc, test_segment_wrap);
	tcase_add_test(tc, test_segment_max);
	tcase_add_test(tc, test_segment_emit_error);
	tcase_add_test(tc, test_segment_scratch);
	tcase_add_test(tc, test_tun_plain_csum);
	tcase_add_test(tc, test_tun_udp_zero);
	tcase_add_test(tc, test_tun_csum_offsets);
	tcase_add_test(tc, test_tun_types_refused);
	tcase_add_test(tc, test_tun_super);
	tcase_add_test(tc, test_tun_read);
	tcase_add_test(tc, test_tun_truncated);
	tcase_add_test(tc, test_frame_valid);
	tcase_add_test(tc, test_frame_truncated);
	tcase_add_test(tc, test_frame_first_byte);
	tcase_add_test(tc, test_frame_gso_size);
	tcase_add_test(tc, test_frame_not_tcp);
	tcase_add_test(tc, test_frame_fragment);
	tcase_add_test(tc, test_frame_v6_ext);
	tcase_add_test(tc, test_frame_tcp_offset);
	tcase_add_test(tc, test_frame_ip_length);
	tcase_add_test(tc, test_frame_mtu);
	tcase_add_test(tc, test_frame_single_segment);
	tcase_add_test(tc, test_frame_too_long);
	tcase_add_test(tc, test_frame_fits);
	tcase_add_test(tc, test_frame_header);
	tcase_add_test(tc, test_frame_roundtrip);
	tcase_add_test(tc, test_tun_header);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(gso_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
