/*
 * kernel-udp-cut: the kernel's cut of a UDP super-packet (virtio_net_hdr
 * gso_type UDP_L4), modelled naively from what it reads: the virtio header,
 * the packet's headers and the pseudo-header sum in its UDP checksum field,
 * which each segment adjusts for its own UDP length before summing its bytes.
 * IPv4 IDs count up from the packet's. test-udpgro and fuzz-udpgro check
 * common/udpgro.c's super-packets against it.
 */
#ifndef TLSVPN_TESTS_KERNEL_UDP_CUT_H
#define TLSVPN_TESTS_KERNEL_UDP_CUT_H

#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "naive-csum.h"

static inline uint16_t cut_ld16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void cut_st16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Cuts pkt[0..len) as h says, each segment built in seg (at least
 * h->hdr_len + h->gso_size bytes; h->gso_size > 0) and handed to emit. */
static inline void kernel_udp_cut(const struct virtio_net_hdr *h, const uint8_t *pkt, size_t len,
				  uint8_t *seg, void (*emit)(const uint8_t *s, size_t n, void *arg),
				  void *arg)
{
	int ipv4 = pkt[0] >> 4 == 4;
	size_t l4 = h->csum_start, hl = h->hdr_len, gs = h->gso_size;
	uint16_t partial = cut_ld16(pkt + l4 + h->csum_offset);
	uint16_t super_udp_len = cut_ld16(pkt + l4 + 4);
	uint16_t id = ipv4 ? cut_ld16(pkt + 4) : 0;
	for (size_t off = hl; off < len; off += gs, id++) {
		size_t chunk = len - off < gs ? len - off : gs;
		size_t slen = hl + chunk;
		memcpy(seg, pkt, hl);
		memcpy(seg + hl, pkt + off, chunk);
		if (ipv4) {
			cut_st16(seg + 2, (uint16_t)slen);
			cut_st16(seg + 4, id);
			cut_st16(seg + 10, 0);
			cut_st16(seg + 10, (uint16_t)~naive_add(0, seg, l4));
		} else {
			cut_st16(seg + 4, (uint16_t)(slen - 40));
		}
		cut_st16(seg + l4 + 4, (uint16_t)(slen - l4));
		/* partial - old length + new length, in one's complement */
		uint32_t p = naive_word(naive_word(partial, (uint16_t)~super_udp_len),
					(uint32_t)(slen - l4));
		cut_st16(seg + l4 + h->csum_offset, (uint16_t)p);
		uint16_t sum = (uint16_t)~naive_add(0, seg + l4, slen - l4);
		cut_st16(seg + l4 + h->csum_offset, sum == 0 ? 0xffff : sum);
		emit(seg, slen, arg);
	}
}

#endif /* TLSVPN_TESTS_KERNEL_UDP_CUT_H */
