/*
 * One REST rate budget for the notification source (GENESYS.md C: 300
 * requests per minute per client-credentials token by default, raisable by
 * Genesys): topic resolution, channels, subscriptions, the availabletopics
 * check and the backfill all draw on it, so together they stay under the
 * limit instead of each discovering it with a 429.
 *
 * A token bucket: per_minute tokens a minute, at most a tenth of a minute's
 * worth saved up (a burst never spends the whole minute at once). Spent
 * proactively: a request waits for its token before it is sent. The
 * service's own signals still win: the callers honour Retry-After on a 429
 * and spread requests when inin-ratelimit-* says the budget runs low.
 */
#ifndef GCB_RATE_H
#define GCB_RATE_H

#include <stdint.h>

typedef struct gcb_rate {
	double per_ms;	  /* tokens added per millisecond */
	double cap;	  /* most tokens held */
	double tokens;	  /* now */
	uint64_t last_ms; /* monotonic time of the last refill */
} gcb_rate_t;

/* per_minute >= 1. Starts full. */
void gcb_rate_init(gcb_rate_t *r, unsigned per_minute, uint64_t now_ms);

/*
 * Milliseconds to wait before a request may go at now_ms (0: now). Does not
 * spend: call gcb_rate_take when the request is sent.
 */
uint64_t gcb_rate_wait_ms(gcb_rate_t *r, uint64_t now_ms);

/* Spends one token (the balance may go negative: the next waits longer). */
void gcb_rate_take(gcb_rate_t *r, uint64_t now_ms);

#endif
