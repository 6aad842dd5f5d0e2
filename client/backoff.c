#include "backoff.h"

void backoff_init(struct backoff *b, uint32_t base_ms, uint32_t max_ms, uint64_t seed)
{
	b->base_ms = base_ms > 0 ? base_ms : 1;
	b->max_ms = max_ms >= b->base_ms ? max_ms : b->base_ms;
	b->attempt = 0;
	/* splitmix64: nearby seeds (pids, say) must not give similar streams. */
	uint64_t z = seed + 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	b->rng = z != 0 ? z : 0x9e3779b97f4a7c15ull;
}

void backoff_reset(struct backoff *b)
{
	b->attempt = 0;
}

uint32_t backoff_nominal_ms(const struct backoff *b)
{
	uint64_t d = b->base_ms;
	/* Stop doubling once past max: no shift can overflow. */
	for (unsigned i = 0; i < b->attempt && d < b->max_ms; i++)
		d *= 2;
	return d > b->max_ms ? b->max_ms : (uint32_t)d;
}

static uint64_t xorshift64(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

uint32_t backoff_next_ms(struct backoff *b)
{
	uint64_t d = backoff_nominal_ms(b);
	if (b->attempt < 64)
		b->attempt++;
	/* Uniform over [3/4 d, 5/4 d] cut at max: clamping instead would pile a
	 * third of the retries onto exactly max. */
	uint64_t lo = d - d / 4, hi = d + d / 4;
	if (hi > b->max_ms)
		hi = b->max_ms;
	return (uint32_t)(lo + xorshift64(&b->rng) % (hi - lo + 1));
}

uint32_t backoff_after_loss_ms(struct backoff *b, uint64_t up_ms)
{
	if (up_ms >= BACKOFF_STABLE_MS) {
		backoff_reset(b);
		return 0;
	}
	return backoff_next_ms(b);
}
