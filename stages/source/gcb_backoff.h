/*
 * Retry pacing: exponential backoff with full jitter (delay drawn uniformly
 * from [0, min(cap, base * 2^attempt)]), never shorter than a server's
 * Retry-After; and proactive throttling from the rate-limit headers.
 */
#ifndef GCB_BACKOFF_H
#define GCB_BACKOFF_H

#include <stdint.h>

#include "lib/gcb_http.h"

/* Longest Retry-After honoured as given; larger values are clamped (logged). */
#define GCB_BACKOFF_RETRY_AFTER_MAX_MS (3600u * 1000u)

typedef struct gcb_backoff {
	uint32_t base_ms;
	uint32_t cap_ms;
	uint32_t attempt; /* failures in a row */
	uint64_t rng;	  /* xorshift64* state */
} gcb_backoff_t;

void gcb_backoff_init(gcb_backoff_t *b, uint32_t base_ms, uint32_t cap_ms, uint64_t seed);

/* After a success. */
static inline void gcb_backoff_reset(gcb_backoff_t *b)
{
	b->attempt = 0;
}

/*
 * Delay before the next attempt after a transient failure: 1 ms up to the
 * exponential ceiling, never 0; counts the attempt. retry_after_ms < 0 means none was given; otherwise the result is
 * at least retry_after_ms (clamped to GCB_BACKOFF_RETRY_AFTER_MAX_MS).
 */
uint64_t gcb_backoff_next(gcb_backoff_t *b, int64_t retry_after_ms);

/* Delay for a failure that will not heal soon (bad request, auth): the cap, jittered. */
uint64_t gcb_backoff_at_cap(gcb_backoff_t *b);

/*
 * Proactive throttling: the wait before the next request given the
 * rate-limit headers of the last answer. The remaining budget is
 * X-RateLimit-Remaining when present, else inin-ratelimit-allowed minus
 * inin-ratelimit-count; when it is low (at most a tenth of the allowance, or
 * 2 when the allowance is unknown) the remaining requests are spread evenly
 * over the seconds until reset (inin-ratelimit-reset, else 60). 0 when
 * there is no reason to wait.
 */
uint64_t gcb_throttle_delay_ms(const gcb_http_resp_t *r);

#endif
