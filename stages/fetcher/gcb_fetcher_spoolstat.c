/*
 * The figures an operator reads about the poll source's spool: how fast it
 * fills, when it will be full, and, once it is, how long until the stream's
 * retention passes the cursor polling stopped at. Pure functions
 * (tests/fetcher/test_fetcher_spool.c).
 */
#include "stages/fetcher/gcb_fetcher_spool.h"

uint64_t gcb_fetcher_pspool_deadline(uint64_t caught_up_ms, uint64_t base_ms, uint64_t retention_ms)
{
	/* The first event not yet polled was produced after the last time
	 * polling had caught up: retention ends no sooner than that plus the
	 * retention. Without a catch-up, the time polling stopped. */
	return (caught_up_ms != 0 ? caught_up_ms : base_ms) + retention_ms;
}

uint64_t gcb_fetcher_pspool_rate(const uint64_t *bytes, const uint64_t *ms, unsigned n)
{
	if (n < 2 || ms[n - 1] <= ms[0] || bytes[n - 1] <= bytes[0])
		return 0;
	return (bytes[n - 1] - bytes[0]) * 1000u / (ms[n - 1] - ms[0]);
}

uint64_t gcb_fetcher_pspool_full_in_ms(uint64_t bytes, uint64_t max, uint64_t rate)
{
	if (rate == 0)
		return 0;
	if (bytes >= max)
		return 1; /* full now: 0 would read as "not growing" */
	return (max - bytes) * 1000u / rate;
}
