/*
 * Counters of the fetcher stage: indexes into gcb_shm_stage_t.counters[] of
 * the fetcher's stage slot, and their names (for metrics and tools). Part of
 * the segment contract: append only, never renumber.
 *
 * All are monotonic totals except GCB_FC_BACKOFF_MS (the backoff currently
 * waited, 0 when none) and GCB_FC_LAST_POLL_UNIX_MS (wall-clock time of the
 * last successful poll). The fetcher's last cursor lives in the pipeline's
 * cursor slots, not here.
 */
#ifndef GCB_COUNTERS_FETCHER_H
#define GCB_COUNTERS_FETCHER_H

enum gcb_fetcher_counter {
	GCB_FC_POLLS = 0,	   /* poll requests answered 200 */
	GCB_FC_EVENTS,		   /* events written to the rings */
	GCB_FC_BYTES,		   /* event JSON bytes written to the rings */
	GCB_FC_HTTP_401,	   /* 401 answers (any endpoint) */
	GCB_FC_HTTP_429,	   /* 429 answers */
	GCB_FC_HTTP_5XX,	   /* 5xx answers */
	GCB_FC_RETRIES,		   /* requests retried after a failure */
	GCB_FC_BACKOFF_MS,	   /* current backoff wait, 0 when none (gauge) */
	GCB_FC_TOKEN_RENEWALS,	   /* access tokens obtained */
	GCB_FC_CURSOR_EXPIRIES,	   /* 410 cursor.expired answers */
	GCB_FC_LAST_POLL_UNIX_MS,  /* time of the last successful poll (gauge) */
	GCB_FC_BATCHES,		   /* batches committed to the rings */
	GCB_FC_EMPTY_POLLS,	   /* polls answered with no event */
	GCB_FC_TRANSPORT_ERRORS,   /* timeouts, refused connections, TLS errors */
	GCB_FC_MALFORMED,	   /* response bodies that could not be parsed */
	GCB_FC_HTTP_OTHER,	   /* other non-2xx answers (4xx except 401/410/429, 501) */
	GCB_FC_AUTH_FAILURES,	   /* token requests refused, or a 401 after a fresh token */
	GCB_FC_THROTTLE_WAITS,	   /* proactive waits because the rate budget ran low */
	GCB_FC_THROTTLE_MS,	   /* total milliseconds of proactive waiting */
	GCB_FC_RING_FULL_WAITS,	   /* waits for ring space (backpressure) */
	GCB_FC_SLOT_WAITS,	   /* waits for a free cursor slot (64 batches in flight) */
	GCB_FC_CHECKPOINTS,	   /* checkpoint files written */
	GCB_FC_CHECKPOINT_ERRORS,  /* checkpoint writes that failed */
	GCB_FC_OVERSIZED_EVENTS,   /* events above max event bytes (forwarded) */
	GCB_FC_UNCARRIABLE_EVENTS, /* events above the ring's max record (marker sent) */
	GCB_FC_SPLIT_BATCHES,	   /* poll answers split over several batches */
	GCB_FC_COUNT
};

/* Names in enum order, snake_case, as exported by metrics. */
#define GCB_FC_NAMES                                                                               \
	{                                                                                          \
		"polls", "events", "bytes", "http_401", "http_429", "http_5xx", "retries",         \
		    "backoff_ms", "token_renewals", "cursor_expiries", "last_poll_unix_ms",        \
		    "batches", "empty_polls", "transport_errors", "malformed_responses",           \
		    "http_other", "auth_failures", "throttle_waits", "throttle_ms",                \
		    "ring_full_waits", "slot_waits", "checkpoints", "checkpoint_errors",           \
		    "oversized_events", "uncarriable_events", "split_batches",                     \
	}

_Static_assert(GCB_FC_COUNT <= 48, "fetcher counters exceed GCB_SHM_STAGE_COUNTERS");

#endif
