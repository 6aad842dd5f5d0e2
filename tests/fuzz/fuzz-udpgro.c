/*
 * libFuzzer harness for common/udpgro: a sequence of datagrams from a peer
 * goes through the TUN writer's loop (common/tunwrite.c): an eligible one
 * joins the run, or the run is finished and a new one starts with it; any
 * other ends the run and passes alone. Every finished run is checked: the
 * super-packet's virtio header and lengths are consistent, and both
 * udpgro_segment and a naive model of the kernel's cut give back the
 * datagrams that formed it, byte for byte, each valid per a naive RFC 1071
 * sum (the module's own checksum code is not trusted here).
 *
 * Input: one mode byte, then datagrams, each a 2-byte big-endian length and
 * that many bytes (fewer at the end). The mode's bits repair what random
 * bytes rarely get right, so that runs form:
 *   0x01 UDP length field := IP length - header length
 *   0x02 UDP checksum computed
 *   0x04 IPv4 header checksum computed
 *   0x08 with 0x04: a computed 0x0000 written as 0xffff (the same value)
 *   0x10 IPv4 ID := the previous datagram's + 1
 *   0x20 IP header (but lengths, ID, checksum) and ports copied from the
 *        previous datagram of the same IP version
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../unit/kernel-udp-cut.h"
#include "../unit/naive-csum.h"
#include "packet.h"
#include "udpgro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

#define M_UDP_LEN  0x01
#define M_UDP_SUM  0x02
#define M_IP_SUM   0x04
#define M_IP_NEG0  0x08
#define M_IP_ID	   0x10
#define M_SAME_HDR 0x20

static uint16_t ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

struct dgram {
	uint8_t *p;	  /* its own allocation of exactly len bytes */
	size_t len;	  /* bytes held, padding included */
	size_t total_len; /* the datagram's own length */
};

static struct udpgro run;
static const struct dgram *members[UDPGRO_MAX_SEGMENTS];
static size_t nmembers;
static uint8_t before[UDPGRO_MAX_PACKET];

/* A plain IPv4 (IHL 5) or IPv6 (UDP right after the header) UDP datagram
 * with its UDP header whole, as parsed. */
static bool plain_udp(const struct packet_info *pi)
{
	size_t want = pi->family == AF_INET ? 20 : 40;
	return pi->proto == IPPROTO_UDP && !pi->fragment && pi->header_len == want &&
	       pi->total_len >= want + 8;
}

/* What udpgro_eligible must say, checked naively. */
static bool naive_eligible(const uint8_t *p, const struct packet_info *pi)
{
	if (!plain_udp(pi) || pi->total_len == pi->header_len + 8)
		return false;
	size_t l4 = pi->header_len, n = pi->total_len;
	if (ld16(p + l4 + 4) != n - l4 || ld16(p + l4 + 6) == 0)
		return false;
	if (pi->family == AF_INET && naive_add(0, p, 20) != 0xffff)
		return false;
	return l4_csum_ok(p, n, l4, pi->family, IPPROTO_UDP);
}

/* The mode's repairs of d (parsed into *pi) after prev, in place. */
static void repair(uint8_t mode, struct dgram *d, const struct packet_info *pi,
		   const struct dgram *prev)
{
	if (!plain_udp(pi))
		return;
	uint8_t *p = d->p;
	int fam = pi->family;
	size_t l4 = pi->header_len, n = pi->total_len;
	if ((mode & M_SAME_HDR) && prev != NULL) {
		struct packet_info ppi;
		if (packet_parse(prev->p, prev->len, &ppi, NULL) == 0 && plain_udp(&ppi) &&
		    ppi.family == fam) {
			if (fam == AF_INET) {
				memcpy(p, prev->p, 2);
				memcpy(p + 6, prev->p + 6, 4);
				memcpy(p + 12, prev->p + 12, 8);
			} else {
				memcpy(p, prev->p, 4);
				memcpy(p + 6, prev->p + 6, 34);
			}
			memcpy(p + l4, prev->p + l4, 4);
		}
	}
	if ((mode & M_IP_ID) && fam == AF_INET && prev != NULL && prev->p[0] >> 4 == 4 &&
	    prev->len >= 20)
		st16(p + 4, (uint16_t)(ld16(prev->p + 4) + 1));
	if (mode & M_UDP_LEN)
		st16(p + l4 + 4, (uint16_t)(n - l4));
	if (mode & M_UDP_SUM) {
		st16(p + l4 + 6, 0);
		uint32_t acc = naive_add(naive_pseudo(p, fam, n - l4, IPPROTO_UDP), p + l4, n - l4);
		uint16_t c = (uint16_t)~acc;
		st16(p + l4 + 6, c == 0 ? 0xffff : c);
	}
	if ((mode & M_IP_SUM) && fam == AF_INET) {
		st16(p + 10, 0);
		uint16_t c = (uint16_t)~naive_add(0, p, 20);
		st16(p + 10, c == 0 && (mode & M_IP_NEG0) ? 0xffff : c);
	}
}

/* ---- the two cuts, compared with the run's members as they come ---- */

struct cut {
	size_t i; /* next member expected */
};

static int check_seg(const uint8_t *seg, size_t len, void *arg)
{
	struct cut *c = arg;
	CHECK(c->i < nmembers);
	const struct dgram *m = members[c->i++];
	CHECK(len == m->total_len);
	CHECK(memcmp(seg, m->p, len) == 0);
	int fam = seg[0] >> 4 == 4 ? AF_INET : AF_INET6;
	size_t l4 = fam == AF_INET ? 20 : 40;
	CHECK(len > l4 + 8);
	CHECK(l4_csum_ok(seg, len, l4, fam, IPPROTO_UDP));
	if (fam == AF_INET)
		CHECK(naive_add(0, seg, 20) == 0xffff);
	struct packet_info pi;
	CHECK(packet_parse(seg, len, &pi, NULL) == 0 && pi.total_len == len);
	return 0;
}

/* The kernel's cut of pkt[0..len) (kernel-udp-cut.h), checked segment by
 * segment against the run's members. */
static void check_kernel_seg(const uint8_t *seg, size_t len, void *arg)
{
	check_seg(seg, len, arg);
}

static void kernel_cut(const struct virtio_net_hdr *h, const uint8_t *pkt, size_t len)
{
	static uint8_t s[UDPGRO_MAX_PACKET];
	struct cut c = {0};
	kernel_udp_cut(h, pkt, len, s, check_kernel_seg, &c);
	CHECK(c.i == nmembers);
}

static void segment(void)
{
	size_t need = run.l4_off + 8 + run.gso_size;
	uint8_t *scratch = malloc(need);
	CHECK(scratch != NULL);
	struct cut c = {0};
	CHECK(udpgro_segment(&run, scratch, need, check_seg, &c) == 0);
	CHECK(c.i == nmembers);
	free(scratch);
}

static void flush(void)
{
	unsigned n = udpgro_count(&run);
	CHECK(n == nmembers);
	if (n == 0)
		return;
	CHECK(n <= UDPGRO_MAX_SEGMENTS);
	const struct dgram *first = members[0];
	int fam = first->p[0] >> 4 == 4 ? AF_INET : AF_INET6;
	size_t l4 = fam == AF_INET ? 20 : 40;
	size_t want = first->total_len;
	for (size_t i = 1; i < n; i++)
		want += members[i]->total_len - l4 - 8;

	struct virtio_net_hdr h;
	memset(&h, 0x5a, sizeof(h));
	const uint8_t *pkt = NULL;
	size_t len = 0;
	udpgro_finish(&run, &h, &pkt, &len);
	CHECK(pkt == run.pkt && len == want && len <= UDPGRO_MAX_PACKET);
	if (n == 1) {
		static const struct virtio_net_hdr zero;
		CHECK(memcmp(&h, &zero, sizeof(h)) == 0);
		CHECK(memcmp(pkt, first->p, len) == 0);
	} else {
		CHECK(run.l4_off == l4);
		CHECK(h.flags == VIRTIO_NET_HDR_F_NEEDS_CSUM);
		CHECK(h.gso_type == VIRTIO_NET_HDR_GSO_UDP_L4);
		CHECK(h.hdr_len == l4 + 8 && h.csum_start == l4 && h.csum_offset == 6);
		CHECK(h.gso_size == first->total_len - l4 - 8 && h.gso_size > 0);
		if (fam == AF_INET) {
			CHECK(ld16(pkt + 2) == len);
			CHECK(naive_add(0, pkt, 20) == 0xffff);
		} else {
			CHECK(ld16(pkt + 4) == len - 40);
		}
		CHECK(ld16(pkt + l4 + 4) == len - l4);
		CHECK(ld16(pkt + l4 + 6) ==
		      (uint16_t)naive_pseudo(pkt, fam, len - l4, IPPROTO_UDP));
		kernel_cut(&h, pkt, len);
	}
	segment();
	udpgro_init(&run);
	CHECK(udpgro_count(&run) == 0);
	nmembers = 0;
}

static void append_new(const struct dgram *d, const struct packet_info *pi)
{
	CHECK(udpgro_append(&run, d->p, pi));
	CHECK(udpgro_count(&run) == 1 && run.len == d->total_len);
	members[nmembers++] = d;
}

static void packet(const struct dgram *d)
{
	struct packet_info pi;
	if (packet_parse(d->p, d->len, &pi, NULL) != 0) {
		flush();
		return; /* written alone */
	}
	bool ok = udpgro_eligible(d->p, &pi);
	bool naive = naive_eligible(d->p, &pi);
	if (ok)
		CHECK(naive);
	/* The converse, but for the IPv4 header checksum 0xffff where 0x0000 is
	 * the computed one: it verifies but does not survive a cut. */
	else if (pi.family != AF_INET || ld16(d->p + 10) != 0xffff)
		CHECK(!naive || pi.total_len > UDPGRO_MAX_PACKET);
	if (!ok) {
		flush();
		return; /* written alone */
	}
	unsigned count = udpgro_count(&run);
	if (count == 0) {
		append_new(d, &pi);
		return;
	}
	size_t len = run.len, l4_off = run.l4_off;
	uint16_t gso_size = run.gso_size, next_id = run.next_id;
	bool closed = run.closed;
	memcpy(before, run.pkt, len);
	if (udpgro_append(&run, d->p, &pi)) {
		CHECK(udpgro_count(&run) == count + 1 && count + 1 <= UDPGRO_MAX_SEGMENTS);
		CHECK(run.len == len + pi.total_len - pi.header_len - 8);
		CHECK(run.len <= UDPGRO_MAX_PACKET);
		CHECK(!closed);
		members[nmembers++] = d;
		return;
	}
	/* refused: the run is as it was */
	CHECK(udpgro_count(&run) == count && run.len == len && run.l4_off == l4_off);
	CHECK(run.gso_size == gso_size && run.next_id == next_id && run.closed == closed);
	CHECK(memcmp(before, run.pkt, len) == 0);
	flush();
	append_new(d, &pi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;

	/* Every datagram is kept until the end: the run's members point at
	 * them. At most one per two input bytes. */
	size_t max = size / 2 + 1, n = 0;
	struct dgram *d = calloc(max, sizeof(*d));
	CHECK(d != NULL);
	udpgro_init(&run);
	nmembers = 0;
	while (size >= 2) {
		size_t len = ld16(data);
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		struct dgram *cur = &d[n];
		cur->p = malloc(len ? len : 1);
		CHECK(cur->p != NULL);
		if (len)
			memcpy(cur->p, data, len);
		cur->len = len;
		data += len;
		size -= len;

		struct packet_info pi;
		if (packet_parse(cur->p, len, &pi, NULL) == 0) {
			repair(mode, cur, &pi, n > 0 ? &d[n - 1] : NULL);
			CHECK(packet_parse(cur->p, len, &pi, NULL) == 0);
			cur->total_len = pi.total_len;
		}
		n++;
		packet(cur);
	}
	flush();
	for (size_t i = 0; i < n; i++)
		free(d[i].p);
	free(d);
	return 0;
}
