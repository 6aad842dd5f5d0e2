/*
 * udpgro: runs of UDP datagrams merged into one super-packet. See udpgro.h.
 *
 * Every offset below is within the datagram's own total_len: udpgro_eligible
 * checked that the headers are whole and the UDP length matches the IP one.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "buf.h"
#include "gso.h"
#include "udpgro.h"

#define UDP_HEADER	 8
#define UDP_LEN_OFFSET	 4
#define UDP_CHECK_OFFSET 6
#define IPV4_HEADER	 20
#define IPV4_TOTAL_LEN	 2
#define IPV4_ID		 4
#define IPV4_CHECK	 10
#define IPV6_HEADER	 40
#define IPV6_PAYLOAD_LEN 4

void udpgro_init(struct udpgro *g)
{
	g->len = 0;
	g->count = 0;
	g->closed = false;
}

/* Sum of the UDP pseudo-header of pkt for a UDP length of udp_len. */
static uint64_t pseudo_sum(const uint8_t *pkt, size_t l4_off, size_t udp_len)
{
	uint64_t sum = IPPROTO_UDP + (uint64_t)udp_len;
	if (l4_off == IPV4_HEADER)
		return gso_csum_add(sum, pkt + 12, 8);
	return gso_csum_add(sum, pkt + 8, 32);
}

bool udpgro_eligible(const uint8_t *pkt, const struct packet_info *pi)
{
	size_t want_hdr = pi->family == AF_INET ? IPV4_HEADER : IPV6_HEADER;
	if (pi->proto != IPPROTO_UDP || pi->fragment || pi->header_len != want_hdr)
		return false;
	size_t l4_off = pi->header_len;
	if (pi->total_len <= l4_off + UDP_HEADER)
		return false; /* no header, or no payload to speak of */
	if (pi->total_len > UDPGRO_MAX_PACKET)
		return false; /* IPv6 goes to 40 + 65535: not in a run's buffer */
	size_t udp_len = pi->total_len - l4_off;
	if (be16_load(pkt + l4_off + UDP_LEN_OFFSET) != udp_len)
		return false;
	if (be16_load(pkt + l4_off + UDP_CHECK_OFFSET) == 0)
		return false; /* IPv4 "no checksum": the kernel would add one */
	/* 0xffff verifies like the computed 0x0000, but the kernel's cut
	 * writes 0x0000 */
	if (pi->family == AF_INET && (be16_load(pkt + IPV4_CHECK) == 0xffff ||
				      gso_csum_fold(gso_csum_add(0, pkt, IPV4_HEADER)) != 0xffff))
		return false;
	uint64_t sum = gso_csum_add(pseudo_sum(pkt, l4_off, udp_len), pkt + l4_off, udp_len);
	return gso_csum_fold(sum) == 0xffff;
}

/* True if the IP and UDP headers of pkt match the run's first datagram in
 * everything the kernel copies into each segment. */
static bool same_headers(const struct udpgro *g, const uint8_t *pkt)
{
	const uint8_t *first = g->pkt;
	if (g->l4_off == IPV4_HEADER) {
		/* version..TOS, flags..protocol, addresses; not length, ID or
		 * header checksum */
		if (memcmp(first, pkt, IPV4_TOTAL_LEN) != 0 || memcmp(first + 6, pkt + 6, 4) != 0 ||
		    memcmp(first + 12, pkt + 12, 8) != 0)
			return false;
		if (be16_load(pkt + IPV4_ID) != g->next_id)
			return false;
	} else {
		/* version, class, flow label; next header, hop limit, addresses */
		if (memcmp(first, pkt, IPV6_PAYLOAD_LEN) != 0 ||
		    memcmp(first + 6, pkt + 6, IPV6_HEADER - 6) != 0)
			return false;
	}
	return memcmp(first + g->l4_off, pkt + g->l4_off, 4) == 0; /* ports */
}

bool udpgro_append(struct udpgro *g, const uint8_t *pkt, const struct packet_info *pi)
{
	size_t l4_off = pi->header_len;
	size_t payload = pi->total_len - l4_off - UDP_HEADER;
	if (g->count == 0) {
		memcpy(g->pkt, pkt, pi->total_len);
		g->len = pi->total_len;
		g->l4_off = l4_off;
		g->gso_size = (uint16_t)payload;
		g->next_id = pi->family == AF_INET ? (uint16_t)(be16_load(pkt + IPV4_ID) + 1) : 0;
		g->count = 1;
		g->closed = false;
		return true;
	}
	if (g->closed || g->count >= UDPGRO_MAX_SEGMENTS || l4_off != g->l4_off ||
	    payload > g->gso_size || g->len + payload > UDPGRO_MAX_PACKET || !same_headers(g, pkt))
		return false;
	memcpy(g->pkt + g->len, pkt + l4_off + UDP_HEADER, payload);
	g->len += payload;
	g->next_id++;
	g->count++;
	g->closed = payload < g->gso_size;
	return true;
}

void udpgro_finish(struct udpgro *g, struct virtio_net_hdr *hdr, const uint8_t **pkt, size_t *len)
{
	memset(hdr, 0, sizeof *hdr);
	*pkt = g->pkt;
	*len = g->len;
	if (g->count < 2)
		return;
	size_t l4_off = g->l4_off;
	size_t udp_len = g->len - l4_off;
	if (l4_off == IPV4_HEADER) {
		be16_store(g->pkt + IPV4_TOTAL_LEN, (uint16_t)g->len);
		be16_store(g->pkt + IPV4_CHECK, 0);
		be16_store(g->pkt + IPV4_CHECK,
			   (uint16_t)~gso_csum_fold(gso_csum_add(0, g->pkt, IPV4_HEADER)));
	} else {
		be16_store(g->pkt + IPV6_PAYLOAD_LEN, (uint16_t)udp_len);
	}
	be16_store(g->pkt + l4_off + UDP_LEN_OFFSET, (uint16_t)udp_len);
	/* checksum offload: the field holds the pseudo-header sum, the kernel
	 * adds each segment's data */
	be16_store(g->pkt + l4_off + UDP_CHECK_OFFSET,
		   gso_csum_fold(pseudo_sum(g->pkt, l4_off, udp_len)));
	hdr->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	hdr->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	hdr->hdr_len = (uint16_t)(l4_off + UDP_HEADER);
	hdr->gso_size = g->gso_size;
	hdr->csum_start = (uint16_t)l4_off;
	hdr->csum_offset = UDP_CHECK_OFFSET;
}

int udpgro_segment(const struct udpgro *g, uint8_t *scratch, size_t scratch_len,
		   int (*emit)(const uint8_t *dgram, size_t len, void *arg), void *arg)
{
	size_t l4_off = g->l4_off;
	size_t hdr_len = l4_off + UDP_HEADER;
	if (scratch_len < hdr_len + g->gso_size)
		return -ENOSPC;
	uint16_t id = l4_off == IPV4_HEADER ? be16_load(g->pkt + IPV4_ID) : 0;
	for (size_t off = hdr_len; off < g->len; off += g->gso_size, id++) {
		size_t payload = g->len - off < g->gso_size ? g->len - off : g->gso_size;
		size_t len = hdr_len + payload;
		memcpy(scratch, g->pkt, hdr_len);
		memcpy(scratch + hdr_len, g->pkt + off, payload);
		if (l4_off == IPV4_HEADER) {
			be16_store(scratch + IPV4_TOTAL_LEN, (uint16_t)len);
			be16_store(scratch + IPV4_ID, id);
			be16_store(scratch + IPV4_CHECK, 0);
			be16_store(scratch + IPV4_CHECK,
				   (uint16_t)~gso_csum_fold(gso_csum_add(0, scratch, IPV4_HEADER)));
		} else {
			be16_store(scratch + IPV6_PAYLOAD_LEN, (uint16_t)(len - l4_off));
		}
		uint8_t *udp = scratch + l4_off;
		be16_store(udp + UDP_LEN_OFFSET, (uint16_t)(len - l4_off));
		be16_store(udp + UDP_CHECK_OFFSET, 0);
		uint16_t check = (uint16_t)~gso_csum_fold(
		    gso_csum_add(pseudo_sum(scratch, l4_off, len - l4_off), udp, len - l4_off));
		be16_store(udp + UDP_CHECK_OFFSET, check == 0 ? 0xffff : check);
		int r = emit(scratch, len, arg);
		if (r < 0)
			return r;
	}
	return 0;
}
