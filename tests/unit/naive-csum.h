/*
 * naive-csum: the Internet checksum (RFC 1071) one 16-bit word at a time,
 * the reference test-gso and fuzz-gso check common/gso.c's fast sums against.
 */
#ifndef TLSVPN_TESTS_NAIVE_CSUM_H
#define TLSVPN_TESTS_NAIVE_CSUM_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

static inline uint32_t naive_add(uint32_t acc, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2) {
		acc += (uint32_t)d[i] << 8 | d[i + 1];
		acc = (acc & 0xffff) + (acc >> 16);
	}
	if (n % 2 == 1) {
		acc += (uint32_t)d[n - 1] << 8;
		acc = (acc & 0xffff) + (acc >> 16);
	}
	return acc;
}

static inline uint32_t naive_word(uint32_t acc, uint32_t w)
{
	acc += w & 0xffff;
	return (acc & 0xffff) + (acc >> 16);
}

/* The TCP/UDP pseudo-header sum of pkt for an L4 length l4_len. */
static inline uint32_t naive_pseudo(const uint8_t *pkt, int family, size_t l4_len, uint8_t proto)
{
	uint32_t acc;
	if (family == AF_INET) {
		acc = naive_add(0, pkt + 12, 8);
	} else {
		acc = naive_add(0, pkt + 8, 32);
		acc = naive_word(acc, (uint32_t)(l4_len >> 16));
	}
	acc = naive_word(acc, (uint32_t)l4_len);
	return naive_word(acc, proto);
}

/* True if the L4 checksum of pkt[l4_off..len) verifies. */
static inline int l4_csum_ok(const uint8_t *pkt, size_t len, size_t l4_off, int family,
			     uint8_t proto)
{
	uint32_t acc = naive_pseudo(pkt, family, len - l4_off, proto);
	return naive_add(acc, pkt + l4_off, len - l4_off) == 0xffff;
}

#endif /* TLSVPN_TESTS_NAIVE_CSUM_H */
