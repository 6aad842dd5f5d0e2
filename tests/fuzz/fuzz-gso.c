/*
 * libFuzzer harness for common/gso: the two ways a super-packet enters, each
 * followed by software segmentation of what was accepted. The first input
 * byte picks the mode:
 *   even: the rest is a GSO frame payload from a peer, checked with
 *         gso_frame_parse at MTU 1500; an accepted one must fit, must give a
 *         TUN header that gso_from_tun takes back, and must cut into segments
 *         of at most the MTU that are valid TCP packets;
 *   odd:  the rest is a virtio_net_hdr (as the TUN reads it, host byte
 *         order) and a packet, for gso_from_tun_read; a completed checksum must
 *         verify, and a super-packet must cut into valid segments.
 * The module's own checksum code is not trusted here: a naive RFC 1071 sum
 * verifies every result.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "../unit/naive-csum.h"
#include "gso.h"
#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

#define MTU 1500
/* Large enough for any one segment gso_from_tun can describe. */
#define BIG_SCRATCH (65575 + 64)

struct seg_check {
	const struct gso_packet *g;
	size_t max_len; /* every segment at most this long */
	size_t count;
	size_t payload; /* TCP payload bytes seen so far */
};

static int check_segment(const uint8_t *seg, size_t len, void *arg)
{
	struct seg_check *c = arg;
	const struct gso_packet *g = c->g;
	struct packet_info pi;
	CHECK(len <= c->max_len && len >= g->hdr_len);
	CHECK(len - g->hdr_len <= g->gso_size);
	CHECK(packet_parse(seg, len, &pi, NULL) == 0);
	CHECK(pi.total_len == len && pi.proto == IPPROTO_TCP && !pi.fragment);
	CHECK(pi.family == g->family && pi.header_len == g->l4_off);
	CHECK(l4_csum_ok(seg, len, g->l4_off, g->family, IPPROTO_TCP));
	if (g->family == AF_INET)
		CHECK(naive_add(0, seg, g->l4_off) == 0xffff);
	/* The payload is the original's, in order. */
	CHECK(memcmp(seg + g->hdr_len, g->pkt + g->hdr_len + c->payload, len - g->hdr_len) == 0);
	c->payload += len - g->hdr_len;
	c->count++;
	return 0;
}

/* Cuts g through a scratch buffer of scratch_len (its own allocation, so
 * ASan sees an overrun) and checks every segment. */
static void segment(const struct gso_packet *g, size_t scratch_len, size_t max_len)
{
	uint8_t *scratch = malloc(scratch_len);
	CHECK(scratch != NULL);
	struct seg_check c = {.g = g, .max_len = max_len};
	CHECK(gso_segment(g, scratch, scratch_len, check_segment, &c) == 0);
	size_t payload = g->len - g->hdr_len;
	CHECK(c.payload == payload);
	CHECK(c.count == (payload == 0 ? 1 : (payload + g->gso_size - 1) / g->gso_size));
	free(scratch);
}

static void from_frame(const uint8_t *data, size_t size)
{
	uint8_t *f = malloc(size ? size : 1);
	CHECK(f != NULL);
	memcpy(f, data, size);
	struct gso_packet g;
	const char *why = NULL;
	int rc = gso_frame_parse(f, size, MTU, &g, &why);
	if (rc < 0) {
		CHECK(rc == -EINVAL && why != NULL && why[0] != '\0');
		free(f);
		return;
	}
	CHECK(rc == 0);
	CHECK(g.pkt == f + GSO_FRAME_HEADER && g.len == size - GSO_FRAME_HEADER);
	CHECK(g.l4_off < g.hdr_len && g.hdr_len <= g.len);
	CHECK(gso_frame_fits(&g, MTU));

	/* What the receiver writes to its TUN reads back as the same thing. */
	struct virtio_net_hdr h;
	uint8_t check[2];
	gso_tun_header(&g, &h, check);
	CHECK(h.hdr_len == g.hdr_len && h.gso_size == g.gso_size && h.csum_start == g.l4_off);
	uint8_t *copy = malloc(g.len);
	CHECK(copy != NULL);
	memcpy(copy, g.pkt, g.len);
	memcpy(copy + h.csum_start + h.csum_offset, check, 2);
	struct gso_packet back;
	CHECK(gso_from_tun(&h, copy, g.len, &back, NULL) == 1);
	CHECK(back.l4_off == g.l4_off && back.hdr_len == g.hdr_len && back.gso_size == g.gso_size &&
	      back.family == g.family);
	free(copy);

	segment(&g, g.hdr_len + g.gso_size, MTU);
	free(f);
}

static void from_tun(const uint8_t *data, size_t size)
{
	struct virtio_net_hdr h;
	if (size < sizeof(h))
		return;
	memcpy(&h, data, sizeof(h));
	uint8_t *buf = malloc(size);
	CHECK(buf != NULL);
	memcpy(buf, data, size);
	uint8_t *pkt = buf + sizeof(h);
	size_t len = size - sizeof(h);

	/* The partial sum the field held, to verify a completed checksum. A
	 * field at an odd offset from csum_start straddles two 16-bit words
	 * of the sum, so its result does not verify that way (the kernel only
	 * ever gives 16 for TCP and 6 for UDP). */
	uint8_t partial[2] = {0, 0};
	size_t start = h.csum_start, at = start + h.csum_offset;
	bool csum =
	    (h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) && at + 2 <= len && h.csum_offset % 2 == 0;
	if (csum)
		memcpy(partial, pkt + at, 2);

	struct gso_packet g;
	const char *why = NULL;
	uint8_t *got_pkt = NULL;
	size_t got_len = 0;
	int rc = gso_from_tun_read(buf, size, &got_pkt, &got_len, &g, &why);
	CHECK(got_pkt == pkt && got_len == len);
	if (rc < 0) {
		CHECK(rc == -EINVAL && why != NULL && why[0] != '\0');
	} else if (rc == 0) {
		if (csum && (h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_NONE) {
			uint32_t p = (uint32_t)partial[0] << 8 | partial[1];
			CHECK(naive_add(p, pkt + start, len - start) == 0xffff);
		}
	} else {
		CHECK(rc == 1 && g.pkt == pkt && g.len == len);
		CHECK(g.l4_off < g.hdr_len && g.hdr_len <= len && g.gso_size > 0);
		CHECK(g.pi.proto == IPPROTO_TCP);
		CHECK((g.family == AF_INET) ==
		      ((h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) == VIRTIO_NET_HDR_GSO_TCPV4));
		/* What may travel as a frame is accepted by the far end. */
		if (gso_frame_fits(&g, MTU)) {
			uint8_t *f = malloc(GSO_FRAME_HEADER + len);
			CHECK(f != NULL);
			gso_frame_header(&g, f);
			memcpy(f + GSO_FRAME_HEADER, pkt, len);
			struct gso_packet back;
			CHECK(gso_frame_parse(f, GSO_FRAME_HEADER + len, MTU, &back, NULL) == 0);
			CHECK(back.hdr_len == g.hdr_len && back.gso_size == g.gso_size);
			free(f);
		}
		segment(&g, BIG_SCRATCH, g.hdr_len + g.gso_size);
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		from_frame(data + 1, size - 1);
	else
		from_tun(data + 1, size - 1);
	return 0;
}
