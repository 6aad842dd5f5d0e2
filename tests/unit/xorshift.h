/*
 * xorshift: the tests' random numbers (xorshift64*), deterministic so that a
 * failure reproduces from its seed. One generator per test program.
 */
#ifndef TLSVPN_TESTS_XORSHIFT_H
#define TLSVPN_TESTS_XORSHIFT_H

#include <stddef.h>
#include <stdint.h>

static uint64_t rng_state;

static inline void rng_seed(uint64_t s)
{
	rng_state = s ? s : 0x9e3779b97f4a7c15ull;
}

static inline uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static inline void rng_fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng();
}

#endif /* TLSVPN_TESTS_XORSHIFT_H */
