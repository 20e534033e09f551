#include "stages/source/gcb_backoff.h"

#define THROTTLE_DEFAULT_RESET_S 60
#define THROTTLE_LOW_UNKNOWN	 2

void gcb_backoff_init(gcb_backoff_t *b, uint32_t base_ms, uint32_t cap_ms, uint64_t seed)
{
	b->base_ms = base_ms ? base_ms : 1;
	b->cap_ms = cap_ms >= b->base_ms ? cap_ms : b->base_ms;
	b->attempt = 0;
	b->rng = seed ? seed : UINT64_C(0x9E3779B97F4A7C15);
}

static uint64_t rng_next(gcb_backoff_t *b)
{
	uint64_t x = b->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	b->rng = x;
	return x * UINT64_C(0x2545F4914F6CDD1D);
}

static uint64_t uniform(gcb_backoff_t *b, uint64_t max_inclusive)
{
	return max_inclusive == 0 ? 0 : rng_next(b) % (max_inclusive + 1);
}

uint64_t gcb_backoff_next(gcb_backoff_t *b, int64_t retry_after_ms)
{
	uint64_t ceiling = b->base_ms, delay;

	for (uint32_t i = 0; i < b->attempt && ceiling < b->cap_ms; i++)
		ceiling *= 2;
	if (ceiling > b->cap_ms)
		ceiling = b->cap_ms;
	if (b->attempt < UINT32_MAX)
		b->attempt++;
	/* Full jitter, but never 0: a retry is never immediate, whatever
	 * the draw (ceiling is at least base_ms, which is at least 1). */
	delay = 1 + uniform(b, ceiling - 1);
	if (retry_after_ms >= 0) {
		uint64_t ra = (uint64_t)retry_after_ms;

		if (ra > GCB_BACKOFF_RETRY_AFTER_MAX_MS)
			ra = GCB_BACKOFF_RETRY_AFTER_MAX_MS;
		/* At least what the server asked; a little jitter on top keeps many
		 * clients told the same Retry-After from returning in lockstep. */
		delay = ra + uniform(b, b->base_ms);
	}
	return delay;
}

uint64_t gcb_backoff_at_cap(gcb_backoff_t *b)
{
	/* Between half the cap and the cap: slow, but never synchronised. */
	return b->cap_ms / 2 + uniform(b, b->cap_ms - b->cap_ms / 2);
}

uint64_t gcb_throttle_delay_ms(const gcb_http_resp_t *r)
{
	int64_t remaining = -1, low = THROTTLE_LOW_UNKNOWN;
	uint64_t reset_ms;

	if (r->rl_remaining >= 0)
		remaining = r->rl_remaining;
	else if (r->rl_allowed >= 0 && r->rl_count >= 0)
		remaining = r->rl_allowed > r->rl_count ? r->rl_allowed - r->rl_count : 0;
	if (remaining < 0)
		return 0;
	if (r->rl_allowed > 0 && r->rl_allowed / 10 > low)
		low = r->rl_allowed / 10;
	if (remaining > low)
		return 0;
	reset_ms = (uint64_t)(r->rl_reset_s >= 0 ? r->rl_reset_s : THROTTLE_DEFAULT_RESET_S) * 1000;
	if (reset_ms > GCB_BACKOFF_RETRY_AFTER_MAX_MS)
		reset_ms = GCB_BACKOFF_RETRY_AFTER_MAX_MS;
	if (remaining == 0)
		return reset_ms;
	return reset_ms / (uint64_t)(remaining + 1);
}
