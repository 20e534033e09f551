#include "stages/notif/gcb_rate.h"

static void refill(gcb_rate_t *r, uint64_t now_ms)
{
	if (now_ms > r->last_ms) {
		r->tokens += (double)(now_ms - r->last_ms) * r->per_ms;
		if (r->tokens > r->cap)
			r->tokens = r->cap;
		r->last_ms = now_ms;
	}
}

void gcb_rate_init(gcb_rate_t *r, unsigned per_minute, uint64_t now_ms)
{
	if (per_minute < 1)
		per_minute = 1;
	r->per_ms = (double)per_minute / 60000.0;
	r->cap = (double)per_minute / 10.0;
	if (r->cap < 1.0)
		r->cap = 1.0;
	r->tokens = r->cap;
	r->last_ms = now_ms;
}

uint64_t gcb_rate_wait_ms(gcb_rate_t *r, uint64_t now_ms)
{
	refill(r, now_ms);
	if (r->tokens >= 1.0)
		return 0;
	return (uint64_t)((1.0 - r->tokens) / r->per_ms) + 1;
}

void gcb_rate_take(gcb_rate_t *r, uint64_t now_ms)
{
	refill(r, now_ms);
	r->tokens -= 1.0;
}
