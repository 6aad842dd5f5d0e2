/*
 * Reconnect delays: exponential backoff with jitter. Pure (the caller supplies
 * the seed), so that the schedule can be tested.
 *
 * The n-th delay (n = 0, 1, ...) is base * 2^n capped at max, then spread
 * uniformly over [3/4, 5/4] of that, cut at max: clients that lost
 * the same server at the same moment do not all come back in the same second.
 */
#ifndef TLSVPN_CLIENT_BACKOFF_H
#define TLSVPN_CLIENT_BACKOFF_H

#include <stdint.h>

#define BACKOFF_BASE_MS 1000u
#define BACKOFF_MAX_MS	60000u
/* A session that lasted this long was healthy: when it drops, try again at
 * once (the common case is a network blip, and a resumed handshake takes a
 * few milliseconds). A shorter one counts as a failure and waits. */
#define BACKOFF_STABLE_MS 10000u

struct backoff {
	uint32_t base_ms, max_ms;
	unsigned attempt; /* delays handed out since the last reset */
	uint64_t rng;	  /* xorshift64 state, never 0 */
};

void backoff_init(struct backoff *b, uint32_t base_ms, uint32_t max_ms, uint64_t seed);
/* A session succeeded: the next delay starts from base again. */
void backoff_reset(struct backoff *b);
/* The nominal (unjittered) delay the next call will spread around. */
uint32_t backoff_nominal_ms(const struct backoff *b);
/* The delay to wait before the next attempt, in milliseconds. */
uint32_t backoff_next_ms(struct backoff *b);
/* The delay after losing a session that had been up for up_ms: 0 for a
 * stable one (and the schedule starts over), else backoff_next_ms. */
uint32_t backoff_after_loss_ms(struct backoff *b, uint64_t up_ms);

#endif
