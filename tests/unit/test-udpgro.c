/*
 * Unit tests of common/udpgro: runs of UDP datagrams merged into one
 * super-packet for the TUN. Checked against the contract of udpgro.h: a
 * datagram joins a run only if the kernel's cut gives it back byte for byte.
 * Every super-packet is cut twice, by udpgro_segment and by a naive model of
 * the kernel's cut written here (from the virtio header and the pseudo-header
 * sum the packet carries), and both must give back the datagrams that formed
 * it. Checksums are verified with the naive RFC 1071 sum, never the module's.
 * Every datagram handed to the module sits in its own allocation of exactly
 * its length, so ASan reports any read past it.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel-udp-cut.h"
#include "naive-csum.h"
#include "packet.h"
#include "udpgro.h"
#include "xorshift.h"

#define UDP_CHECK 6

/*
 * Assertions for the helpers, which the randomized test runs millions of
 * times: check's own assertions record every one that passes in a file.
 */
#define REQ_MSG(c, ...)                                                                            \
	do {                                                                                       \
		if (!(c))                                                                          \
			ck_abort_msg(__VA_ARGS__);                                                 \
	} while (0)
#define REQ(c) REQ_MSG(c, "Assertion '%s' failed", #c)
#define REQ_OP(type, x, op, y)                                                                     \
	do {                                                                                       \
		type req_x_ = (type)(x), req_y_ = (type)(y);                                       \
		REQ_MSG(req_x_ op req_y_, "Assertion '%s' failed: %s == %jd, %s == %jd",           \
			#x " " #op " " #y, #x, (intmax_t)req_x_, #y, (intmax_t)req_y_);            \
	} while (0)
#define REQ_MEM(x, y, n)                                                                           \
	REQ_MSG(memcmp(x, y, n) == 0, "Assertion '%s' failed",                                     \
		"memcmp(" #x ", " #y ", " #n ") == 0")

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A copy of p[0..n) in an allocation of exactly n bytes (1 if n is 0). */
static uint8_t *exact_copy(const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);
	REQ(c != NULL);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* ---- datagrams built for the tests ---- */

struct dgram {
	uint8_t *p; /* exactly len bytes */
	size_t len;
};

static int family_of(const uint8_t *p)
{
	return p[0] >> 4 == 4 ? AF_INET : AF_INET6;
}

/* Recomputes the IPv4 header checksum (if IPv4) and the UDP checksum of the
 * UDP datagram at l4 (over len - l4 bytes, whatever the length fields say). */
static void fix_at(uint8_t *p, size_t len, size_t l4)
{
	int fam = family_of(p);
	if (fam == AF_INET) {
		st16(p + 10, 0);
		st16(p + 10, (uint16_t)~naive_add(0, p, (size_t)(p[0] & 0x0f) * 4));
	}
	uint8_t *u = p + l4;
	st16(u + UDP_CHECK, 0);
	uint32_t acc = naive_add(naive_pseudo(p, fam, len - l4, IPPROTO_UDP), u, len - l4);
	uint16_t c = (uint16_t)~acc;
	st16(u + UDP_CHECK, c == 0 ? 0xffff : c);
}

static void fix(struct dgram *d)
{
	fix_at(d->p, d->len, family_of(d->p) == AF_INET ? 20 : 40);
}

/* A valid UDP datagram, 10.8.0.2:5353 -> 198.18.2.2:53 (DF, TTL 64, ECT(0))
 * or [fd00:8::2]:5353 -> [fd00:18:2::2]:53 (class/flow label set, hop limit
 * 64), with payload random bytes and IPv4 ID id. */
static struct dgram build(int family, size_t payload, uint16_t id)
{
	size_t l4 = family == AF_INET ? 20 : 40;
	size_t len = l4 + 8 + payload;
	uint8_t *p = calloc(1, len);
	REQ(p != NULL);
	if (family == AF_INET) {
		REQ_OP(uintmax_t, len, <=, 65535);
		p[0] = 0x45;
		p[1] = 0x02;
		st16(p + 2, (uint16_t)len);
		st16(p + 4, id);
		st16(p + 6, 0x4000);
		p[8] = 64;
		p[9] = IPPROTO_UDP;
		const uint8_t src[4] = {10, 8, 0, 2}, dst[4] = {198, 18, 2, 2};
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
	} else {
		REQ_OP(uintmax_t, len - 40, <=, 65535);
		p[0] = 0x60;
		p[1] = 0x21;
		p[2] = 0x43;
		p[3] = 0x65;
		st16(p + 4, (uint16_t)(len - 40));
		p[6] = IPPROTO_UDP;
		p[7] = 64;
		inet_pton(AF_INET6, "fd00:8::2", p + 8);
		inet_pton(AF_INET6, "fd00:18:2::2", p + 24);
	}
	st16(p + l4, 5353);
	st16(p + l4 + 2, 53);
	st16(p + l4 + 4, (uint16_t)(len - l4));
	rng_fill(p + l4 + 8, payload);
	struct dgram d = {p, len};
	fix(&d);
	return d;
}

/* n datagrams of payload bytes each, IPv4 IDs from id on. */
static struct dgram *build_run(int family, size_t n, size_t payload, uint16_t id)
{
	struct dgram *d = calloc(n ? n : 1, sizeof(*d));
	REQ(d != NULL);
	for (size_t i = 0; i < n; i++)
		d[i] = build(family, payload, (uint16_t)(id + i));
	return d;
}

static void free_run(struct dgram *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(d[i].p);
	free(d);
}

/* Sets the first two payload bytes (a 16-bit word of the UDP sum) so that the
 * correct UDP checksum is 0, which goes on the wire as 0xffff. */
static void make_udp_check_ffff(struct dgram *d)
{
	size_t l4 = family_of(d->p) == AF_INET ? 20 : 40;
	uint8_t *u = d->p + l4;
	REQ_OP(uintmax_t, d->len, >=, l4 + 10);
	st16(u + 8, 0);
	st16(u + UDP_CHECK, 0);
	uint32_t f = naive_add(naive_pseudo(d->p, family_of(d->p), d->len - l4, IPPROTO_UDP), u,
			       d->len - l4);
	st16(u + 8, (uint16_t)(0xffff - f));
	fix(d);
	REQ_OP(uintmax_t, ld16(u + UDP_CHECK), ==, 0xffff);
	REQ(l4_csum_ok(d->p, d->len, l4, family_of(d->p), IPPROTO_UDP));
}

/* Sets the IPv4 ID so that the header sums to 0xffff without its checksum:
 * the correct header checksum is then 0x0000. */
static void make_ip_check_zero(struct dgram *d)
{
	st16(d->p + 4, 0);
	st16(d->p + 10, 0);
	uint32_t f = naive_add(0, d->p, 20);
	st16(d->p + 4, (uint16_t)(0xffff - f));
	fix(d);
	REQ_OP(uintmax_t, ld16(d->p + 10), ==, 0);
}

/* ---- runs ---- */

static struct udpgro *run_new(void)
{
	struct udpgro *g = malloc(sizeof(*g));
	REQ(g != NULL);
	memset(g, 0xa5, sizeof(*g)); /* nothing may rely on zeroed memory */
	udpgro_init(g);
	REQ_OP(uintmax_t, udpgro_count(g), ==, 0);
	return g;
}

static struct packet_info parse(const struct dgram *d)
{
	struct packet_info pi;
	REQ_OP(intmax_t, packet_parse(d->p, d->len, &pi, NULL), ==, 0);
	return pi;
}

static bool eligible(const struct dgram *d)
{
	struct packet_info pi;
	if (packet_parse(d->p, d->len, &pi, NULL) != 0)
		return false;
	return udpgro_eligible(d->p, &pi);
}

/* The run's state, to check that a refusal changes nothing. */
struct snap {
	uint8_t *bytes;
	size_t len, l4_off;
	uint16_t gso_size, next_id;
	unsigned count;
	bool closed;
	size_t kept; /* bytes of the run copied to bytes */
};

/* keep: how many bytes of the run to keep (its headers at least) */
static struct snap snap_keep(const struct udpgro *g, size_t keep)
{
	size_t n = g->len < keep ? g->len : keep;
	return (struct snap){
	    .bytes = exact_copy(g->pkt, n),
	    .len = g->len,
	    .l4_off = g->l4_off,
	    .gso_size = g->gso_size,
	    .next_id = g->next_id,
	    .count = udpgro_count(g),
	    .closed = g->closed,
	    .kept = n,
	};
}

static struct snap snap_take(const struct udpgro *g)
{
	return snap_keep(g, UDPGRO_MAX_PACKET);
}

static void snap_check(struct snap *s, const struct udpgro *g)
{
	REQ_OP(uintmax_t, g->len, ==, s->len);
	REQ_OP(uintmax_t, udpgro_count(g), ==, s->count);
	REQ_OP(uintmax_t, g->l4_off, ==, s->l4_off);
	REQ_OP(uintmax_t, g->gso_size, ==, s->gso_size);
	REQ_OP(uintmax_t, g->next_id, ==, s->next_id);
	REQ(g->closed == s->closed);
	REQ_MEM(g->pkt, s->bytes, s->kept);
	free(s->bytes);
	s->bytes = NULL;
}

/* Appends an eligible datagram; returns what udpgro_append said, having
 * checked that a refusal left the run as it was. */
static bool add(struct udpgro *g, const struct dgram *d)
{
	struct packet_info pi = parse(d);
	REQ_MSG(udpgro_eligible(d->p, &pi), "datagram of %zu bytes not eligible", d->len);
	unsigned before = udpgro_count(g);
	struct snap s = snap_take(g);
	bool ok = udpgro_append(g, d->p, &pi);
	if (ok) {
		REQ_OP(uintmax_t, udpgro_count(g), ==, before + 1);
		free(s.bytes);
	} else {
		REQ_OP(uintmax_t, before, !=, 0); /* the first is always taken */
		snap_check(&s, g);
	}
	return ok;
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
	REQ_OP(uintmax_t, log->n, <, MAX_SEGS);
	log->seg[log->n] = exact_copy(seg, len);
	log->len[log->n] = len;
	log->n++;
	return 0;
}

static struct seglog *seglog_new(void)
{
	struct seglog *log = calloc(1, sizeof(*log));
	REQ(log != NULL);
	return log;
}

static void seglog_free(struct seglog *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->seg[i]);
	free(log);
}

/* The segments are exactly the datagrams want[0..n), and each is valid. */
static void check_log(const struct seglog *log, const struct dgram *want, size_t n, const char *who)
{
	REQ_MSG(log->n == n, "%s: %zu segments, want %zu", who, log->n, n);
	for (size_t i = 0; i < n; i++) {
		REQ_MSG(log->len[i] == want[i].len, "%s: segment %zu: %zu bytes, want %zu", who, i,
			log->len[i], want[i].len);
		REQ_MSG(memcmp(log->seg[i], want[i].p, want[i].len) == 0,
			"%s: segment %zu differs from its datagram", who, i);
		const uint8_t *s = log->seg[i];
		int fam = family_of(s);
		size_t l4 = fam == AF_INET ? 20 : 40;
		REQ(l4_csum_ok(s, log->len[i], l4, fam, IPPROTO_UDP));
		if (fam == AF_INET)
			REQ_OP(uintmax_t, naive_add(0, s, 20), ==, 0xffff);
	}
}

static void log_segment(const uint8_t *seg, size_t len, void *arg)
{
	struct seglog *log = arg;
	REQ_OP(uintmax_t, log->n, <, MAX_SEGS);
	uint8_t *s = malloc(len);
	REQ(s != NULL);
	memcpy(s, seg, len);
	log->seg[log->n] = s;
	log->len[log->n] = len;
	log->n++;
}

/* The kernel's cut of a super-packet (kernel-udp-cut.h), logged. */
static struct seglog *kernel_cut(const struct virtio_net_hdr *h, const uint8_t *pkt, size_t len)
{
	static uint8_t scratch[UDPGRO_MAX_PACKET];
	struct seglog *log = seglog_new();
	REQ_OP(uintmax_t, h->gso_size, >, 0);
	kernel_udp_cut(h, pkt, len, scratch, log_segment, log);
	return log;
}

/* Cuts the finished run g with udpgro_segment (scratch of exactly the size
 * it needs) and checks the result is in[0..n). */
static void check_segment(const struct udpgro *g, const struct dgram *in, size_t n)
{
	size_t need = g->l4_off + 8 + g->gso_size;
	uint8_t *scratch = malloc(need);
	REQ(scratch != NULL);
	struct seglog *log = seglog_new();
	REQ_OP(intmax_t, udpgro_segment(g, scratch, need, record, log), ==, 0);
	check_log(log, in, n, "udpgro_segment");
	seglog_free(log);
	free(scratch);
}

/*
 * Finishes the run g made of in[0..n) (n >= 2) and checks the super-packet,
 * then that both cuts give back in[0..n).
 */
static void check_super(struct udpgro *g, const struct dgram *in, size_t n)
{
	REQ_OP(uintmax_t, n, >=, 2);
	REQ_OP(uintmax_t, udpgro_count(g), ==, n);
	struct virtio_net_hdr h;
	const uint8_t *pkt = NULL;
	size_t len = 0;
	udpgro_finish(g, &h, &pkt, &len);
	REQ(pkt == g->pkt);

	const uint8_t *first = in[0].p;
	int fam = family_of(first);
	size_t l4 = fam == AF_INET ? 20 : 40;
	size_t gso = in[0].len - l4 - 8;
	size_t total = in[0].len;
	for (size_t i = 1; i < n; i++)
		total += in[i].len - l4 - 8;
	REQ_OP(uintmax_t, len, ==, total);
	REQ_OP(uintmax_t, len, <=, UDPGRO_MAX_PACKET);

	REQ_OP(uintmax_t, h.flags, ==, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	REQ_OP(uintmax_t, h.gso_type, ==, VIRTIO_NET_HDR_GSO_UDP_L4);
	REQ_OP(uintmax_t, h.hdr_len, ==, l4 + 8);
	REQ_OP(uintmax_t, h.gso_size, ==, gso);
	REQ_OP(uintmax_t, h.csum_start, ==, l4);
	REQ_OP(uintmax_t, h.csum_offset, ==, 6);

	if (fam == AF_INET) {
		REQ_OP(uintmax_t, ld16(pkt + 2), ==, len);
		REQ_OP(uintmax_t, naive_add(0, pkt, 20), ==, 0xffff);
		/* the rest of the header is the first datagram's, its ID too */
		REQ_MEM(pkt, first, 2);
		REQ_MEM(pkt + 4, first + 4, 6);
		REQ_MEM(pkt + 12, first + 12, 8);
	} else {
		REQ_OP(uintmax_t, ld16(pkt + 4), ==, len - 40);
		REQ_MEM(pkt, first, 4);
		REQ_MEM(pkt + 6, first + 6, 34);
	}
	REQ_MEM(pkt + l4, first + l4, 4); /* ports */
	REQ_OP(uintmax_t, ld16(pkt + l4 + 4), ==, len - l4);
	/* the folded, not inverted, pseudo-header sum for the whole UDP length */
	REQ_OP(uintmax_t, ld16(pkt + l4 + UDP_CHECK), ==,
	       (uint16_t)naive_pseudo(pkt, fam, len - l4, IPPROTO_UDP));
	/* the payloads, in order */
	size_t off = l4 + 8;
	for (size_t i = 0; i < n; i++) {
		size_t pl = in[i].len - l4 - 8;
		REQ_MEM(pkt + off, in[i].p + l4 + 8, pl);
		off += pl;
	}

	struct seglog *k = kernel_cut(&h, pkt, len);
	check_log(k, in, n, "kernel cut");
	seglog_free(k);
	check_segment(g, in, n);
}

/* Finishes a run of one datagram d: all-zero header, d as it came. */
static void check_single(struct udpgro *g, const struct dgram *d)
{
	REQ_OP(uintmax_t, udpgro_count(g), ==, 1);
	struct virtio_net_hdr h, zero;
	memset(&h, 0x5a, sizeof(h));
	memset(&zero, 0, sizeof(zero));
	const uint8_t *pkt = NULL;
	size_t len = 0;
	udpgro_finish(g, &h, &pkt, &len);
	REQ_MEM(&h, &zero, sizeof(h));
	REQ_OP(uintmax_t, len, ==, d->len);
	REQ_MEM(pkt, d->p, d->len);
	check_segment(g, d, 1);
}

/* ---- the writer's loop (common/tunwrite.c) with everything recorded ---- */

struct writer {
	struct udpgro *g;
	const struct dgram *members[UDPGRO_MAX_SEGMENTS];
	size_t nmembers;
	struct dgram *out; /* everything written, cut back into datagrams */
	size_t nout, cap;
	size_t supers, merged; /* runs of two or more, and their datagrams */
	size_t full;	       /* runs ended at UDPGRO_MAX_SEGMENTS */
};

static void out_push(struct writer *w, const uint8_t *p, size_t len)
{
	if (w->nout == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		w->out = realloc(w->out, w->cap * sizeof(*w->out));
		REQ(w->out != NULL);
	}
	w->out[w->nout++] = (struct dgram){exact_copy(p, len), len};
}

static void writer_flush(struct writer *w)
{
	unsigned n = udpgro_count(w->g);
	REQ_OP(uintmax_t, n, ==, w->nmembers);
	if (n == 0)
		return;
	struct dgram *in = calloc(n, sizeof(*in));
	REQ(in != NULL);
	for (unsigned i = 0; i < n; i++)
		in[i] = *w->members[i];
	if (n == 1) {
		check_single(w->g, &in[0]);
	} else {
		check_super(w->g, in, n);
		w->supers++;
		w->merged += n;
		if (n == UDPGRO_MAX_SEGMENTS)
			w->full++;
	}
	/* What reaches the far side: the datagrams again. */
	for (unsigned i = 0; i < n; i++)
		out_push(w, in[i].p, in[i].len);
	free(in);
	udpgro_init(w->g);
	REQ_OP(uintmax_t, udpgro_count(w->g), ==, 0);
	w->nmembers = 0;
}

/* d is kept alive by the caller until the writer is done. */
static void writer_packet(struct writer *w, const struct dgram *d)
{
	if (eligible(d)) {
		struct packet_info pi = parse(d);
		unsigned before = udpgro_count(w->g);
		struct snap s = snap_keep(w->g, 256); /* the whole run would be slow */
		if (udpgro_append(w->g, d->p, &pi)) {
			free(s.bytes);
			REQ_OP(uintmax_t, udpgro_count(w->g), ==, before + 1);
			w->members[w->nmembers++] = d;
			return;
		}
		REQ_OP(uintmax_t, before, !=, 0);
		snap_check(&s, w->g);
		writer_flush(w);
		REQ(udpgro_append(w->g, d->p, &pi));
		w->members[w->nmembers++] = d;
		return;
	}
	writer_flush(w);
	out_push(w, d->p, d->len);
}

static void writer_init(struct writer *w)
{
	memset(w, 0, sizeof(*w));
	w->g = run_new();
}

/* Flushes, checks that everything written is in[0..n) again, and frees. */
static void writer_done(struct writer *w, const struct dgram *in, size_t n)
{
	writer_flush(w);
	REQ_MSG(w->nout == n, "%zu datagrams out, %zu in", w->nout, n);
	for (size_t i = 0; i < n; i++) {
		REQ_MSG(w->out[i].len == in[i].len, "datagram %zu: %zu bytes out, %zu in", i,
			w->out[i].len, in[i].len);
		REQ_MSG(memcmp(w->out[i].p, in[i].p, in[i].len) == 0,
			"datagram %zu changed on the way", i);
		free(w->out[i].p);
	}
	free(w->out);
	free(w->g);
}

/* ---- runs of equal datagrams ---- */

/* Merges d[0..n) into one run, each joining, checks the super-packet, and
 * frees the datagrams' bytes (not d). */
static void merge_all(struct dgram *d, size_t n)
{
	struct udpgro *g = run_new();
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(add(g, &d[i]), "datagram %zu of %zu refused", i, n);
	check_super(g, d, n);
	free(g);
	for (size_t i = 0; i < n; i++)
		free(d[i].p);
}

static void equal_run(int family, size_t n, size_t payload, uint16_t id)
{
	struct dgram *d = build_run(family, n, payload, id);
	struct udpgro *g = run_new();
	for (size_t i = 0; i < n; i++) {
		ck_assert(eligible(&d[i]));
		ck_assert_msg(add(g, &d[i]), "datagram %zu of %zu refused", i, n);
	}
	ck_assert(!g->closed);
	check_super(g, d, n);
	free(g);
	free_run(d, n);
}

START_TEST(test_run_v4)
{
	rng_seed(1);
	equal_run(AF_INET, 2, 100, 7);
	equal_run(AF_INET, 3, 1372, 0x1234);
	equal_run(AF_INET, 64, 100, 0xfff0); /* the IDs wrap on the way */
	equal_run(AF_INET, 64, 1, 1);
	equal_run(AF_INET, 2, 1, 0);
	equal_run(AF_INET, 3, 333, 9); /* odd sizes: the sums' byte alignment */
}
END_TEST

START_TEST(test_run_v6)
{
	rng_seed(2);
	equal_run(AF_INET6, 2, 100, 0);
	equal_run(AF_INET6, 3, 1232, 0);
	equal_run(AF_INET6, 64, 100, 0);
	equal_run(AF_INET6, 64, 1, 0);
	equal_run(AF_INET6, 3, 333, 0);
}
END_TEST

/* A shorter last datagram joins and ends the run; a longer one never joins. */
static void short_last(int family)
{
	struct dgram d[6];
	for (int i = 0; i < 3; i++)
		d[i] = build(family, 500, (uint16_t)(100 + i));
	d[3] = build(family, 501, 103); /* longer than the first */
	d[4] = build(family, 499, 103); /* shorter */
	d[5] = build(family, 200, 104); /* after the shorter one */
	struct udpgro *g = run_new();
	for (int i = 0; i < 3; i++)
		ck_assert(add(g, &d[i]));
	ck_assert(!add(g, &d[3]));
	ck_assert(!g->closed);
	ck_assert(add(g, &d[4]));
	ck_assert(g->closed);
	ck_assert(!add(g, &d[5]));
	/* nothing follows a shorter one, not even one of the first's size */
	struct dgram same = build(family, 500, 104);
	ck_assert(!add(g, &same));
	struct dgram run[4] = {d[0], d[1], d[2], d[4]};
	check_super(g, run, 4);
	free(same.p);
	for (int i = 0; i < 6; i++)
		free(d[i].p);
	free(g);
}

START_TEST(test_short_last)
{
	rng_seed(3);
	short_last(AF_INET);
	short_last(AF_INET6);

	/* a run of two whose second is one byte */
	struct dgram d[2] = {build(AF_INET6, 1400, 0), build(AF_INET6, 1, 0)};
	struct udpgro *g = run_new();
	ck_assert(add(g, &d[0]));
	ck_assert(add(g, &d[1]));
	check_super(g, d, 2);
	free(g);
	free(d[0].p);
	free(d[1].p);
}
END_TEST

/* ---- limits ---- */

static void max_segments(int family)
{
	struct dgram *d = build_run(family, 66, 10, 0x4000);
	struct udpgro *g = run_new();
	for (size_t i = 0; i < UDPGRO_MAX_SEGMENTS; i++)
		ck_assert(add(g, &d[i]));
	ck_assert(!add(g, &d[64])); /* the 65th */
	/* nor a shorter one */
	struct dgram s = build(family, 5, 0x4000 + 64);
	ck_assert(!add(g, &s));
	check_super(g, d, UDPGRO_MAX_SEGMENTS);
	free(s.p);
	free(g);
	free_run(d, 66);
}

/* Datagrams of payload bytes: as many as fit below UDPGRO_MAX_PACKET. */
static void max_packet(int family, size_t payload)
{
	size_t hdr = (family == AF_INET ? 20 : 40) + 8;
	size_t fit = (UDPGRO_MAX_PACKET - hdr) / payload;
	ck_assert_uint_lt(fit, UDPGRO_MAX_SEGMENTS);
	struct dgram *d = build_run(family, fit + 1, payload, 1);
	struct udpgro *g = run_new();
	for (size_t i = 0; i < fit; i++)
		ck_assert_msg(add(g, &d[i]), "datagram %zu of %zu refused", i, fit);
	ck_assert(!add(g, &d[fit]));
	/* a shorter last one fits exactly, one byte more does not */
	size_t room = UDPGRO_MAX_PACKET - g->len;
	if (room > 0) {
		struct dgram over = build(family, room + 1, (uint16_t)(1 + fit));
		struct dgram exact = build(family, room, (uint16_t)(1 + fit));
		if (room + 1 <= payload)
			ck_assert(!add(g, &over));
		ck_assert(add(g, &exact));
		ck_assert_uint_eq(g->len, UDPGRO_MAX_PACKET);
		free(d[fit].p);
		d[fit] = exact;
		check_super(g, d, fit + 1);
		free(over.p);
	} else {
		check_super(g, d, fit);
	}
	free(g);
	free_run(d, fit + 1);
}

START_TEST(test_limits)
{
	rng_seed(4);
	max_segments(AF_INET);
	max_segments(AF_INET6);
	max_packet(AF_INET, 1400); /* 46 fit */
	max_packet(AF_INET6, 1400);
	max_packet(AF_INET, 1372);
	/* exactly UDPGRO_MAX_PACKET with full datagrams: 65507 = 13 * 5039 */
	max_packet(AF_INET, 5039);
	/* 65487 = 3 * 21829 */
	max_packet(AF_INET6, 21829);
	/* the largest datagram there is: alone */
	struct dgram big[2] = {build(AF_INET, 65507, 1), build(AF_INET, 1, 2)};
	struct udpgro *g = run_new();
	ck_assert(add(g, &big[0]));
	ck_assert(!add(g, &big[1]));
	check_single(g, &big[0]);
	free(g);
	free(big[0].p);
	free(big[1].p);
}
END_TEST

/* ---- refusals that leave the run as it was ---- */

/* Builds a run of two (IDs 0x2000, 0x2001), then offers cand, which must be
 * eligible and refused without a change to the run. */
static void refused(int family, struct dgram cand, const char *what)
{
	struct dgram d[2] = {build(family, 300, 0x2000), build(family, 300, 0x2001)};
	struct udpgro *g = run_new();
	ck_assert(add(g, &d[0]));
	ck_assert(add(g, &d[1]));
	ck_assert_msg(eligible(&cand), "%s: not eligible", what);
	ck_assert_msg(!add(g, &cand), "%s: joined the run", what);
	check_super(g, d, 2);
	free(g);
	free(d[0].p);
	free(d[1].p);
	free(cand.p);
}

/* The next datagram of the run above, with byte at changed to v (and the
 * checksums fixed). */
static struct dgram next_with(int family, size_t at, uint8_t v)
{
	struct dgram c = build(family, 300, 0x2002);
	ck_assert_uint_lt(at, c.len);
	c.p[at] = v;
	fix(&c);
	return c;
}

START_TEST(test_refused_v4)
{
	rng_seed(5);
	/* the control: the next datagram as it is joins */
	struct dgram d[3] = {build(AF_INET, 300, 0x2000), build(AF_INET, 300, 0x2001),
			     build(AF_INET, 300, 0x2002)};
	merge_all(d, 3);

	refused(AF_INET, next_with(AF_INET, 1, 0x03), "TOS/ECN");
	refused(AF_INET, next_with(AF_INET, 1, 0xb8), "DSCP");
	refused(AF_INET, next_with(AF_INET, 6, 0x00), "DF clear");
	refused(AF_INET, next_with(AF_INET, 8, 63), "TTL");
	refused(AF_INET, next_with(AF_INET, 15, 3), "source address");
	refused(AF_INET, next_with(AF_INET, 12, 11), "source address, first byte");
	refused(AF_INET, next_with(AF_INET, 19, 3), "destination address");
	refused(AF_INET, next_with(AF_INET, 20 + 1, 0xea), "source port");
	refused(AF_INET, next_with(AF_INET, 20 + 3, 54), "destination port");
	refused(AF_INET, next_with(AF_INET, 20 + 0, 0x15), "source port, high byte");
	/* IDs out of sequence: again the last, one skipped, backwards, far */
	const uint16_t ids[] = {0x2001, 0x2003, 0x2000, 0x1fff, 0xa002, 0x2102, 0};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		refused(AF_INET, build(AF_INET, 300, ids[i]), "IPv4 ID");
	/* an IPv6 datagram after IPv4 ones */
	refused(AF_INET, build(AF_INET6, 300, 0), "IPv6 after IPv4");
}
END_TEST

START_TEST(test_refused_v6)
{
	rng_seed(6);
	refused(AF_INET6, next_with(AF_INET6, 1, 0x31), "traffic class");
	refused(AF_INET6, next_with(AF_INET6, 0, 0x61), "traffic class, high bits");
	refused(AF_INET6, next_with(AF_INET6, 1, 0x20), "flow label, high bits");
	refused(AF_INET6, next_with(AF_INET6, 3, 0x66), "flow label");
	refused(AF_INET6, next_with(AF_INET6, 7, 63), "hop limit");
	refused(AF_INET6, next_with(AF_INET6, 8, 0xfc), "source address, first byte");
	refused(AF_INET6, next_with(AF_INET6, 23, 3), "source address");
	refused(AF_INET6, next_with(AF_INET6, 24, 0xfc), "destination address, first byte");
	refused(AF_INET6, next_with(AF_INET6, 39, 3), "destination address");
	refused(AF_INET6, next_with(AF_INET6, 40 + 1, 0xea), "source port");
	refused(AF_INET6, next_with(AF_INET6, 40 + 3, 54), "destination port");
	/* an IPv4 datagram after IPv6 ones */
	refused(AF_INET6, build(AF_INET, 300, 0x2002), "IPv4 after IPv6");
	/* IPv6 has no ID: any "ID" bytes, i.e. none, and the run goes on */
	struct dgram d[3] = {build(AF_INET6, 300, 0), build(AF_INET6, 300, 0),
			     build(AF_INET6, 300, 0)};
	merge_all(d, 3);
}
END_TEST

START_TEST(test_id_wrap)
{
	rng_seed(7);
	struct dgram d[4];
	for (int i = 0; i < 4; i++)
		d[i] = build(AF_INET, 64, (uint16_t)(0xfffe + i)); /* fffe ffff 0 1 */
	struct udpgro *g = run_new();
	for (int i = 0; i < 4; i++)
		ck_assert_msg(add(g, &d[i]), "ID %04x refused", ld16(d[i].p + 4));
	check_super(g, d, 4);
	free(g);
	for (int i = 0; i < 4; i++)
		free(d[i].p);
}
END_TEST

/* ---- eligibility ---- */

static void not_eligible(struct dgram d, const char *what)
{
	struct packet_info pi;
	ck_assert_msg(packet_parse(d.p, d.len, &pi, NULL) == 0, "%s: does not parse", what);
	ck_assert_msg(!udpgro_eligible(d.p, &pi), "%s: eligible", what);
	free(d.p);
}

static void is_eligible(struct dgram d, const char *what)
{
	ck_assert_msg(eligible(&d), "%s: not eligible", what);
	/* and alone, it comes back as it went in */
	struct udpgro *g = run_new();
	ck_assert(add(g, &d));
	check_single(g, &d);
	free(g);
	free(d.p);
}

/* IPv4 with 4 bytes of options (IHL 6) ahead of a valid UDP datagram. */
static struct dgram build_v4_options(size_t payload)
{
	struct dgram b = build(AF_INET, payload, 1);
	struct dgram d = {malloc(b.len + 4), b.len + 4};
	ck_assert_ptr_nonnull(d.p);
	memcpy(d.p, b.p, 20);
	memset(d.p + 20, 0x01, 4); /* NOPs */
	memcpy(d.p + 24, b.p + 20, b.len - 20);
	d.p[0] = 0x46;
	st16(d.p + 2, (uint16_t)d.len);
	fix_at(d.p, d.len, 24);
	free(b.p);
	return d;
}

/* IPv6 with an extension header of type nh (8 bytes) ahead of a valid UDP
 * datagram. */
static struct dgram build_v6_ext(size_t payload, uint8_t nh)
{
	struct dgram b = build(AF_INET6, payload, 0);
	struct dgram d = {malloc(b.len + 8), b.len + 8};
	ck_assert_ptr_nonnull(d.p);
	memcpy(d.p, b.p, 40);
	const uint8_t ext[8] = {IPPROTO_UDP, 0, 0x01, 4, 0, 0, 0, 0}; /* PadN */
	memcpy(d.p + 40, ext, 8);
	memcpy(d.p + 48, b.p + 40, b.len - 40);
	d.p[6] = nh;
	st16(d.p + 4, (uint16_t)(d.len - 40));
	fix_at(d.p, d.len, 48);
	free(b.p);
	ck_assert(l4_csum_ok(d.p, d.len, 48, AF_INET6, IPPROTO_UDP));
	return d;
}

START_TEST(test_eligible_refused)
{
	rng_seed(8);
	struct dgram d;
	for (int fi = 0; fi < 2; fi++) {
		int fam = fi ? AF_INET6 : AF_INET;
		size_t l4 = fi ? 40 : 20;

		/* other protocols, with a UDP-like body summed as UDP would be */
		d = build(fam, 100, 1);
		d.p[fi ? 6 : 9] = IPPROTO_TCP;
		fix(&d);
		not_eligible(d, "TCP");
		d = build(fam, 100, 1);
		d.p[fi ? 6 : 9] = 136; /* UDP-Lite */
		fix(&d);
		not_eligible(d, "UDP-Lite");

		/* the UDP length field says one less, one more, 8, or 0 */
		const int deltas[] = {-1, 1, -100, -108};
		for (size_t i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
			d = build(fam, 100, 1);
			st16(d.p + l4 + 4, (uint16_t)((long)(d.len - l4) + deltas[i]));
			fix(&d); /* a valid sum over what the IP length says */
			not_eligible(d, "UDP length");
		}

		/* a UDP header and no payload */
		d = build(fam, 0, 1);
		not_eligible(d, "empty payload");

		/* no UDP checksum (IPv4: "none"; IPv6: invalid anyway) */
		d = build(fam, 100, 1);
		st16(d.p + l4 + UDP_CHECK, 0);
		not_eligible(d, "UDP checksum 0");
		/* even where 0 is the same one's-complement value as the correct
		 * 0xffff, so that the sum verifies: the kernel would write 0xffff */
		d = build(fam, 100, 1);
		make_udp_check_ffff(&d);
		st16(d.p + l4 + UDP_CHECK, 0);
		ck_assert(l4_csum_ok(d.p, d.len, l4, fam, IPPROTO_UDP));
		not_eligible(d, "UDP checksum 0 for 0xffff");

		/* a wrong UDP checksum: one payload bit, first and last byte,
		 * a header bit, the checksum itself, an address bit */
		const size_t flips[] = {l4 + 8, l4 + 8 + 99, l4 + 1, l4 + 7, fi ? 39 : 19};
		for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
			d = build(fam, 100, 1);
			d.p[flips[i]] ^= 0x10;
			if (flips[i] < l4 && !fi) { /* keep the IP header valid */
				st16(d.p + 10, 0);
				st16(d.p + 10, (uint16_t)~naive_add(0, d.p, 20));
			}
			ck_assert(!l4_csum_ok(d.p, d.len, l4, fam, IPPROTO_UDP));
			not_eligible(d, "wrong UDP checksum");
		}
	}

	/* IPv4 with options: IHL 6, all else valid */
	d = build_v4_options(100);
	ck_assert_uint_eq(naive_add(0, d.p, 24), 0xffff);
	ck_assert(l4_csum_ok(d.p, d.len, 24, AF_INET, IPPROTO_UDP));
	not_eligible(d, "IPv4 options");

	/* fragments: MF, an offset, both, MF with DF */
	const uint16_t frags[] = {0x2000, 0x0001, 0x2001, 0x6000, 0x4001, 0x1fff};
	for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		d = build(AF_INET, 100, 1);
		st16(d.p + 6, frags[i]);
		fix(&d);
		not_eligible(d, "IPv4 fragment");
	}

	/* a wrong IPv4 header checksum, UDP checksum valid */
	const size_t hflips[] = {10, 11, 4, 8};
	for (size_t i = 0; i < sizeof(hflips) / sizeof(hflips[0]); i++) {
		d = build(AF_INET, 100, 1);
		d.p[hflips[i]] ^= 0x01;
		ck_assert(l4_csum_ok(d.p, d.len, 20, AF_INET, IPPROTO_UDP));
		not_eligible(d, "wrong IPv4 header checksum");
	}

	/* IPv6 extension headers before UDP: destination options, hop-by-hop,
	 * routing, fragment (an atomic one: offset 0, no M) */
	d = build_v6_ext(100, 60);
	not_eligible(d, "IPv6 destination options");
	d = build_v6_ext(100, 0);
	not_eligible(d, "IPv6 hop-by-hop");
	d = build_v6_ext(100, 44);
	d.p[42] = 0;
	d.p[43] = 0;
	fix_at(d.p, d.len, 48);
	not_eligible(d, "IPv6 atomic fragment");
}
END_TEST

START_TEST(test_eligible_accepted)
{
	rng_seed(9);
	is_eligible(build(AF_INET, 100, 1), "IPv4");
	is_eligible(build(AF_INET6, 100, 0), "IPv6");
	is_eligible(build(AF_INET, 1, 1), "IPv4, one byte");
	is_eligible(build(AF_INET6, 1, 0), "IPv6, one byte");
	is_eligible(build(AF_INET, 65507, 1), "IPv4, largest");
	is_eligible(build(AF_INET6, 65487, 0), "IPv6, largest that fits a run");
	/* DF clear is no fragment */
	struct dgram d = build(AF_INET, 100, 1);
	st16(d.p + 6, 0);
	fix(&d);
	is_eligible(d, "IPv4 without DF");
	/* a correct UDP checksum of 0, sent as 0xffff */
	d = build(AF_INET, 100, 1);
	make_udp_check_ffff(&d);
	is_eligible(d, "IPv4, UDP checksum 0xffff");
	d = build(AF_INET6, 100, 0);
	make_udp_check_ffff(&d);
	is_eligible(d, "IPv6, UDP checksum 0xffff");
	/* a correct IPv4 header checksum of 0 */
	d = build(AF_INET, 100, 1);
	make_ip_check_zero(&d);
	is_eligible(d, "IPv4 header checksum 0");
	/* padding past the IP length (a frame may carry some) is not read */
	d = build(AF_INET, 100, 1);
	struct dgram padded = {malloc(d.len + 3), d.len + 3};
	ck_assert_ptr_nonnull(padded.p);
	memcpy(padded.p, d.p, d.len);
	memset(padded.p + d.len, 0xee, 3);
	struct packet_info pi = parse(&padded);
	ck_assert_uint_eq(pi.total_len, d.len);
	ck_assert(udpgro_eligible(padded.p, &pi));
	free(padded.p);
	free(d.p);
}
END_TEST

/* 0xffff UDP checksums, and IPv4 header checksums of 0, inside runs: the
 * cuts give them back as they were. */
START_TEST(test_checksum_edges_in_runs)
{
	rng_seed(10);
	for (int fi = 0; fi < 2; fi++) {
		int fam = fi ? AF_INET6 : AF_INET;
		struct dgram *d = build_run(fam, 5, 200, 0x3000);
		for (int i = 0; i < 5; i += 2)
			make_udp_check_ffff(&d[i]);
		merge_all(d, 5);
		free(d);
	}
	/* each of three datagrams with an IPv4 header checksum of 0 in turn */
	for (int z = 0; z < 3; z++) {
		struct dgram d[3];
		d[z] = build(AF_INET, 50, 0);
		make_ip_check_zero(&d[z]);
		uint16_t id0 = (uint16_t)(ld16(d[z].p + 4) - z);
		for (int i = 0; i < 3; i++)
			if (i != z)
				d[i] = build(AF_INET, 50, (uint16_t)(id0 + i));
		merge_all(d, 3);
	}
}
END_TEST

/*
 * An IPv4 header checksum of 0xffff where 0x0000 is the computed one: the
 * same one's-complement value, so it verifies, but the kernel's cut (and
 * udpgro_segment) writes 0x0000. Such a datagram must not end up changed:
 * the writer's loop must give it back byte for byte.
 */
START_TEST(test_ip_check_negative_zero)
{
	rng_seed(11);
	for (int z = 0; z < 3; z++) {
		struct dgram d[3];
		d[z] = build(AF_INET, 50, 0);
		make_ip_check_zero(&d[z]);
		st16(d[z].p + 10, 0xffff);
		ck_assert_uint_eq(naive_add(0, d[z].p, 20), 0xffff);
		uint16_t id0 = (uint16_t)(ld16(d[z].p + 4) - z);
		for (int i = 0; i < 3; i++)
			if (i != z)
				d[i] = build(AF_INET, 50, (uint16_t)(id0 + i));
		struct writer w;
		writer_init(&w);
		for (int i = 0; i < 3; i++)
			writer_packet(&w, &d[i]);
		writer_done(&w, d, 3);
		for (int i = 0; i < 3; i++)
			free(d[i].p);
	}
	/* alone, too */
	struct dgram one = build(AF_INET, 50, 0);
	make_ip_check_zero(&one);
	st16(one.p + 10, 0xffff);
	struct writer w;
	writer_init(&w);
	writer_packet(&w, &one);
	writer_done(&w, &one, 1);
	free(one.p);
}
END_TEST

/*
 * An IPv6 datagram longer than UDPGRO_MAX_PACKET (IPv6 lengths go to
 * 40 + 65535): valid, so it may be eligible, but the run's buffer holds only
 * UDPGRO_MAX_PACKET bytes. It must come back whole (and ASan must see no
 * overflow).
 */
START_TEST(test_v6_longer_than_run)
{
	rng_seed(12);
	/* just past UDPGRO_MAX_PACKET (into struct padding, then over g->len),
	 * and the largest IPv6 length (past the struct) */
	const size_t payloads[] = {65487 + 1, 65487 + 9, 65535 - 8};
	struct dgram d[2] = {build(AF_INET6, 100, 0), build(AF_INET6, payloads[_i], 0)};
	ck_assert_uint_gt(d[1].len, UDPGRO_MAX_PACKET);
	struct writer w;
	writer_init(&w);
	writer_packet(&w, &d[0]);
	writer_packet(&w, &d[1]);
	writer_done(&w, d, 2);
	free(d[0].p);
	free(d[1].p);
}
END_TEST

/* ---- finish, segment, init ---- */

START_TEST(test_single)
{
	rng_seed(13);
	for (int fi = 0; fi < 2; fi++) {
		struct dgram d = build(fi ? AF_INET6 : AF_INET, 777, 0xffff);
		struct udpgro *g = run_new();
		ck_assert(add(g, &d));
		check_single(g, &d);
		/* finishing again changes nothing */
		check_single(g, &d);
		free(g);
		free(d.p);
	}
}
END_TEST

START_TEST(test_segment_errors)
{
	rng_seed(14);
	struct dgram *d = build_run(AF_INET, 4, 300, 1);
	struct udpgro *g = run_new();
	for (int i = 0; i < 4; i++)
		ck_assert(add(g, &d[i]));
	struct virtio_net_hdr h;
	const uint8_t *pkt;
	size_t len;
	udpgro_finish(g, &h, &pkt, &len);

	size_t need = 20 + 8 + 300;
	uint8_t *scratch = malloc(need);
	ck_assert_ptr_nonnull(scratch);
	struct seglog *log = seglog_new();
	/* one byte short, or none at all */
	ck_assert_int_eq(udpgro_segment(g, scratch, need - 1, record, log), -ENOSPC);
	ck_assert_int_eq(udpgro_segment(g, scratch, 0, record, log), -ENOSPC);
	ck_assert_uint_eq(log->calls, 0);
	/* an emit that fails on its second call stops the cut there */
	log->fail_at = 2;
	log->fail_rc = -EIO;
	ck_assert_int_eq(udpgro_segment(g, scratch, need, record, log), -EIO);
	ck_assert_uint_eq(log->calls, 2);
	ck_assert_uint_eq(log->n, 1);
	ck_assert_uint_eq(log->len[0], d[0].len);
	ck_assert_mem_eq(log->seg[0], d[0].p, d[0].len);
	seglog_free(log);
	/* failing on the first and the last call too */
	const size_t at[] = {1, 4};
	for (size_t i = 0; i < 2; i++) {
		log = seglog_new();
		log->fail_at = at[i];
		log->fail_rc = -7;
		ck_assert_int_eq(udpgro_segment(g, scratch, need, record, log), -7);
		ck_assert_uint_eq(log->calls, at[i]);
		seglog_free(log);
	}
	/* a positive return is no error */
	log = seglog_new();
	log->fail_at = 1;
	log->fail_rc = 5;
	ck_assert_int_eq(udpgro_segment(g, scratch, need, record, log), 0);
	ck_assert_uint_eq(log->calls, 4);
	seglog_free(log);
	/* and with room to spare, all four */
	free(scratch);
	check_segment(g, d, 4);
	free(g);
	free_run(d, 4);
}
END_TEST

START_TEST(test_init_after_finish)
{
	rng_seed(15);
	struct dgram *d = build_run(AF_INET, 6, 100, 50);
	struct udpgro *g = run_new();
	for (int i = 0; i < 3; i++)
		ck_assert(add(g, &d[i]));
	check_super(g, d, 3);
	udpgro_init(g);
	ck_assert_uint_eq(udpgro_count(g), 0);
	/* the datagram that would have continued the old run starts a new one */
	ck_assert(add(g, &d[3]));
	ck_assert_uint_eq(udpgro_count(g), 1);
	ck_assert_uint_eq(g->len, d[3].len);
	ck_assert_mem_eq(g->pkt, d[3].p, d[3].len);
	ck_assert(add(g, &d[4]));
	ck_assert(add(g, &d[5]));
	check_super(g, d + 3, 3);

	/* after a closed run, init opens the next */
	struct dgram s[3] = {build(AF_INET6, 100, 0), build(AF_INET6, 10, 0),
			     build(AF_INET6, 100, 0)};
	udpgro_init(g);
	ck_assert(add(g, &s[0]));
	ck_assert(add(g, &s[1]));
	ck_assert(g->closed);
	check_super(g, s, 2);
	udpgro_init(g);
	ck_assert(add(g, &s[2]));
	ck_assert(!g->closed);
	ck_assert(add(g, &s[0]));
	check_super(g, (struct dgram[]){s[2], s[0]}, 2);

	/* a single-datagram run, then init, then a different flow */
	udpgro_init(g);
	ck_assert(add(g, &d[0]));
	check_single(g, &d[0]);
	udpgro_init(g);
	ck_assert(add(g, &s[1]));
	ck_assert_uint_eq(udpgro_count(g), 1);
	ck_assert_uint_eq(g->len, s[1].len);
	check_single(g, &s[1]);
	for (int i = 0; i < 3; i++)
		free(s[i].p);
	free(g);
	free_run(d, 6);
}
END_TEST

/* ---- randomized: the writer's loop gives back what it was given ---- */

#define FLOWS 5

struct flow {
	int family;
	uint16_t next_id;
	size_t size;  /* the usual payload */
	uint8_t last; /* last byte of the destination address */
	uint16_t sport;
};

/* How often a sequence strays: calm ones make long runs, up to full ones;
 * wild ones change flow, size, ID and header all the time. */
struct odds {
	unsigned usual, shorter, any; /* per 1000: payload sizes; else 0 or big */
	unsigned id, corrupt, change; /* 1 in n: random ID, corruption, flow */
};

static const struct odds calm = {985, 993, 998, 1000, 300, 300};
static const struct odds wild = {700, 850, 970, 30, 20, 10};

/* One datagram of flow f, sometimes out of the ordinary. */
static struct dgram random_dgram(struct flow *f, const struct odds *o)
{
	uint32_t r = rng() % 1000;
	size_t payload;
	if (r < o->usual)
		payload = f->size;
	else if (r < o->shorter)
		payload = 1 + rng() % f->size;
	else if (r < o->any)
		payload = 1 + rng() % 2000;
	else
		payload = rng() % 2 ? 0 : 1 + rng() % 30000;
	uint16_t id = f->next_id++;
	if (rng() % o->id == 0)
		id = (uint16_t)rng();
	struct dgram d = build(f->family, payload, id);
	size_t l4 = f->family == AF_INET ? 20 : 40;
	d.p[l4 - 1] = f->last;
	st16(d.p + l4, f->sport);
	fix(&d);
	if (payload >= 2 && rng() % 50 == 0)
		make_udp_check_ffff(&d);
	if (f->family == AF_INET && rng() % 200 == 0) {
		make_ip_check_zero(&d);
		f->next_id = (uint16_t)(ld16(d.p + 4) + 1);
	}

	/* corruption, or another header, now and then */
	if (rng() % o->corrupt == 0) {
		switch (rng() % 9) {
		case 0: /* a payload bit: the UDP checksum fails */
			if (payload > 0)
				d.p[l4 + 8 + rng() % payload] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 1: /* the IPv4 header checksum fails */
			if (f->family == AF_INET)
				d.p[10 + rng() % 2] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 2: /* no UDP checksum */
			st16(d.p + l4 + UDP_CHECK, 0);
			break;
		case 3: /* TOS/class or TTL/hop limit, still valid */
			d.p[f->family == AF_INET ? 1 + 7 * (rng() % 2) : 1 + 6 * (rng() % 2)] ^=
			    (uint8_t)(1u << (rng() % 8));
			fix(&d);
			break;
		case 4: /* a fragment, still summed */
			if (f->family == AF_INET) {
				st16(d.p + 6, (uint16_t)(rng() % 2 ? 0x2000 : rng() & 0x3fff));
				fix(&d);
			}
			break;
		case 5: /* the UDP length */
			st16(d.p + l4 + 4, (uint16_t)rng());
			fix(&d);
			break;
		case 6: /* another protocol */
			d.p[f->family == AF_INET ? 9 : 6] = rng() % 2 ? IPPROTO_TCP : IPPROTO_ICMP;
			fix(&d);
			break;
		case 7: /* a random byte anywhere, as it falls */
			d.p[rng() % d.len] ^= (uint8_t)(1 + rng() % 255);
			break;
		default: /* DF off */
			if (f->family == AF_INET) {
				d.p[6] &= (uint8_t)~0x40;
				fix(&d);
			}
			break;
		}
	}
	return d;
}

START_TEST(test_random_writer)
{
	rng_seed(16);
	size_t supers = 0, merged = 0, full = 0, total = 0;
	enum { MAXSEQ = 150 };
	struct dgram *seq = calloc(MAXSEQ, sizeof(*seq));
	ck_assert_ptr_nonnull(seq);
	for (int iter = 0; iter < 3000; iter++) {
		const struct odds *o = rng() % 3 == 0 ? &calm : &wild;
		struct flow flows[FLOWS];
		for (int i = 0; i < FLOWS; i++) {
			flows[i] = (struct flow){
			    .family = rng() % 2 ? AF_INET6 : AF_INET,
			    .next_id = (uint16_t)rng(),
			    .size = 1 + (rng() % 4 == 0 ? rng() % 1500 : rng() % 200),
			    .last = (uint8_t)(i < 2 ? 2 : 2 + rng() % 3),
			    .sport = (uint16_t)(5353 + rng() % 2),
			};
		}
		size_t n = 1 + rng() % MAXSEQ;
		int cur = 0;
		for (size_t i = 0; i < n; i++) {
			if (rng() % o->change == 0)
				cur = (int)(rng() % FLOWS);
			if (rng() % (o->corrupt * 2) == 0) { /* not even IP, perhaps */
				size_t len = 1 + rng() % 60;
				seq[i] = (struct dgram){malloc(len), len};
				ck_assert_ptr_nonnull(seq[i].p);
				rng_fill(seq[i].p, len);
				seq[i].p[0] = (uint8_t)(rng() % 2 ? 0x45 : 0x60) ^
					      (uint8_t)(rng() % 4 == 0 ? 0x10 : 0);
			} else {
				seq[i] = random_dgram(&flows[cur], o);
			}
		}
		struct writer w;
		writer_init(&w);
		for (size_t i = 0; i < n; i++)
			writer_packet(&w, &seq[i]);
		writer_flush(&w);
		supers += w.supers;
		merged += w.merged;
		full += w.full;
		total += n;
		writer_done(&w, seq, n);
		for (size_t i = 0; i < n; i++)
			free(seq[i].p);
	}
	free(seq);
	/* not vacuous: runs formed, some of them full */
	ck_assert_uint_gt(supers, 1000);
	ck_assert_uint_gt(merged, total / 4);
	ck_assert_uint_gt(full, 10);
}
END_TEST

static Suite *udpgro_suite(void)
{
	Suite *s = suite_create("udpgro");
	TCase *tc = tcase_create("udpgro");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_run_v4);
	tcase_add_test(tc, test_run_v6);
	tcase_add_test(tc, test_short_last);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_refused_v4);
	tcase_add_test(tc, test_refused_v6);
	tcase_add_test(tc, test_id_wrap);
	tcase_add_test(tc, test_eligible_refused);
	tcase_add_test(tc, test_eligible_accepted);
	tcase_add_test(tc, test_checksum_edges_in_runs);
	tcase_add_test(tc, test_ip_check_negative_zero);
	tcase_add_loop_test(tc, test_v6_longer_than_run, 0, 3);
	tcase_add_test(tc, test_single);
	tcase_add_test(tc, test_segment_errors);
	tcase_add_test(tc, test_init_after_finish);
	tcase_add_test(tc, test_random_writer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(udpgro_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
