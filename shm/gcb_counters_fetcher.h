/*
 * Counters of the fetcher stage: indexes into gcb_shm_stage_t.counters[] of
 * the fetcher's stage slot, and their names (for metrics and tools). Part of
 * the segment contract: append only, never renumber.
 *
 * All are monotonic totals except the gauges: GCB_FC_BACKOFF_MS (the backoff
 * currently waited, 0 when none), GCB_FC_LAST_POLL_UNIX_MS (wall-clock time
 * of the last successful poll), and the notification source's CHANNELS,
 * TOPICS, LAST_MESSAGE_UNIX_MS, GAPS_PENDING, SPOOL_BYTES, SPOOL_UNREAD and TOPICS_REJECTED,
 * and the spool's SPOOL_EVENTS to RETENTION_DEADLINE_UNIX_MS.
 * The fetcher's last cursor lives in the pipeline's cursor slots, not here.
 */
#ifndef GCB_COUNTERS_FETCHER_H
#define GCB_COUNTERS_FETCHER_H

#include "shm/gcb_shm_layout.h"

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
	/* Notification source (docs/notifications.md). */
	GCB_FC_CHANNELS,	      /* channels connected now (gauge) */
	GCB_FC_TOPICS,		      /* topics subscribed now (gauge) */
	GCB_FC_WS_MESSAGES,	      /* data messages received */
	GCB_FC_WS_HEARTBEATS,	      /* heartbeats and pongs received */
	GCB_FC_WS_RECONNECTS,	      /* channels reconnected, any cause */
	GCB_FC_ROLLOVERS,	      /* channels replaced before expiry or on socket_closing */
	GCB_FC_SYSTEM_MESSAGES,	      /* v2.system.* messages handled */
	GCB_FC_LAST_MESSAGE_UNIX_MS,  /* time of the last message received (gauge) */
	GCB_FC_GAPS_OPENED,	      /* gaps recorded */
	GCB_FC_GAPS_BACKFILLED,	      /* gaps whose backfill completed */
	GCB_FC_GAPS_PENDING,	      /* gaps not yet backfilled (gauge) */
	GCB_FC_BACKFILL_JOBS,	      /* analytics jobs submitted */
	GCB_FC_BACKFILL_EVENTS,	      /* conversations emitted as backfill events */
	GCB_FC_SPOOL_BYTES,	      /* spool bytes on disk: segments not yet released (gauge) */
	GCB_FC_SPOOL_UNREAD,	      /* spooled records not yet in the rings (gauge) */
	GCB_FC_SPOOL_APPENDS,	      /* records appended to the spool */
	GCB_FC_SPOOL_SYNCS,	      /* spool fdatasyncs completed */
	GCB_FC_SPOOL_FULL,	      /* times the spool reached spool.max_size */
	GCB_FC_SPOOL_RECOVERED_BYTES, /* torn or corrupt spool tail cut off at open */
	GCB_FC_BACKFILL_WATERMARK_WAITS, /* gap backfills held: analytics data not yet complete */
	GCB_FC_TOPICS_REJECTED,		 /* topics the service refused to subscribe now (gauge) */
	/* The poll source's spool (docs/fetcher.md, "The spool"). */
	GCB_FC_SPOOL_EVENTS,		   /* spooled events not yet in the rings (gauge) */
	GCB_FC_SPOOL_OLDEST_UNIX_MS,	   /* arrival of the oldest of them, 0 none (gauge) */
	GCB_FC_SPOOL_FILL_BPS,		   /* spool growth in bytes/s, 0 not growing (gauge) */
	GCB_FC_SPOOL_FULL_IN_MS,	   /* time until spool.max_size, 0 not growing (gauge) */
	GCB_FC_SPOOL_FULL_NOW,		   /* 1 while a full spool stops polling (gauge) */
	GCB_FC_RETENTION_DEADLINE_UNIX_MS, /* while full: end of upstream retention (gauge) */
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
		    "oversized_events", "uncarriable_events", "split_batches", "channels",           \
		    "topics", "ws_messages", "ws_heartbeats", "ws_reconnects", "rollovers",        \
		    "system_messages", "last_message_unix_ms", "gaps_opened", "gaps_backfilled",   \
		    "gaps_pending", "backfill_jobs", "backfill_events", "spool_bytes",             \
		    "spool_unread", "spool_appends", "spool_syncs", "spool_full",                  \
		    "spool_recovered_bytes", "backfill_watermark_waits", "topics_rejected",        \
		    "spool_events", "spool_oldest_unix_ms", "spool_fill_bytes_per_second",         \
		    "spool_full_in_ms", "spool_full_now", "retention_deadline_unix_ms",            \
	}

_Static_assert(GCB_FC_COUNT <= GCB_SHM_STAGE_COUNTERS,
	       "fetcher counters exceed GCB_SHM_STAGE_COUNTERS");

#endif
